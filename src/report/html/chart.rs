//! Charts drawn with `plotters` (SVG backend only, its naive text metrics: the browser lays the
//! text out). Each function returns one `<svg>` element. Plotters draws no hover text, so after
//! drawing, each chart adds transparent rectangles (one per row or point) carrying a `<title>`
//! with the numbers, placed with the chart's own coordinate mapping.
//!
//! Colours are the Okabe–Ito palette (Okabe & Ito 2008), distinguishable with every common form
//! of colour blindness; series are also told apart by position (dodged rows) and by the legend.

use std::fmt::Write as _;
use std::ops::Range;

use plotters::chart::MeshStyle;
use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;

use super::figure::{fmt, short};

/// Okabe–Ito: orange, sky blue, bluish green, blue, vermillion, reddish purple, yellow, black.
pub(crate) const PALETTE: [RGBColor; 8] = [
    RGBColor(230, 159, 0),
    RGBColor(86, 180, 233),
    RGBColor(0, 158, 115),
    RGBColor(0, 114, 178),
    RGBColor(213, 94, 0),
    RGBColor(204, 121, 167),
    RGBColor(240, 228, 66),
    RGBColor(0, 0, 0),
];

/// The `i`-th colour of the palette, as CSS.
pub(crate) fn css(i: usize) -> String {
    let c = PALETTE[i % PALETTE.len()];
    format!("#{:02x}{:02x}{:02x}", c.0, c.1, c.2)
}

/// Width of every chart, in pixels (the page scales it down on narrow screens).
const WIDTH: u32 = 900;
/// Characters of a row label drawn on the axis.
const LABEL_CHARS: usize = 44;

/// A value with its interval.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Point {
    /// The estimate.
    pub value: f64,
    /// 95 % interval, when there is one.
    pub interval: Option<(f64, f64)>,
}

/// Rows of estimates, one dot (or bar) per series in each row, with whiskers for intervals.
/// Made by [`Dots::new`] and its modifiers, which hold the common settings.
#[derive(Debug, Clone)]
pub(crate) struct Dots {
    /// x axis title, with its unit.
    pub x_label: String,
    /// Series names (one colour each; the legend).
    pub series: Vec<String>,
    /// Row label and one point per series.
    pub rows: Vec<(String, Vec<Option<Point>>)>,
    /// Bars from zero instead of dots.
    pub bars: bool,
    /// Shown values are multiplied by this (100 for percentages).
    pub scale: f64,
    /// Decimals in the hover text.
    pub decimals: usize,
    /// What the whiskers are, for the hover text (empty: "95% CI").
    pub interval: &'static str,
}

impl Dots {
    /// Dots for `rows`, one series per name of `series` (the legend), on an x axis titled
    /// `x_label`: values shown as they are, one decimal in the hover text, whiskers read as
    /// 95 % intervals. The other methods change one of these.
    pub(crate) fn new(
        x_label: impl Into<String>,
        series: impl IntoIterator<Item: Into<String>>,
        rows: Vec<(String, Vec<Option<Point>>)>,
    ) -> Dots {
        Dots {
            x_label: x_label.into(),
            series: series.into_iter().map(Into::into).collect(),
            rows,
            bars: false,
            scale: 1.0,
            decimals: 1,
            interval: "",
        }
    }

    /// Bars from zero instead of dots.
    pub(crate) fn bars(self) -> Dots {
        Dots { bars: true, ..self }
    }

    /// Shares shown as percentages (values multiplied by 100).
    pub(crate) fn percent(self) -> Dots {
        Dots { scale: 100.0, ..self }
    }

    /// `decimals` decimals in the hover text.
    pub(crate) fn decimals(self, decimals: usize) -> Dots {
        Dots { decimals, ..self }
    }

    /// The whiskers are `name` (in the hover text) rather than 95 % intervals.
    pub(crate) fn interval(self, name: &'static str) -> Dots {
        Dots { interval: name, ..self }
    }
}

/// Rows of shares stacked to 1 (e.g. final outcomes).
#[derive(Debug, Clone, Default)]
pub(crate) struct Stacked {
    /// x axis title.
    pub x_label: String,
    /// Segment names.
    pub series: Vec<String>,
    /// Row label and one share per segment.
    pub rows: Vec<(String, Vec<f64>)>,
}

/// A point of a curve: `(x, y, low, high)`.
pub(crate) type CurvePoint = (f64, f64, f64, f64);

