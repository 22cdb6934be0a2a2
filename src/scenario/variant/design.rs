//! The designs of a sweep: the rows of axis values it expands into (a grid of values or ranges,
//! a Latin hypercube, the rows of a CSV table), with the checks that keep them few and distinct.
//! A design knows each axis's name and values, not what the axis edits (that is
//! [`super::sweep`]'s).

use std::collections::HashMap;

use crate::scenario::check::Checker;
use crate::scenario::raw::{RawRange, RawSweep};
use crate::vocab::latin::hypercube_strata;

/// Largest number of points one sweep may expand into.
pub const MAX_POINTS: usize = 10_000;

/// An axis as a design sees it: its name and the values or range written for it.
pub(super) struct Axis {
    pub name: String,
    /// The values are whole numbers (`retries`): a Latin hypercube rounds to them.
    pub whole: bool,
    pub values: Option<Vec<f64>>,
    pub range: Option<RawRange>,
}

/// The rows of axis values of `raw`'s design (one value per axis, in axis order); problems go
/// to `ck`. `designs` holds the bytes of the CSV design files read with the scenario, by name.
pub(super) fn rows(
    ck: &mut Checker,
    loc: &str,
    raw: &RawSweep,
    axes: &[&Axis],
    scenario_seed: u64,
    designs: &HashMap<String, Vec<u8>>,
) -> Vec<Vec<f64>> {
    let design = raw.design.as_deref().unwrap_or("grid");
    let rows: Vec<Vec<f64>> = match design {
        "grid" => grid(ck, loc, axes),
        "lhs" => lhs(ck, loc, raw, axes, scenario_seed),
        "csv" => design_table(ck, loc, raw, axes, designs),
        other => {
            ck.bad(
                loc,
                "design",
                format!("unknown value \"{other}\"; use one of: grid, lhs, csv"),
            );
            Vec::new()
        }
    };
    if design != "lhs" && (raw.points.is_some() || raw.seed.is_some()) {
        ck.bad(loc, "points", "`points` and `seed` belong to design = \"lhs\"");
    }
    if design != "csv" && raw.file.is_some() {
        ck.bad(loc, "file", "`file` belongs to design = \"csv\"");
    }
    if rows.len() > MAX_POINTS {
        ck.bad(
            loc,
            "design",
            format!("expands into {} points; at most {MAX_POINTS} are allowed", rows.len()),
        );
    }
    for (i, row) in rows.iter().enumerate() {
        if let Some(j) = rows[..i].iter().position(|r| r == row) {
            ck.bad(
                loc,
                "design",
                format!(
                    "points #{} and #{} have the same values {row:?}; give distinct points (a Latin hypercube over \
                     `retries` rounds to whole numbers: use at most as many points as whole values)",
                    j + 1,
                    i + 1
                ),
            );
            break;
        }
    }
    rows
}

/// Rounds to `digits` significant digits (exact decimal names for computed values).
fn round_sig(x: f64, digits: i32) -> f64 {
    if x == 0.0 || !x.is_finite() {
        return x;
    }
    let p = digits - 1 - x.abs().log10().floor() as i32;
    if p > 300 {
        return x;
    }
    let m = 10f64.powi(p.abs());
    let r = if p >= 0 {
        (x * m).round() / m
    } else {
        (x / m).round() * m
    };
    // Parsing the printed value removes the last-bit noise of the division.
    format!("{r}").parse().unwrap_or(r)
}

