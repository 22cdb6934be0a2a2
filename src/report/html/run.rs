//! The figures of a `run` results folder (and of `merge`, which writes the same tables), each
//! from the baseline rows of one CSV table.

use super::chart::{self, Dots, Point, Stacked};
use super::figure::{Cell, DataTable, Figure, key};
use super::table::{Folder, Row, Table};
use crate::report::BASELINE;

/// Final outcomes: they partition the simulated victims.
pub(crate) const OUTCOMES: [&str; 6] = ["unidentified", "closed", "lost", "dropped", "misclassified", "stalled"];
/// Milestones reached, in pathway order.
pub(crate) const MILESTONES: [&str; 5] = ["identified", "protected", "returned", "reintegrated", "completed"];
/// Label of the all-cohorts row.
pub(crate) const ALL_COHORTS: &str = "all cohorts (victims-weighted)";

pub(crate) fn missing(id: &str, title: &str, file: &str) -> Figure {
    Figure {
        id: id.to_owned(),
        title: title.to_owned(),
        notes: vec![format!("This folder has no {file}: nothing to draw.")],
        ..Figure::default()
    }
}

/// Baseline rows of `t` (rows without a `variant` column count as baseline).
pub(crate) fn baseline(t: &Table) -> impl Iterator<Item = Row<'_>> {
    t.rows().filter(|r| matches!(r.get("variant"), "" | BASELINE))
}

pub(crate) fn point(r: &Row<'_>, v: &str, lo: &str, hi: &str) -> Option<Point> {
    Some(Point {
        value: r.num(v)?,
        interval: r.num(lo).zip(r.num(hi)),
    })
}

/// The `all` row of each cohort, measure by measure.
fn totals<'a>(t: &'a Table, measure: &'a str) -> impl Iterator<Item = Row<'a>> + 'a {
    baseline(t).filter(move |r| r.get("group") == "all" && r.get("measure") == measure)
}

fn cohorts_of(t: &Table) -> Vec<String> {
    let mut c: Vec<String> = Vec::new();
    for r in baseline(t) {
        let name = r.get("cohort");
        if !c.iter().any(|x| x == name) {
            c.push(name.to_owned());
        }
    }
    c
}

fn rate_table(t: &Table, measures: &[&str]) -> DataTable {
    let mut table = DataTable {
        file: "rates.csv".into(),
        headers: ["cohort", "measure", "rate", "ci_low", "ci_high", "victims_per_year"]
            .map(String::from)
            .to_vec(),
        rows: Vec::new(),
    };
    for m in measures {
        for r in totals(t, m) {
            table.rows.push((
                key(&r, &["variant", "cohort", "group", "key", "measure"]),
                vec![
                    Cell::text(r.get("cohort")),
                    Cell::text(*m),
                    Cell::num(&r, "rate", 4),
                    Cell::num(&r, "ci_low", 4),
                    Cell::num(&r, "ci_high", 4),
                    Cell::num(&r, "victims_per_year", 1),
                ],
            ));
        }
    }
    table
}

pub(crate) fn outcomes(f: &Folder) -> Figure {
    let Some(t) = f.table("rates.csv") else {
        return missing("outcomes", "Final outcome of every victim", "rates.csv");
    };
    let rows = cohorts_of(t)
        .into_iter()
        .map(|c| {
            let shares = OUTCOMES
                .iter()
                .map(|m| {
                    totals(t, m)
                        .find(|r| r.get("cohort") == c)
                        .and_then(|r| r.num("rate"))
                        .unwrap_or(0.0)
                })
                .collect();
            (c, shares)
        })
        .collect();
    Figure {
        id: "outcomes".into(),
        title: "Final outcome of every victim, per cohort (baseline)".into(),
        how: "Each bar is one cohort's victims (100 %), split by how their case ended; the milestones chart below has the intervals.".into(),
        svg: chart::stacked(&Stacked {
            x_label: "share of the cohort's victims (%)".into(),
            series: OUTCOMES.map(String::from).to_vec(),
            rows,
        }),
        notes: Vec::new(),
        table: rate_table(t, &OUTCOMES),
    }
}