/// Curves over a numeric x with a band (sweeps).
#[derive(Debug, Clone, Default)]
pub(crate) struct Curves {
    /// x axis title.
    pub x_label: String,
    /// y axis title.
    pub y_label: String,
    /// Curve name and its points `(x, y, low, high)`.
    pub curves: Vec<(String, Vec<CurvePoint>)>,
}

type Err = Box<dyn std::error::Error>;

/// Runs `draw` on an SVG canvas of `height` and returns the SVG with `overlay` (hover shapes)
/// added before its end.
fn svg(height: u32, draw: impl FnOnce(&DrawingArea<SVGBackend<'_>, Shift>) -> Result<String, Err>) -> String {
    let mut out = String::new();
    let overlay = {
        let root = SVGBackend::with_string(&mut out, (WIDTH, height)).into_drawing_area();
        let r = root.fill(&WHITE).map_err(Err::from).and_then(|()| draw(&root));
        let _ = root.present();
        r
    };
    match overlay {
        Ok(extra) => {
            if let Some(end) = out.rfind("</svg>") {
                out.insert_str(end, &extra);
            }
            // Scale with the page: the drawing keeps its proportions.
            out.replacen(
                "<svg ",
                &format!("<svg viewBox=\"0 0 {WIDTH} {height}\" role=\"img\" "),
                1,
            )
        }
        Err(e) => format!("<p class=\"note\">The chart could not be drawn: {e}</p>"),
    }
}

/// A hover rectangle with `title` (escaped here).
fn hover(out: &mut String, (x0, y0): (i32, i32), (x1, y1): (i32, i32), title: &str) {
    let _ = write!(
        out,
        "<rect class=\"hover\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"#000\" fill-opacity=\"0\"><title>{}</title></rect>",
        x0.min(x1),
        y0.min(y1),
        (x1 - x0).abs().max(1),
        (y1 - y0).abs().max(1),
        escape(title)
    );
}

/// Escapes text for SVG/HTML.
pub(crate) fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A range that holds `values` and 0, padded by 5 %, never empty.
fn range(values: impl Iterator<Item = f64>, with_zero: bool) -> (f64, f64) {
    let (mut lo, mut hi) = if with_zero {
        (0.0, 0.0)
    } else {
        (f64::INFINITY, f64::NEG_INFINITY)
    };
    for v in values.filter(|v| v.is_finite()) {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    if !lo.is_finite() || !hi.is_finite() {
        return (0.0, 1.0);
    }
    let pad = ((hi - lo) * 0.05).max(1e-9);
    (lo - pad, hi + pad)
}

/// Pixel width of the row-label area for `labels`.
fn label_area(labels: impl Iterator<Item = usize>) -> u32 {
    (labels.max().unwrap_or(4).min(LABEL_CHARS) as u32 * 7 + 16).clamp(60, 340)
}

fn interval_text(p: &Point, scale: f64, decimals: usize, name: &str) -> String {
    let mut s = fmt(p.value * scale, decimals);
    if let Some((lo, hi)) = p.interval {
        let name = if name.is_empty() { "95% CI" } else { name };
        let _ = write!(
            s,
            " ({name} {} to {})",
            fmt(lo * scale, decimals),
            fmt(hi * scale, decimals)
        );
    }
    s
}

/// Row labels: right-aligned against the axis, vertically centred on the row.
fn row_label_style() -> TextStyle<'static> {
    use plotters::style::text_anchor::{HPos, Pos, VPos};
    TextStyle::from(("sans-serif", 12).into_font()).pos(Pos::new(HPos::Right, VPos::Center))
}

/// The plotters chart of every figure: a numeric x and y.
type Chart<'a, 'b> = ChartContext<'a, SVGBackend<'b>, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// The chart area of every figure on `root`: room for the legend above, the x axis below and
/// `y_area` pixels of y labels on the left, over `x` by `y`.
fn frame<'a, 'b>(
    root: &'a DrawingArea<SVGBackend<'b>, Shift>,
    y_area: u32,
    x: Range<f64>,
    y: Range<f64>,
) -> Result<Chart<'a, 'b>, Err> {
    Ok(ChartBuilder::on(root)
        .margin_top(28)
        .margin_right(20)
        .x_label_area_size(44)
        .y_label_area_size(y_area)
        .build_cartesian_2d(x, y)?)
}

/// The mesh of every figure, with the x axis titled `x_label`: light grid lines, the axis
/// titles' and tick labels' fonts. The caller adds what differs and draws it.
fn mesh<'a, 'b, 'c>(
    chart: &'b mut Chart<'a, 'c>,
    x_label: &str,
) -> MeshStyle<'a, 'b, RangedCoordf64, RangedCoordf64, SVGBackend<'c>> {
    let mut mesh = chart.configure_mesh();
    mesh.light_line_style(RGBColor(238, 238, 238))
        .x_desc(x_label)
        .axis_desc_style(("sans-serif", 14))
        .label_style(("sans-serif", 12));
    mesh
}

