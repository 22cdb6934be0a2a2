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

use super::design;
use crate::scenario::check::Checker;
use crate::scenario::edit::apply::Change;
use crate::scenario::edit::change::{Edit, Op, Param};
use crate::scenario::edit::selector::Selector;
use crate::scenario::raw::{RawRange, RawSelector, RawSweep};
use crate::scenario::{Country, Scenario};

/// One point of a sweep: its variant name, its axis values and the changes that make it.
#[derive(Debug, Clone)]
pub(crate) struct Point {
    pub name: String,
    pub values: Vec<(String, f64)>,
    pub changes: Vec<(String, Change)>,
}

/// A checked axis: what it edits, and its values as the design sees them.
struct Axis {
    design: design::Axis,
    select: Selector,
    op: Op,
    param: Param,
}

/// The keys of one axis as written, inline in `[[sweep]]` or in a `[[sweep.axis]]`.
struct AxisKeys<'a> {
    name: Option<&'a str>,
    select: &'a Option<RawSelector>,
    parameter: &'a str,
    op: &'a Option<String>,
    values: &'a Option<Vec<f64>>,
    range: &'a Option<RawRange>,
}

/// Reads one axis: its operation (default `set`), parameter and selector; `None` when any has
/// problems (they are in `ck`, at `at`).
fn read_axis(ck: &mut Checker, at: &str, keys: AxisKeys, countries: &[Country]) -> Option<Axis> {
    let ops: Vec<(&str, Op)> = Op::ALL.to_vec();
    let op = match keys.op {
        Some(o) => ck.one_of(at, "op", o, &ops),
        None => Some(Op::Set),
    };
    let param = Param::parse_or_explain(keys.parameter)
        .map_err(|msg| ck.bad(at, "parameter", msg))
        .ok();
    if param == Some(Param::Delay) && op != Some(Op::Scale) {
        ck.bad(
            at,
            "op",
            "a sweep over the whole delay law scales it: write op = \"scale\" (values are factors), or sweep \
             delay.mean, delay.median, ... with op = \"set\"",
        );
        return None;
    }
    let (op, param) = (op?, param?);
    let select = Selector::parse(
        ck,
        at,
        &keys.select.clone().unwrap_or_default(),
        param.target(),
        countries,
    )?;
    Some(Axis {
        design: design::Axis {
            name: keys.name.unwrap_or(keys.parameter).to_owned(),
            whole: param == Param::Retries,
            values: keys.values.clone(),
            range: keys.range.clone(),
        },
        select,
        op,
        param,
    })
}

/// Expands `[[sweep]]` into its points; problems go to `ck`. `designs` holds the bytes of the
/// CSV design files read with the scenario, by name.
pub(crate) fn expand(
    ck: &mut Checker,
    loc: &str,
    raw: &RawSweep,
    base: &Scenario,
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
    let axes = axes(ck, loc, raw, &base.countries);
    if ck.problems.len() > before {
        return Vec::new();
    }
    let design: Vec<&design::Axis> = axes.iter().map(|a| &a.design).collect();
    let rows = design::rows(ck, loc, raw, &design, base.seed, designs);
    if ck.problems.len() > before {
        return Vec::new();
    }
    let points = points(ck, loc, raw, &axes, rows);
    if ck.problems.len() > before {
        return Vec::new();
    }
    points
}

/// The axes of a sweep, inline or `[[sweep.axis]]`, with distinct names.
fn axes(ck: &mut Checker, loc: &str, raw: &RawSweep, countries: &[Country]) -> Vec<Axis> {
    let inline_given = raw.parameter.is_some()
        || raw.select.is_some()
        || raw.values.is_some()
        || raw.range.is_some()
        || raw.op.is_some();
    let mut axes = Vec::new();
    let mut push = |ck: &mut Checker, at: &str, keys: AxisKeys| {
        if let Some(axis) = read_axis(ck, at, keys, countries) {
            axes.push(axis);
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
            Some(p) => push(
                ck,
                loc,
                AxisKeys {
                    name: None,
                    select: &raw.select,
                    parameter: p,
                    op: &raw.op,
                    values: &raw.values,
                    range: &raw.range,
                },
            ),
            None => ck.bad(
                loc,
                "parameter",
                "is missing; say what the sweep varies, e.g. parameter = \"quality\"",
            ),
        },
        (false, false) => {
            for (i, a) in raw.axis.iter().enumerate() {
                let keys = AxisKeys {
                    name: a.name.as_deref(),
                    select: &a.select,
                    parameter: &a.parameter,
                    op: &a.op,
                    values: &a.values,
                    range: &a.range,
                };
                push(ck, &format!("{loc} axis #{}", i + 1), keys);
            }
        }
    }
    for (i, a) in axes.iter().enumerate() {
        if axes[..i].iter().any(|b| b.design.name == a.design.name) {
            ck.bad(
                loc,
                "axis",
                format!(
                    "two axes are named \"{}\"; give each [[sweep.axis]] a distinct `name`",
                    a.design.name
                ),
            );
        }
    }
    axes
}

/// One point per row of values: its name and its one-edit changes. A value out of range is
/// reported once per axis, not once per point.
fn points(ck: &mut Checker, loc: &str, raw: &RawSweep, axes: &[Axis], rows: Vec<Vec<f64>>) -> Vec<Point> {
    let mut points = Vec::new();
    let mut failed = vec![false; axes.len()];
    for row in rows {
        let mut changes = Vec::new();
        let mut values = Vec::new();
        for (k, (a, &v)) in axes.iter().zip(&row).enumerate() {
            let name = &a.design.name;
            match Edit::new(a.op, a.param, v) {
                Ok(e) => changes.push((
                    format!("{loc} point {name}={v}"),
                    Change::new(a.select.clone(), vec![e], None),
                )),
                Err(msg) if !failed[k] => {
                    failed[k] = true;
                    let key = format!("{}.{}", a.op.name(), a.param.name());
                    ck.bad(&format!("{loc} axis \"{name}\""), &key, msg);
                }
                Err(_) => {}
            }
            values.push((name.clone(), v));
        }
        let label: Vec<String> = values.iter().map(|(n, v)| format!("{n}={v}")).collect();
        points.push(Point {
            name: format!("{}: {}", raw.name.trim(), label.join(", ")),
            values,
            changes,
        });
    }
    points
}
