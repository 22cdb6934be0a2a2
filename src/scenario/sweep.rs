//! Sweeps: one selected parameter over a list or a range (1-D), or several over a grid, a Latin
//! hypercube or the rows of a CSV design table; each point becomes a variant named by its values.
//!
//! A sweep has one or more **axes**; an axis is a selector, an operation and a parameter (like a
//! one-edit change) with the values it takes. One axis may be written inline in `[[sweep]]`;
//! several are written as `[[sweep.axis]]` and combined by `design`:
//!
//! - `"grid"` (default): every combination, first axis slowest;
//! - `"lhs"`: `points` points of a Latin hypercube over each axis's `range = { from, to }`, drawn
//!   from `seed` (default: the scenario's seed) with ChaCha8; values are rounded to 6 significant
//!   digits (whole numbers for `retries`) so that variant names are exact;
//! - `"csv"`: the rows of `file` (relative to the scenario file), one column per axis name.
//!
//! Ranges are `{ from, to, step }` (both ends included when `to` falls on a step) or
//! `{ from, to, points }` (evenly spaced, both ends included); values are rounded to 12
//! significant digits so that `0.2 + 0.4` prints as `0.6`. A variant is named
//! `<sweep>: <axis>=<value>, ...`.

use std::collections::HashMap;

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::intervention::{Change, Edit, Op, Param, edit};
use super::raw::{RawRange, RawSelector, RawSweep};
use super::validate::Checker;

/// Largest number of points one sweep may expand into.
pub const MAX_POINTS: usize = 10_000;

/// One point of a sweep: its variant name, its axis values and the changes that make it.
#[derive(Debug, Clone)]
pub(crate) struct Point {
    pub name: String,
    pub values: Vec<(String, f64)>,
    pub changes: Vec<(String, Change)>,
}