/// The chart of `n` rows labelled `labels` (drawn by the caller) over `x`, its mesh drawn
/// with vertical grid lines only.
fn rows_chart<'a, 'b>(
    root: &'a DrawingArea<SVGBackend<'b>, Shift>,
    x: Range<f64>,
    n: usize,
    labels: &[String],
    x_label: &str,
) -> Result<Chart<'a, 'b>, Err> {
    let y_area = label_area(labels.iter().map(|l| l.chars().count()));
    let mut chart = frame(root, y_area, x, 0.0..n as f64)?;
    mesh(&mut chart, x_label).disable_y_mesh().y_labels(0).draw()?;
    Ok(chart)
}

/// Legend as plain SVG text and swatches at the top right (drawn with plotters' elements).
fn legend(root: &DrawingArea<SVGBackend<'_>, Shift>, series: &[String]) -> Result<(), Err> {
    if series.len() < 2 {
        return Ok(());
    }
    let mut x = 10;
    for (i, name) in series.iter().enumerate() {
        let c = PALETTE[i % PALETTE.len()];
        root.draw(&Rectangle::new([(x, 6), (x + 12, 18)], c.filled()))?;
        let label = short(name, 30);
        root.draw(&Text::new(label.clone(), (x + 16, 7), ("sans-serif", 13).into_font()))?;
        x += 28 + 7 * label.chars().count() as i32;
        if x > WIDTH as i32 - 120 {
            break;
        }
    }
    Ok(())
}

/// Horizontal dot (or bar) chart with intervals, one row per label, series dodged in the row.
pub(crate) fn dots(d: &Dots) -> String {
    let n = d.rows.len().max(1);
    let k = d.series.len().max(1);
    let row_px = (10 * k as u32 + 12).max(22);
    let height = 90 + row_px * n as u32;
    let scale = d.scale;
    svg(height, |root| {
        legend(root, &d.series)?;
        let all = d.rows.iter().flat_map(|(_, ps)| ps.iter().flatten()).flat_map(|p| {
            let (lo, hi) = p.interval.unwrap_or((p.value, p.value));
            [p.value * scale, lo * scale, hi * scale]
        });
        let (x0, x1) = range(all, d.bars);
        let labels: Vec<String> = d.rows.iter().map(|(l, _)| short(l, LABEL_CHARS)).collect();
        let mut chart = rows_chart(root, x0..x1, n, &labels, &d.x_label)?;
        let top = |i: usize| (n - i) as f64;
        let mut over = String::new();
        for (i, ((label, points), short_label)) in d.rows.iter().zip(&labels).enumerate() {
            let y_mid = top(i) - 0.5;
            let (lx, ly) = chart.backend_coord(&(x0, y_mid));
            root.draw(&Text::new(short_label.clone(), (lx - 6, ly), row_label_style()))?;
            let mut tip = label.clone();
            for (s, p) in points.iter().enumerate() {
                let Some(p) = p else { continue };
                let c = PALETTE[s % PALETTE.len()];
                let y = top(i) - (s as f64 + 1.0) / (k as f64 + 1.0);
                if d.bars {
                    let h = 0.35 / k as f64;
                    chart.draw_series(std::iter::once(Rectangle::new(
                        [(0.0, y - h), (p.value * scale, y + h)],
                        c.filled(),
                    )))?;
                } else {
                    chart.draw_series(std::iter::once(Circle::new((p.value * scale, y), 4, c.filled())))?;
                }
                if let Some((lo, hi)) = p.interval {
                    chart.draw_series(LineSeries::new(
                        [(lo * scale, y), (hi * scale, y)],
                        BLACK.stroke_width(1),
                    ))?;
                    for e in [lo, hi] {
                        let w = 0.12 / k as f64;
                        chart.draw_series(LineSeries::new([(e * scale, y - w), (e * scale, y + w)], BLACK))?;
                    }
                }
                let name = d.series.get(s).map_or("", String::as_str);
                let _ = write!(tip, "\n{name}: {}", interval_text(p, scale, d.decimals, d.interval));
            }
            hover(
                &mut over,
                chart.backend_coord(&(x0, top(i))),
                chart.backend_coord(&(x1, top(i) - 1.0)),
                &tip,
            );
        }
        if x0 < 0.0 && x1 > 0.0 {
            chart.draw_series(LineSeries::new([(0.0, 0.0), (0.0, n as f64)], BLACK.mix(0.5)))?;
        }
        Ok(over)
    })
}

