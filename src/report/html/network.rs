//! The leak map drawn as a graph. Hand-written SVG: plotters draws charts on axes and has no
//! graph layout, and no well-kept Rust crate draws a small directed network to SVG without a
//! Graphviz install (which the page must not need). The layout is deliberately simple and
//! deterministic: countries on a circle, each country's authorities on a small circle around its
//! point, channels as curved arrows whose width is proportional to the value drawn.

use std::collections::BTreeMap;
use std::f64::consts::TAU;
use std::fmt::Write as _;

use super::chart::{css, escape};
use super::figure::fmt;

/// A channel to draw.
#[derive(Debug, Clone)]
pub(crate) struct Edge {
    /// Channel id.
    pub id: String,
    /// Sending authority and its country.
    pub from: (String, String),
    /// Receiving authority and its country.
    pub to: (String, String),
    /// The value the width shows (victims per year).
    pub value: f64,
}

const W: f64 = 900.0;
const H: f64 = 720.0;

/// The graph of `edges`, widths ∝ `value` (the largest is 14 px), `unit` in the hover text.
pub(crate) fn draw(edges: &[Edge], unit: &str) -> String {
    let mut countries: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for e in edges {
        for (a, c) in [&e.from, &e.to] {
            let list = countries.entry(c.as_str()).or_default();
            if !list.contains(&a.as_str()) {
                list.push(a.as_str());
            }
        }
    }
    let nc = countries.len().max(1) as f64;
    // Country discs as large as fits both the canvas and the spacing between neighbours.
    let (big, small) = if nc > 1.0 {
        let room = H / 2.0 - 60.0;
        let small = (room * TAU / nc / (2.6 + TAU / nc)).clamp(18.0, 110.0);
        (room - small, small)
    } else {
        (0.0, 160.0)
    };
    let mut pos: BTreeMap<&str, (f64, f64)> = BTreeMap::new();
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {W} {H}\" width=\"{W}\" height=\"{H}\" role=\"img\" font-family=\"sans-serif\">\
         <defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"9\" markerHeight=\"9\" markerUnits=\"userSpaceOnUse\" orient=\"auto\"><path d=\"M0,0L10,5L0,10z\" fill=\"#555\"/></marker></defs>"
    );
    let mut labels = String::new();
    for (ci, (country, auths)) in countries.iter().enumerate() {
        let a = TAU * ci as f64 / nc - TAU / 4.0;
        let (cx, cy) = (W / 2.0 + big * a.cos(), H / 2.0 + big * a.sin());
        let _ = write!(
            out,
            "<circle cx=\"{cx:.1}\" cy=\"{cy:.1}\" r=\"{:.1}\" fill=\"#f2f2f2\" stroke=\"#bbb\"/>",
            small + 8.0
        );
        let (lx, ly) = (
            W / 2.0 + (big + small + 24.0) * a.cos(),
            H / 2.0 + (big + small + 24.0) * a.sin(),
        );
        let _ = write!(
            labels,
            "<text x=\"{lx:.1}\" y=\"{ly:.1}\" font-size=\"13\" font-weight=\"bold\" text-anchor=\"middle\" dominant-baseline=\"middle\">{}</text>",
            escape(country)
        );
        let na = auths.len() as f64;
        for (ai, auth) in auths.iter().enumerate() {
            let b = TAU * ai as f64 / na + a;
            let r = if na > 1.0 { small } else { 0.0 };
            pos.insert(auth, (cx + r * b.cos(), cy + r * b.sin()));
        }
    }
    let max = edges.iter().map(|e| e.value).fold(0.0_f64, f64::max);
    let mut sorted: Vec<&Edge> = edges.iter().collect();
    sorted.sort_by(|a, b| a.value.total_cmp(&b.value));
    for e in sorted {
        let (Some(&(x0, y0)), Some(&(x1, y1))) = (pos.get(e.from.0.as_str()), pos.get(e.to.0.as_str())) else {
            continue;
        };
        let width = if max > 0.0 { 0.6 + 13.4 * e.value / max } else { 0.6 };
        let cross = e.from.1 != e.to.1;
        let (colour, opacity) = match (e.value > 0.0, cross) {
            (false, _) => ("#999999".to_owned(), 0.25),
            (true, true) => (css(4), 0.75),
            (true, false) => (css(3), 0.75),
        };
        // Bend every arrow to its left so the two directions of a pair stay apart.
        let (mx, my) = ((x0 + x1) / 2.0, (y0 + y1) / 2.0);
        let (dx, dy) = (x1 - x0, y1 - y0);
        let (qx, qy) = (mx - dy * 0.15, my + dx * 0.15);
        let _ = write!(
            out,
            "<path class=\"edge\" data-channel=\"{}\" data-value=\"{}\" d=\"M{x0:.1},{y0:.1}Q{qx:.1},{qy:.1} {x1:.1},{y1:.1}\" fill=\"none\" stroke=\"{colour}\" stroke-opacity=\"{opacity}\" stroke-width=\"{width:.2}\" marker-end=\"url(#arrow)\"><title>{}: {} {unit}</title></path>",
            escape(&e.id),
            e.value,
            escape(&e.id),
            fmt(e.value, 2)
        );
    }
    for (auth, (x, y)) in &pos {
        let _ = write!(
            out,
            "<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"4\" fill=\"#333\"><title>{}</title></circle>",
            escape(auth)
        );
    }
    out.push_str(&labels);
    let _ = write!(
        out,
        "<g font-size=\"12\"><rect x=\"10\" y=\"{:.0}\" width=\"14\" height=\"4\" fill=\"{}\"/><text x=\"30\" y=\"{:.0}\">cross-border channel</text>\
         <rect x=\"10\" y=\"{:.0}\" width=\"14\" height=\"4\" fill=\"{}\"/><text x=\"30\" y=\"{:.0}\">channel within a country</text>\
         <text x=\"10\" y=\"{:.0}\">width ∝ {unit}; largest: {}</text></g></svg>",
        H - 52.0,
        css(4),
        H - 46.0,
        H - 34.0,
        css(3),
        H - 28.0,
        H - 10.0,
        fmt(max, 1)
    );
    out
}