struct Axis {
    name: String,
    select: RawSelector,
    op: Op,
    param: Param,
    values: Option<Vec<f64>>,
    range: Option<RawRange>,
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

/// Expands `[[sweep]]` into its points; problems go to `ck`. `designs` holds the bytes of the
/// CSV design files read with the scenario, by name.
pub(crate) fn expand(
    ck: &mut Checker,
    loc: &str,
    raw: &RawSweep,
    scenario_seed: u64,
    designs: &HashMap<String, Vec<u8>>,
) -> Vec<Point> {
    let before = ck.problems.len();
    if raw.name.trim().is_empty() {
        ck.bad(
            loc,
            "name",
            "is empty; give every sweep a name (it prefixes its variants' names)",
        );
    }
    let inline_given = raw.parameter.is_some()
        || raw.select.is_some()
        || raw.values.is_some()
        || raw.range.is_some()
        || raw.op.is_some();
    let mut axes = Vec::new();
    let ops: Vec<(&str, Op)> = Op::ALL.to_vec();
    let mut axis = |ck: &mut Checker,
                    at: &str,
                    name: Option<&str>,
                    select: &Option<RawSelector>,
                    parameter: &str,
                    op: &Option<String>,
                    values: &Option<Vec<f64>>,
                    range: &Option<RawRange>| {
        let op = match op {
            Some(o) => ck.one_of(at, "op", o, &ops),
            None => Some(Op::Set),
        };
        let param = Param::parse(parameter);
        if param.is_none() {
            let names: Vec<&str> = Param::ALL.iter().map(|(n, _)| *n).collect();
            ck.bad(
                at,
                "parameter",
                format!("unknown parameter \"{parameter}\"; use one of: {}", names.join(", ")),
            );
        }
        if param == Some(Param::Delay) && op != Some(Op::Scale) {
            ck.bad(
                at,
                "op",
                "a sweep over the whole delay law scales it: write op = \"scale\" (values are factors), or sweep \
                 delay.mean, delay.median, ... with op = \"set\"",
            );
            return;
        }
        if let (Some(op), Some(param)) = (op, param) {
            axes.push(Axis {
                name: name.unwrap_or(parameter).to_owned(),
                select: select.clone().unwrap_or_default(),
                op,
                param,
                values: values.clone(),
                range: range.clone(),
            });
        }
    };
    match (inline_given, raw.axis.is_empty()) {
        (true, false) => ck.bad(
            loc,
            "axis",
            "write one axis inline (select, parameter, values) or several [[sweep.axis]] tables, not both",
        ),
        (false, true) => ck.bad(
            loc,
            "parameter",
            "is missing; say what the sweep varies, e.g. parameter = \"quality\" with values = [0.2, 0.6, 1.0]",
        ),
        (true, true) => match &raw.parameter {
            Some(p) => axis(ck, loc, None, &raw.select, p, &raw.op, &raw.values, &raw.range),
            None => ck.bad(
                loc,
                "parameter",
                "is missing; say what the sweep varies, e.g. parameter = \"quality\"",
            ),
        },
        (false, false) => {
            for (i, a) in raw.axis.iter().enumerate() {
                let at = format!("{loc} axis #{}", i + 1);
                axis(
                    ck,
                    &at,
                    a.name.as_deref(),
                    &a.select,
                    &a.parameter,
                    &a.op,
                    &a.values,
                    &a.range,
                );
            }
        }
    }
    for (i, a) in axes.iter().enumerate() {
        if axes[..i].iter().any(|b| b.name == a.name) {
            ck.bad(
                loc,
                "axis",
                format!(
                    "two axes are named \"{}\"; give each [[sweep.axis]] a distinct `name`",
                    a.name
                ),
            );
        }
    }
    if ck.problems.len() > before {
        return Vec::new();
    }
    let design = raw.design.as_deref().unwrap_or("grid");
    let rows: Vec<Vec<f64>> = match design {
        "grid" => grid(ck, loc, &axes),
        "lhs" => lhs(ck, loc, raw, &axes, scenario_seed),
        "csv" => design_table(ck, loc, raw, &axes, designs),
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
    if ck.problems.len() > before {
        return Vec::new();
    }
    let mut points = Vec::new();
    let mut failed = vec![false; axes.len()];
    for row in rows {
        let mut changes = Vec::new();
        let mut values = Vec::new();
        for (k, (a, &v)) in axes.iter().zip(&row).enumerate() {
            let key = format!("{}.{}", a.op.name(), a.param.name());
            let at = format!("{loc} axis \"{}\"", a.name);
            match edit(&key, a.op, a.param.name(), v) {
                Ok(e) => changes.push((
                    format!("{loc} point {}={v}", a.name),
                    Change {
                        select: a.select.clone(),
                        edits: vec![Edit { value: v, ..e }],
                        looks_for: None,
                    },
                )),
                // One message per axis, not one per point.
                Err((key, msg)) if !failed[k] => {
                    failed[k] = true;
                    ck.bad(&at, &key, msg);
                }
                Err(_) => {}
            }
            values.push((a.name.clone(), v));
        }
        let label: Vec<String> = values.iter().map(|(n, v)| format!("{n}={v}")).collect();
        points.push(Point {
            name: format!("{}: {}", raw.name.trim(), label.join(", ")),
            values,
            changes,
        });
    }
    if ck.problems.len() > before {
        return Vec::new();
    }
    points
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

fn grid(ck: &mut Checker, loc: &str, axes: &[Axis]) -> Vec<Vec<f64>> {
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

fn lhs(ck: &mut Checker, loc: &str, raw: &RawSweep, axes: &[Axis], scenario_seed: u64) -> Vec<Vec<f64>> {
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
    let mut rng = ChaCha8Rng::seed_from_u64(raw.seed.unwrap_or(scenario_seed));
    let mut columns = Vec::new();
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
        // Fisher–Yates shuffle of the strata, then one uniform point inside each stratum.
        let mut strata: Vec<usize> = (0..n).collect();
        for i in (1..n).rev() {
            let j = rng.random_range(0..=i);
            strata.swap(i, j);
        }
        let column: Vec<f64> = strata
            .iter()
            .map(|&k| {
                let u: f64 = rng.random();
                let x = r.from + (r.to - r.from) * (k as f64 + u) / n as f64;
                if a.param == Param::Retries {
                    x.round()
                } else {
                    round_sig(x, 6)
                }
            })
            .collect();
        columns.push(column);
    }
    (0..n).map(|i| columns.iter().map(|c| c[i]).collect()).collect()
}

fn design_table(
    ck: &mut Checker,
    loc: &str,
    raw: &RawSweep,
    axes: &[Axis],
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
