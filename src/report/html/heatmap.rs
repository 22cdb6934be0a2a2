//! The heat map: one or more panels of rows × columns of coloured cells, hand-written SVG
//! (plotters has no matrix chart with rotated column labels, hatched cells and per-cell hover
//! text). The colour scale diverges around 0 (neutral grey): Okabe–Ito blue for gains, vermillion
//! for losses, the intensity growing with the square root of |value| so that small gains and
//! losses still show next to large ones. Cells that do not apply are hatched grey with "n/a";
//! uncertain cells carry a ring. Each cell is a `<g>` with a `<title>` (the hover text) and, when
//! it shows a CSV cell, the same `data-file`, `data-key`, `data-col` and `data-raw` attributes as
//! the page's number cells, so the tests check the drawing against the CSV too.

use std::fmt::Write as _;

use super::chart::escape;
use super::figure::{fmt, short};

/// One cell of a [`Panel`].
#[derive(Debug, Clone, Default)]
pub(crate) struct HeatCell {
    /// The value the colour shows.
    pub value: f64,
    /// False: hatched grey, "n/a" (the value is not coloured).
    pub applies: bool,
    /// Marked with a ring.
    pub uncertain: bool,
    /// Hover text.
    pub title: String,
    /// Where the value comes from: CSV file, row key (as `page::key_attr` writes it), column and
    /// the cell as written.
    pub source: Option<[String; 4]>,
}

/// A matrix of cells with its row and column labels.
#[derive(Debug, Clone, Default)]
pub(crate) struct Panel {
    /// Shown above the panel.
    pub title: String,
    /// Row labels.
    pub rows: Vec<String>,
    /// Column labels (drawn rotated).
    pub cols: Vec<String>,
    /// `cells[row][col]`; `None`: not tried (left blank).
    pub cells: Vec<Vec<Option<HeatCell>>>,
}

/// A heat map: panels sharing one colour scale.
#[derive(Debug, Clone, Default)]
pub(crate) struct Heat {
    /// Unique on the page (names the hatch pattern).
    pub id: String,
    /// What the colour is, with its unit (the legend's title).
    pub unit: String,
    /// The panels, drawn one under the other.
    pub panels: Vec<Panel>,
    /// Legend text of the ring (empty: no uncertain cell can be marked, no legend entry).
    pub marker: String,
}

const W: f64 = 900.0;
const CELL_H: f64 = 24.0;
const NEUTRAL: (f64, f64, f64) = (242.0, 242.0, 242.0);
const GAIN: (f64, f64, f64) = (0.0, 114.0, 178.0);
const LOSS: (f64, f64, f64) = (213.0, 94.0, 0.0);

/// The colour of `v` on the scale whose ends are ±`max`, and whether text on it should be white.
pub(crate) fn colour(v: f64, max: f64) -> (String, bool) {
    let t = if max > 0.0 {
        (v.abs() / max).clamp(0.0, 1.0).sqrt()
    } else {
        0.0
    };
    let end = if v < 0.0 { LOSS } else { GAIN };
    let mix = |a: f64, b: f64| (a + (b - a) * t).round() as u8;
    let c = (mix(NEUTRAL.0, end.0), mix(NEUTRAL.1, end.1), mix(NEUTRAL.2, end.2));
    (format!("#{:02x}{:02x}{:02x}", c.0, c.1, c.2), t > 0.6)
}

/// The value written in a cell: no decimal from 10 on, one below.
fn cell_text(v: f64) -> String {
    if v.abs() >= 9.95 { fmt(v, 0) } else { fmt(v, 1) }
}