/// The values of a range, or a message.
fn range_values(r: &RawRange) -> Result<Vec<f64>, String> {
    if !(r.from.is_finite() && r.to.is_finite()) {
        return Err("`from` and `to` must be finite numbers".to_owned());
    }
    match (r.step, r.points) {
        (Some(_), Some(_)) => Err("give either `step` or `points`, not both".to_owned()),
        (None, None) => Err("give `step` (e.g. range = { from = 0.2, to = 1.0, step = 0.2 }) or `points`".to_owned()),
        (Some(step), None) => {
            let span = r.to - r.from;
            if !(step.is_finite() && step != 0.0) || (span != 0.0 && span.signum() != step.signum()) {
                return Err(format!(
                    "step = {step} does not lead from {} to {}; use a step with the sign of to - from",
                    r.from, r.to
                ));
            }
            let steps = (span / step + 1e-9).floor();
            if steps.is_nan() || steps >= MAX_POINTS as f64 {
                return Err(format!(
                    "gives more than {MAX_POINTS} values; at most {MAX_POINTS} are allowed (use a larger step)"
                ));
            }
            let n = steps as usize + 1;
            Ok((0..n).map(|k| round_sig(r.from + k as f64 * step, 12)).collect())
        }
        (None, Some(points)) => {
            let n = points as usize;
            if n == 0 || n > MAX_POINTS {
                return Err(format!("points = {points} is out of range; use 1 to {MAX_POINTS}"));
            }
            if n == 1 {
                return Ok(vec![r.from]);
            }
            Ok((0..n)
                .map(|k| round_sig(r.from + (r.to - r.from) * k as f64 / (n - 1) as f64, 12))
                .collect())
        }
    }
}

fn axis_values(ck: &mut Checker, loc: &str, a: &Axis) -> Vec<f64> {
    match (&a.values, &a.range) {
        (Some(_), Some(_)) => {
            ck.bad(
                loc,
                "values",
                format!("axis \"{}\" has both `values` and `range`; keep one", a.name),
            );
            Vec::new()
        }
        (Some(v), None) if v.is_empty() => {
            ck.bad(loc, "values", format!("axis \"{}\" has no values", a.name));
            Vec::new()
        }
        (Some(v), None) => v.clone(),
        (None, Some(r)) => range_values(r).unwrap_or_else(|msg| {
            ck.bad(loc, "range", format!("axis \"{}\": {msg}", a.name));
            Vec::new()
        }),
        (None, None) => {
            ck.bad(
                loc,
                "values",
                format!(
                    "axis \"{}\" needs `values = [...]` or `range = {{ from, to, step }}`",
                    a.name
                ),
            );
            Vec::new()
        }
    }
}

fn grid(ck: &mut Checker, loc: &str, axes: &[&Axis]) -> Vec<Vec<f64>> {
    let lists: Vec<Vec<f64>> = axes.iter().map(|a| axis_values(ck, loc, a)).collect();
    let total = lists.iter().map(Vec::len).try_fold(1usize, |acc, n| acc.checked_mul(n));
    if lists.iter().any(Vec::is_empty) || total.is_none_or(|t| t > MAX_POINTS) {
        if total.is_none_or(|t| t > MAX_POINTS) {
            ck.bad(loc, "design", format!("the grid has more than {MAX_POINTS} points"));
        }
        return Vec::new();
    }
    let mut rows: Vec<Vec<f64>> = vec![Vec::new()];
    for list in &lists {
        rows = rows
            .iter()
            .flat_map(|r| {
                list.iter().map(move |&v| {
                    let mut r = r.clone();
                    r.push(v);
                    r
                })
            })
            .collect();
    }
    rows
}

fn lhs(ck: &mut Checker, loc: &str, raw: &RawSweep, axes: &[&Axis], scenario_seed: u64) -> Vec<Vec<f64>> {
    let Some(n) = raw.points else {
        ck.bad(
            loc,
            "points",
            "is missing; a Latin hypercube needs `points = <number of variants>`",
        );
        return Vec::new();
    };
    if n == 0 || n as usize > MAX_POINTS {
        ck.bad(loc, "points", format!("{n} is out of range; use 1 to {MAX_POINTS}"));
        return Vec::new();
    }
    let n = n as usize;
    let mut ranges = Vec::with_capacity(axes.len());
    for a in axes {
        let Some(r) = a.range.as_ref().filter(|_| a.values.is_none()) else {
            ck.bad(
                loc,
                "range",
                format!(
                    "axis \"{}\" needs `range = {{ from, to }}` (and no `values`) for design = \"lhs\"",
                    a.name
                ),
            );
            return Vec::new();
        };
        if r.step.is_some() || r.points.is_some() || !(r.from.is_finite() && r.to.is_finite()) {
            ck.bad(
                loc,
                "range",
                format!(
                    "axis \"{}\": for design = \"lhs\" give only finite `from` and `to`",
                    a.name
                ),
            );
            return Vec::new();
        }
        ranges.push((r, a.whole));
    }
    // One point per stratum of every axis (`s + u` in stratum units), scaled to the range.
    hypercube_strata(n, axes.len(), raw.seed.unwrap_or(scenario_seed))
        .iter()
        .map(|point| {
            point
                .iter()
                .zip(&ranges)
                .map(|(&t, &(r, whole))| {
                    let x = r.from + (r.to - r.from) * t / n as f64;
                    if whole { x.round() } else { round_sig(x, 6) }
                })
                .collect()
        })
        .collect()
}