pub(crate) fn milestones(f: &Folder) -> Figure {
    let Some(t) = f.table("rates.csv") else {
        return missing("milestones", "Milestones reached", "rates.csv");
    };
    let rows = cohorts_of(t)
        .into_iter()
        .map(|c| {
            let points = MILESTONES
                .iter()
                .map(|m| {
                    totals(t, m)
                        .find(|r| r.get("cohort") == c)
                        .and_then(|r| point(&r, "rate", "ci_low", "ci_high"))
                })
                .collect();
            (c, points)
        })
        .collect();
    Figure {
        id: "milestones".into(),
        title: "Milestones reached, per cohort (baseline)".into(),
        how: "Each dot is the share of a cohort's victims who reached the milestone; the line is its Wilson 95 % interval.".into(),
        svg: chart::dots(&Dots::new("share of the cohort's victims (%)", MILESTONES, rows).percent()),
        notes: Vec::new(),
        table: rate_table(t, &MILESTONES),
    }
}

pub(crate) fn gap(f: &Folder) -> Figure {
    let Some(t) = f.table("gap.csv") else {
        return missing("gap", "Referral gap", "gap.csv");
    };
    let mut fig = Figure {
        id: "gap".into(),
        title: "Referral gap: completed cases lost to poor communication (baseline)".into(),
        how: "Each bar is the completed rate with perfect communication minus the actual one; the line is the paired 95 % interval. The last bar weights every cohort by its victims.".into(),
        ..Figure::default()
    };
    fig.table = DataTable {
        file: "gap.csv".into(),
        headers: [
            "cohort",
            "completed_actual",
            "completed_perfect",
            "gap",
            "ci_low",
            "ci_high",
            "gap_victims_per_year",
        ]
        .map(String::from)
        .to_vec(),
        rows: Vec::new(),
    };
    let mut rows = Vec::new();
    let mut has_total = false;
    let (mut conditional, mut simulated) = (false, false);
    for r in baseline(t) {
        let star = r.get("cohort") == "*";
        has_total |= star;
        // (No `perfect_arm` column: a gap.csv of an older refgap, whose perfect arm was simulated.)
        conditional |= r.get("perfect_arm") == "conditional";
        simulated |= matches!(r.get("perfect_arm"), "simulated" | "mixed" | "");
        let label = if star {
            ALL_COHORTS.to_owned()
        } else {
            r.get("cohort").to_owned()
        };
        rows.push((label.clone(), vec![point(&r, "gap", "ci_low", "ci_high")]));
        fig.table.rows.push((
            key(&r, &["variant", "cohort"]),
            vec![
                Cell::text(label),
                Cell::num(&r, "completed_actual", 4),
                Cell::num(&r, "completed_perfect", 4),
                Cell::num(&r, "gap", 4),
                Cell::num(&r, "ci_low", 4),
                Cell::num(&r, "ci_high", 4),
                Cell::num(&r, "gap_victims_per_year", 1),
            ],
        ));
    }
    if conditional {
        fig.notes.push(
            "The perfect-communication arm is estimated by conditioning: at each simulated victim's first \
             communication failure, the exact probability of completing from there with perfect communication \
             (docs/MODEL.md, \"The perfect arm by conditioning\")."
                .into(),
        );
    }
    if conditional && simulated {
        fig.notes
            .push("For some cohorts the perfect arm was simulated instead (gap.csv, perfect_arm).".into());
    }
    if !has_total {
        fig.notes.push(
            "gap.csv has no `*` row (it was written by an older refgap): the all-cohorts total is not shown.".into(),
        );
    }
    fig.svg = chart::dots(
        &Dots::new("referral gap (percentage points of the completed rate)", ["gap"], rows)
            .bars()
            .percent(),
    );
    fig
}