/// The heat map as one `<svg>` element.
pub(crate) fn draw(h: &Heat) -> String {
    let max = h
        .panels
        .iter()
        .flat_map(|p| p.cells.iter().flatten().flatten())
        .filter(|c| c.applies && c.value.is_finite())
        .fold(0.0_f64, |m, c| m.max(c.value.abs()));
    let label_chars = h
        .panels
        .iter()
        .flat_map(|p| p.rows.iter())
        .map(|r| r.chars().count())
        .max()
        .unwrap_or(4)
        .min(36);
    let left = (label_chars as f64 * 6.6 + 16.0).clamp(60.0, 260.0);
    let ncols = h.panels.iter().map(|p| p.cols.len()).max().unwrap_or(1).max(1);
    let cell_w = ((W - left - 40.0) / ncols as f64).min(48.0).floor();
    let hatch = format!("hatch-{}", h.id);
    let mut body = String::new();
    let mut y = legend(&mut body, h, max, &hatch);
    for p in &h.panels {
        y = panel(&mut body, p, (left, y), cell_w, max, &hatch);
    }
    let height = y.ceil() + 8.0;
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {W} {height}\" width=\"{W}\" height=\"{height}\" role=\"img\" font-family=\"sans-serif\" class=\"heatmap\">\
         <defs><pattern id=\"{hatch}\" patternUnits=\"userSpaceOnUse\" width=\"6\" height=\"6\" patternTransform=\"rotate(45)\"><rect width=\"6\" height=\"6\" fill=\"#e4e4e4\"/><line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"#bbbbbb\" stroke-width=\"2\"/></pattern></defs>\
         <rect width=\"{W}\" height=\"{height}\" fill=\"#fff\"/>{body}</svg>"
    )
}

/// The legend: the scale as nine swatches from −max to +max, then "n/a" and the ring; returns
/// the y under it.
fn legend(out: &mut String, h: &Heat, max: f64, hatch: &str) -> f64 {
    let _ = write!(
        out,
        "<text x=\"10\" y=\"16\" font-size=\"13\">{}</text>",
        escape(&h.unit)
    );
    let mut x = 10.0;
    for i in -4..=4 {
        let t = f64::from(i) / 4.0;
        let v = t.signum() * t * t * max;
        let (fill, _) = colour(v, max);
        let _ = write!(
            out,
            "<rect x=\"{x}\" y=\"24\" width=\"44\" height=\"14\" fill=\"{fill}\" stroke=\"#999\" stroke-width=\"0.5\"/>\
             <text x=\"{}\" y=\"51\" font-size=\"10\" text-anchor=\"middle\">{}</text>",
            x + 22.0,
            if max > 0.0 { cell_text(v) } else { "0".into() }
        );
        x += 46.0;
    }
    x += 16.0;
    let _ = write!(
        out,
        "<rect x=\"{x}\" y=\"24\" width=\"28\" height=\"14\" fill=\"url(#{hatch})\" stroke=\"#999\" stroke-width=\"0.5\"/>\
         <text x=\"{}\" y=\"35\" font-size=\"11\">n/a: does not apply</text>",
        x + 34.0
    );
    x += 150.0;
    if !h.marker.is_empty() {
        let _ = write!(
            out,
            "<circle cx=\"{}\" cy=\"31\" r=\"4\" fill=\"#fff\" stroke=\"#000\" stroke-width=\"1.5\"/>\
             <text x=\"{}\" y=\"35\" font-size=\"11\">{}</text>",
            x + 5.0,
            x + 14.0,
            escape(&h.marker)
        );
    }
    64.0
}

/// One panel from `(left, top)`; returns the y under it.
fn panel(out: &mut String, p: &Panel, (left, top): (f64, f64), cell_w: f64, max: f64, hatch: &str) -> f64 {
    let _ = write!(
        out,
        "<text x=\"10\" y=\"{}\" font-size=\"13\" font-weight=\"bold\">{}</text>",
        top + 14.0,
        escape(&p.title)
    );
    // Column labels rotated by 55°: their height grows with the longest label.
    let col_chars = p.cols.iter().map(|c| c.chars().count()).max().unwrap_or(3).min(16);
    let grid_top = top + 26.0 + col_chars as f64 * 5.4 + 6.0;
    for (j, c) in p.cols.iter().enumerate() {
        let x = left + (j as f64 + 0.5) * cell_w + 3.0;
        let y = grid_top - 5.0;
        let _ = write!(
            out,
            "<text x=\"{x}\" y=\"{y}\" font-size=\"11\" transform=\"rotate(-55 {x} {y})\">{}<title>{}</title></text>",
            escape(&short(c, 16)),
            escape(c)
        );
    }
    let max_chars = ((left - 16.0) / 6.6) as usize;
    for (i, r) in p.rows.iter().enumerate() {
        let y = grid_top + i as f64 * CELL_H;
        let _ = write!(
            out,
            "<text x=\"{}\" y=\"{}\" font-size=\"12\" text-anchor=\"end\">{}<title>{}</title></text>",
            left - 6.0,
            y + CELL_H / 2.0 + 4.0,
            escape(&short(r, max_chars)),
            escape(r)
        );
        for (j, cell) in p.cells.get(i).into_iter().flatten().enumerate() {
            let x = left + j as f64 * cell_w;
            match cell {
                Some(c) => draw_cell(out, c, (x, y), cell_w, max, hatch),
                None => {
                    let _ = write!(
                        out,
                        "<rect x=\"{x}\" y=\"{y}\" width=\"{cell_w}\" height=\"{CELL_H}\" fill=\"#fff\" stroke=\"#ddd\" stroke-width=\"0.5\"/>"
                    );
                }
            }
        }
    }
    grid_top + p.rows.len() as f64 * CELL_H + 14.0
}