fn design_table(
    ck: &mut Checker,
    loc: &str,
    raw: &RawSweep,
    axes: &[&Axis],
    designs: &HashMap<String, Vec<u8>>,
) -> Vec<Vec<f64>> {
    let Some(file) = &raw.file else {
        ck.bad(
            loc,
            "file",
            "is missing; design = \"csv\" reads its points from `file = \"design.csv\"`",
        );
        return Vec::new();
    };
    for a in axes {
        if a.values.is_some() || a.range.is_some() {
            ck.bad(
                loc,
                "values",
                format!(
                    "axis \"{}\" takes its values from {file}; remove `values`/`range`",
                    a.name
                ),
            );
        }
    }
    let Some(bytes) = designs.get(file) else {
        // The file could not be read; the reader already reported it.
        return Vec::new();
    };
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(bytes.as_slice());
    let header: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(str::to_owned).collect(),
        Err(e) => {
            ck.bad(file, "", format!("cannot read the header: {e}"));
            return Vec::new();
        }
    };
    for (i, h) in header.iter().enumerate() {
        if header[..i].contains(h) {
            ck.bad(
                file,
                "",
                format!("has two columns named \"{h}\"; name each column once"),
            );
            return Vec::new();
        }
    }
    let mut columns = Vec::new();
    for a in axes {
        match header.iter().position(|h| h == &a.name) {
            Some(i) => columns.push(i),
            None => ck.bad(
                file,
                "",
                format!(
                    "has no column \"{}\" (columns: {}); name one column per axis of sweep \"{}\"",
                    a.name,
                    header.join(", "),
                    raw.name
                ),
            ),
        }
    }
    for h in &header {
        if !axes.iter().any(|a| &a.name == h) {
            ck.bad(
                file,
                "",
                format!(
                    "column \"{h}\" is not an axis of sweep \"{}\"; remove it or add the axis",
                    raw.name
                ),
            );
        }
    }
    if columns.len() != axes.len() {
        return Vec::new();
    }
    let mut rows = Vec::new();
    for (line, record) in reader.records().enumerate() {
        let at = format!("{file} line {}", line + 2);
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                ck.bad(&at, "", format!("is not a valid CSV row: {e}"));
                continue;
            }
        };
        let mut row = Vec::new();
        for (&c, a) in columns.iter().zip(axes) {
            let cell = record.get(c).unwrap_or("");
            match cell.parse::<f64>() {
                Ok(v) => row.push(v),
                Err(_) => ck.bad(&at, &a.name, format!("\"{cell}\" is not a number")),
            }
        }
        rows.push(row);
    }
    if rows.is_empty() {
        ck.bad(file, "", "has no rows; give one row per sweep point");
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_include_both_ends_and_print_cleanly() {
        let r = RawRange {
            from: 0.2,
            to: 1.0,
            step: Some(0.2),
            points: None,
        };
        assert_eq!(range_values(&r).unwrap(), vec![0.2, 0.4, 0.6, 0.8, 1.0]);
        let r = RawRange {
            from: 10.0,
            to: 0.0,
            step: None,
            points: Some(3),
        };
        assert_eq!(range_values(&r).unwrap(), vec![10.0, 5.0, 0.0]);
        let r = RawRange {
            from: 0.0,
            to: 1.0,
            step: Some(-0.1),
            points: None,
        };
        assert!(range_values(&r).is_err());
    }

    #[test]
    fn rounding_keeps_significant_digits() {
        assert_eq!(round_sig(0.6000000000000001, 12), 0.6);
        assert_eq!(round_sig(123.456789, 6), 123.457);
        assert_eq!(round_sig(0.000123456789, 6), 0.000123457);
    }
}