pub(crate) fn by_group(f: &Folder, level: &str, what: &str) -> Figure {
    let id = format!("inconsistency-{level}");
    let Some(t) = f.table("rates.csv") else {
        return missing(&id, "Inconsistency", "rates.csv");
    };
    let mut table = DataTable {
        file: "rates.csv".into(),
        headers: ["cohort", level, "trials", "rate", "ci_low", "ci_high"]
            .map(String::from)
            .to_vec(),
        rows: Vec::new(),
    };
    let mut rows = Vec::new();
    let groups: Vec<Row<'_>> = baseline(t)
        .filter(|r| r.get("group") == level && r.get("measure") == "completed")
        .collect();
    let several = |c: &str| groups.iter().filter(|r| r.get("cohort") == c).count() > 1;
    let single = cohorts_of(t).iter().filter(|c| !several(c)).count();
    for r in groups.iter().filter(|r| several(r.get("cohort"))) {
        rows.push((
            format!("{} · {}", r.get("key"), r.get("cohort")),
            vec![point(r, "rate", "ci_low", "ci_high")],
        ));
        table.rows.push((
            key(r, &["variant", "cohort", "group", "key", "measure"]),
            vec![
                Cell::text(r.get("cohort")),
                Cell::text(r.get("key")),
                Cell::num(r, "trials", 0),
                Cell::num(r, "rate", 4),
                Cell::num(r, "ci_low", 4),
                Cell::num(r, "ci_high", 4),
            ],
        ));
    }
    let mut notes = Vec::new();
    if single > 0 {
        notes.push(format!(
            "{single} cohort(s) with a single {what} are not drawn (nothing to compare)."
        ));
    }
    if let Some(inc) = f.table("inconsistency.csv") {
        let mut spread: Vec<Row<'_>> = baseline(inc)
            .filter(|r| r.get("level") == level && !r.get("range").is_empty())
            .collect();
        spread.sort_by(|a, b| b.num("range").unwrap_or(0.0).total_cmp(&a.num("range").unwrap_or(0.0)));
        if spread.len() > 5 {
            notes.push(format!(
                "The 5 widest of {} spreads (inconsistency.csv has them all):",
                spread.len()
            ));
        }
        for r in spread.iter().take(5) {
            let pop = if inc.has("population") {
                format!(" (population: {})", r.get("population"))
            } else {
                String::new()
            };
            notes.push(format!(
                "{}: completed rate from {} at {} to {} at {} (range {} points){pop}.",
                r.get("cohort"),
                super::figure::fmt(100.0 * r.num("min_rate").unwrap_or(0.0), 1),
                r.get("min_key"),
                super::figure::fmt(100.0 * r.num("max_rate").unwrap_or(0.0), 1),
                r.get("max_key"),
                super::figure::fmt(100.0 * r.num("range").unwrap_or(0.0), 1),
            ));
        }
    }
    let empty = rows.is_empty();
    Figure {
        id,
        title: format!("Inconsistency: completed rate by {what} (baseline)"),
        how: format!(
            "Each dot is the completed rate of the victims identified at one {what}; the line is its Wilson 95 % interval. Dots of one cohort far apart mean the outcome depends on where a victim is found."
        ),
        svg: if empty {
            String::new()
        } else {
            chart::dots(&Dots::new("completed rate (%)", ["completed"], rows).percent())
        },
        notes,
        table,
    }
}

pub(crate) fn times(f: &Folder) -> Figure {
    const SHOWN: [&str; 3] = ["protection", "return", "completion"];
    let Some(t) = f.table("times.csv") else {
        return missing("times", "Times", "times.csv");
    };
    let mut table = DataTable {
        file: "times.csv".into(),
        headers: ["cohort", "milestone", "n", "mean", "p50", "p90"]
            .map(String::from)
            .to_vec(),
        rows: Vec::new(),
    };
    let all: Vec<Row<'_>> = baseline(t).filter(|r| r.get("group") == "all").collect();
    let mut rows = Vec::new();
    for c in cohorts_of(t) {
        let points = SHOWN
            .iter()
            .map(|m| {
                let r = all.iter().find(|r| r.get("cohort") == c && r.get("milestone") == *m)?;
                Some(Point {
                    value: r.num("p50")?,
                    interval: Some((r.num("p50")?, r.num("p90")?)),
                })
            })
            .collect();
        rows.push((c, points));
    }
    for r in all.iter().filter(|r| r.num("n").unwrap_or(0.0) > 0.0) {
        table.rows.push((
            key(r, &["variant", "cohort", "group", "key", "milestone"]),
            vec![
                Cell::text(r.get("cohort")),
                Cell::text(r.get("milestone")),
                Cell::num(r, "n", 0),
                Cell::num(r, "mean", 1),
                Cell::num(r, "p50", 1),
                Cell::num(r, "p90", 1),
            ],
        ));
    }
    Figure {
        id: "times".into(),
        title: "Days from identification to protection, return and completion (baseline)".into(),
        how: "For the victims who reached the milestone: the dot is the median day, the line runs on to the 90th percentile (a long line is a long tail of slow cases); means are in the table.".into(),
        svg: chart::dots(
            &Dots::new("days since identification (median to 90th percentile)", SHOWN, rows)
                .interval("median to 90th percentile"),
        ),
        notes: Vec::new(),
        table,
    }
}