fn draw_cell(out: &mut String, c: &HeatCell, (x, y): (f64, f64), w: f64, max: f64, hatch: &str) {
    let _ = write!(out, "<g class=\"cell\"");
    if let Some([file, key, col, raw]) = &c.source {
        let _ = write!(
            out,
            " data-file=\"{}\" data-key=\"{}\" data-col=\"{}\" data-raw=\"{}\"",
            escape(file),
            escape(key),
            escape(col),
            escape(raw)
        );
    }
    let _ = write!(out, "><title>{}</title>", escape(&c.title));
    let (fill, white) = if c.applies {
        colour(c.value, max)
    } else {
        (format!("url(#{hatch})"), false)
    };
    let _ = write!(
        out,
        "<rect x=\"{x}\" y=\"{y}\" width=\"{w}\" height=\"{CELL_H}\" fill=\"{fill}\" stroke=\"#fff\" stroke-width=\"1\"/>"
    );
    let text = if c.applies { cell_text(c.value) } else { "n/a".into() };
    if w >= 20.0 {
        let _ = write!(
            out,
            "<text x=\"{}\" y=\"{}\" font-size=\"{}\" text-anchor=\"middle\" fill=\"{}\">{}</text>",
            x + w / 2.0,
            y + CELL_H / 2.0 + 3.5,
            if w >= 30.0 { 10 } else { 9 },
            if white {
                "#fff"
            } else if c.applies {
                "#222"
            } else {
                "#555"
            },
            text
        );
    }
    if c.uncertain {
        let _ = write!(
            out,
            "<circle cx=\"{}\" cy=\"{}\" r=\"3.5\" fill=\"#fff\" stroke=\"#000\" stroke-width=\"1.5\"/>",
            x + w - 5.0,
            y + 5.0
        );
    }
    out.push_str("</g>");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scale_is_neutral_at_zero_and_diverges() {
        assert_eq!(colour(0.0, 10.0).0, "#f2f2f2");
        assert_eq!(colour(10.0, 10.0).0, "#0072b2");
        assert_eq!(colour(-10.0, 10.0).0, "#d55e00");
        assert_eq!(colour(3.0, 0.0).0, "#f2f2f2");
        // Small values still show: a quarter of the intensity at 1/16 of the largest.
        assert_ne!(colour(-10.0 / 16.0, 10.0).0, "#f2f2f2");
    }

    #[test]
    fn cells_carry_their_source_and_marks() {
        let cell = |value, applies, uncertain| {
            Some(HeatCell {
                value,
                applies,
                uncertain,
                title: "t".into(),
                source: Some(["f.csv".into(), "k=v".into(), "gain".into(), value.to_string()]),
            })
        };
        let svg = draw(&Heat {
            id: "x".into(),
            unit: "u".into(),
            panels: vec![Panel {
                title: "p".into(),
                rows: vec!["a".into()],
                cols: vec!["A".into(), "B".into(), "C".into()],
                cells: vec![vec![cell(2.5, true, true), cell(0.0, false, false), None]],
            }],
            marker: "uncertain".into(),
        });
        assert_eq!(svg.matches("<g class=\"cell\"").count(), 2);
        assert!(svg.contains("data-raw=\"2.5\""));
        assert!(svg.contains(">n/a</text>"));
        assert!(svg.contains("url(#hatch-x)"));
        // One ring in the cell, one in the legend.
        assert_eq!(svg.matches("<circle").count(), 2);
    }
}