/// Horizontal bars stacked to 100 %, one per row.
pub(crate) fn stacked(d: &Stacked) -> String {
    let n = d.rows.len().max(1);
    let height = 100 + 24 * n as u32;
    svg(height, |root| {
        legend(root, &d.series)?;
        let labels: Vec<String> = d.rows.iter().map(|(l, _)| short(l, LABEL_CHARS)).collect();
        let mut chart = rows_chart(root, 0.0..100.0, n, &labels, &d.x_label)?;
        let mut over = String::new();
        for (i, ((label, shares), short_label)) in d.rows.iter().zip(&labels).enumerate() {
            let y0 = (n - i) as f64 - 0.85;
            let y1 = (n - i) as f64 - 0.15;
            let (lx, ly) = chart.backend_coord(&(0.0, (y0 + y1) / 2.0));
            root.draw(&Text::new(short_label.clone(), (lx - 6, ly), row_label_style()))?;
            let mut x = 0.0;
            for (s, share) in shares.iter().enumerate() {
                let w = share.max(0.0) * 100.0;
                let c = PALETTE[s % PALETTE.len()];
                chart.draw_series(std::iter::once(Rectangle::new([(x, y0), (x + w, y1)], c.filled())))?;
                let name = d.series.get(s).map_or("", String::as_str);
                hover(
                    &mut over,
                    chart.backend_coord(&(x, y1)),
                    chart.backend_coord(&(x + w, y0)),
                    &format!("{label}\n{name}: {} %", fmt(w, 1)),
                );
                x += w;
            }
        }
        Ok(over)
    })
}

/// Curves with 95 % bands over a numeric x.
pub(crate) fn curves(d: &Curves) -> String {
    svg(380, |root| {
        let names: Vec<String> = d.curves.iter().map(|(n, _)| n.clone()).collect();
        legend(root, &names)?;
        let pts = || d.curves.iter().flat_map(|(_, p)| p.iter());
        let (x0, x1) = range(pts().map(|p| p.0), false);
        let (y0, y1) = range(pts().flat_map(|p| [p.1, p.2, p.3]), true);
        let mut chart = frame(root, 70, x0..x1, y0..y1)?;
        mesh(&mut chart, &d.x_label).y_desc(d.y_label.as_str()).draw()?;
        let mut over = String::new();
        for (s, (name, points)) in d.curves.iter().enumerate() {
            let c = PALETTE[s % PALETTE.len()];
            let band: Vec<(f64, f64)> = points
                .iter()
                .map(|p| (p.0, p.3))
                .chain(points.iter().rev().map(|p| (p.0, p.2)))
                .collect();
            chart.draw_series(std::iter::once(Polygon::new(band, c.mix(0.25).filled())))?;
            chart.draw_series(LineSeries::new(points.iter().map(|p| (p.0, p.1)), c.stroke_width(2)))?;
            chart.draw_series(points.iter().map(|p| Circle::new((p.0, p.1), 3, c.filled())))?;
            for p in points {
                let (cx, cy) = chart.backend_coord(&(p.0, p.1));
                hover(
                    &mut over,
                    (cx - 6, cy - 6),
                    (cx + 6, cy + 6),
                    &format!(
                        "{name}\nx = {}: {} (95% CI {} to {})",
                        fmt(p.0, 3),
                        fmt(p.1, 1),
                        fmt(p.2, 1),
                        fmt(p.3, 1)
                    ),
                );
            }
        }
        if y0 < 0.0 && y1 > 0.0 {
            chart.draw_series(LineSeries::new([(x0, 0.0), (x1, 0.0)], BLACK.mix(0.5)))?;
        }
        Ok(over)
    })
}
