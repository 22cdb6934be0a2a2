//! The figures of an `uncertainty` results folder: how the gain of each practice varies over the
//! sampled worlds, how often each ranks first, which factors drive the results, and the
//! plausible worlds against all of them.

use super::chart::{self, Dots, Point};
use super::figure::{Cell, DataTable, Figure, key};
use super::table::{Folder, Row, Table};
use crate::report::BASELINE;

/// Every figure of an `uncertainty` folder, in page order.
pub(crate) fn figures(f: &Folder) -> Vec<Figure> {
    let mut v = Vec::new();
    if let Some(t) = f.table("ranking.csv") {
        v.push(gains(t));
        v.push(acceptability(t));
        v.push(plausible(t));
    }
    if let Some(t) = f.table("sensitivity.csv") {
        v.push(sensitivity(t));
    }
    v
}

fn completed<'a>(t: &'a Table, subset: &'a str) -> impl Iterator<Item = Row<'a>> + 'a {
    t.rows()
        .filter(move |r| r.get("subset") == subset && r.get("measure") == "completed")
}

fn gain_point(r: &Row<'_>) -> Option<Point> {
    Some(Point {
        value: r.num("p50_gain")?,
        interval: r.num("p05_gain").zip(r.num("p95_gain")),
    })
}

fn ranking_table(t: &Table, cols: &[&str], subsets: &[&str]) -> DataTable {
    let mut d = DataTable {
        file: "ranking.csv".into(),
        headers: std::iter::once("variant")
            .chain(std::iter::once("subset"))
            .chain(cols.iter().copied())
            .map(String::from)
            .collect(),
        rows: Vec::new(),
    };
    for s in subsets {
        for r in completed(t, s) {
            let mut cells = vec![Cell::text(r.get("variant")), Cell::text(*s)];
            cells.extend(cols.iter().map(|c| Cell::num(&r, c, 3)));
            d.rows.push((key(&r, &["subset", "variant", "measure"]), cells));
        }
    }
    d
}

fn gains(t: &Table) -> Figure {
    let rows = completed(t, "all")
        .map(|r| (r.get("variant").to_owned(), vec![gain_point(&r)]))
        .collect();
    Figure {
        id: "gains".into(),
        title: "Gain of each practice over the sampled worlds (completed victims per year)".into(),
        how: "The dot is the median gain over every sampled world, the line runs from the 5th to the 95th percentile: a line that stays right of zero is a practice that helps whatever the uncertain factors are.".into(),
        svg: chart::dots(
            &Dots::new("completed victims per year gained (median, 5th–95th percentile)", ["all worlds"], rows)
                .interval("5th–95th percentile"),
        ),
        notes: Vec::new(),
        table: ranking_table(t, &["p05_gain", "p50_gain", "p95_gain"], &["all"]),
    }
}

fn acceptability(t: &Table) -> Figure {
    let rows = completed(t, "all")
        .map(|r| {
            let p = |c: &str| r.num(c).map(|value| Point { value, interval: None });
            (r.get("variant").to_owned(), vec![p("p_best"), p("p_top3")])
        })
        .collect();
    Figure {
        id: "rank-acceptability".into(),
        title: "Rank acceptability: how often each practice is the best".into(),
        how: "Bars are the share of sampled worlds in which the practice gains most completed victims (best) or is among the three that gain most.".into(),
        svg: chart::dots(&Dots::new("share of sampled worlds (%)", ["best", "top 3"], rows).bars().percent()),
        notes: Vec::new(),
        table: ranking_table(t, &["p_best", "p_top3", "mean_rank"], &["all"]),
    }
}

fn plausible(t: &Table) -> Figure {
    let has = t.rows().any(|r| r.get("subset") == "plausible");
    let mut rows = Vec::new();
    for r in completed(t, "all") {
        let p = completed(t, "plausible").find(|p| p.get("variant") == r.get("variant"));
        rows.push((
            r.get("variant").to_owned(),
            vec![gain_point(&r), p.and_then(|p| gain_point(&p))],
        ));
    }
    Figure {
        id: "plausible".into(),
        title: "Plausible worlds against all sampled worlds".into(),
        how: "For each practice, the median gain and its 5th–95th percentile range over all sampled worlds and over those that reproduce every observed figure of the scenario.".into(),
        svg: chart::dots(
            &Dots::new("completed victims per year gained", ["all worlds", "plausible worlds"], rows)
                .interval("5th–95th percentile"),
        ),
        notes: if has {
            Vec::new()
        } else {
            vec!["ranking.csv has no `plausible` rows (the scenario has no observed figures): only all worlds are shown.".into()]
        },
        table: ranking_table(t, &["p05_gain", "p50_gain", "p95_gain"], &["all", "plausible"]),
    }
}

fn sensitivity(t: &Table) -> Figure {
    let pick = |r: &Row<'_>| r.get("variant") == BASELINE && r.get("cohort") == "*" && r.get("measure") == "completed";
    let method = t.rows().next().map(|r| r.get("method").to_owned()).unwrap_or_default();
    let indices: Vec<String> = {
        let mut v: Vec<String> = Vec::new();
        for r in t.rows().filter(pick) {
            if !v.iter().any(|x| x == r.get("index")) {
                v.push(r.get("index").to_owned());
            }
        }
        v
    };
    let mut factors: Vec<String> = Vec::new();
    for r in t.rows().filter(pick) {
        if !factors.iter().any(|x| x == r.get("factor")) {
            factors.push(r.get("factor").to_owned());
        }
    }
    let mut table = DataTable {
        file: "sensitivity.csv".into(),
        headers: ["factor", "index", "estimate", "ci_low", "ci_high"]
            .map(String::from)
            .to_vec(),
        rows: Vec::new(),
    };
    let mut rows = Vec::new();
    for fac in &factors {
        let mut points = Vec::new();
        for ix in &indices {
            let r = t
                .rows()
                .filter(pick)
                .find(|r| r.get("factor") == fac && r.get("index") == ix && r.get("target") != "gain");
            points.push(r.and_then(|r| {
                Some(Point {
                    value: r.num("estimate")?,
                    interval: r.num("ci_low").zip(r.num("ci_high")),
                })
            }));
            if let Some(r) = r {
                table.rows.push((
                    key(
                        &r,
                        &["method", "target", "variant", "cohort", "measure", "factor", "index"],
                    ),
                    vec![
                        Cell::text(fac.clone()),
                        Cell::text(ix.clone()),
                        Cell::num(&r, "estimate", 3),
                        Cell::num(&r, "ci_low", 3),
                        Cell::num(&r, "ci_high", 3),
                    ],
                ));
            }
        }
        rows.push((fac.clone(), points));
    }
    Figure {
        id: "sensitivity".into(),
        title: format!("Sensitivity ({method}): which uncertain factors drive the completed victims per year"),
        how: "Each bar is a factor's index for the baseline's completed victims per year, all cohorts (Sobol: S1 is the share of the variance due to the factor alone, ST with its interactions; Morris: mu* and sigma); the line is its 95 % interval.".into(),
        svg: chart::dots(&Dots::new(format!("{method} index"), indices, rows).bars().decimals(3)),
        notes: Vec::new(),
        table,
    }
}
