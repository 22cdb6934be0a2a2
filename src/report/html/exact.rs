//! The figures of an `exact` results folder: the same questions as a run's page, answered with
//! exact probabilities (no sampling noise, so no intervals), and the ranking of channels.

use super::chart::{self, Dots, Point, Stacked};
use super::figure::{Cell, DataTable, Figure, fmt, key};
use super::network::{self, Edge};
use super::run::{ALL_COHORTS, MILESTONES, OUTCOMES, baseline};
use super::table::{Folder, Row, Table};
use crate::report::BASELINE;

/// Every figure of an `exact` folder, in page order.
pub(crate) fn figures(f: &Folder) -> Vec<Figure> {
    let mut v = Vec::new();
    if let Some(t) = f.table("exact.csv") {
        v.push(outcomes(t));
        v.push(milestones(t));
        v.push(gap(f, t));
        v.push(by_country(t));
    }
    if let Some(t) = f.table("exact_comparisons.csv") {
        v.push(practices(t));
    }
    if let Some(t) = f.table("ranking.csv") {
        v.push(ranking(t));
        v.push(map(t));
    }
    v
}

fn all<'a>(t: &'a Table, variant: &'a str, measure: &'a str) -> impl Iterator<Item = Row<'a>> + 'a {
    t.rows()
        .filter(move |r| r.get("variant") == variant && r.get("group") == "all" && r.get("measure") == measure)
}

fn cohorts(t: &Table) -> Vec<String> {
    let mut c: Vec<String> = Vec::new();
    for r in baseline(t) {
        if !c.iter().any(|x| x == r.get("cohort")) {
            c.push(r.get("cohort").to_owned());
        }
    }
    c
}

fn prob(t: &Table, variant: &str, cohort: &str, m: &str) -> Option<f64> {
    all(t, variant, m)
        .find(|r| r.get("cohort") == cohort)
        .and_then(|r| r.num("probability"))
}

fn prob_table(t: &Table, measures: &[&str]) -> DataTable {
    let mut d = DataTable {
        file: "exact.csv".into(),
        headers: ["cohort", "measure", "probability"].map(String::from).to_vec(),
        rows: Vec::new(),
    };
    for m in measures {
        for r in all(t, BASELINE, m) {
            d.rows.push((
                key(&r, &["variant", "cohort", "group", "key", "measure"]),
                vec![
                    Cell::text(r.get("cohort")),
                    Cell::text(*m),
                    Cell::num(&r, "probability", 4),
                ],
            ));
        }
    }
    d
}

fn outcomes(t: &Table) -> Figure {
    let rows = cohorts(t)
        .into_iter()
        .map(|c| {
            let s = OUTCOMES
                .iter()
                .map(|m| prob(t, BASELINE, &c, m).unwrap_or(0.0))
                .collect();
            (c, s)
        })
        .collect();
    Figure {
        id: "outcomes".into(),
        title: "Final outcome of every victim, per cohort (baseline, exact)".into(),
        how: "Each bar is one cohort's victims (100 %), split by the exact probability of each way a case ends.".into(),
        svg: chart::stacked(&Stacked {
            x_label: "share of the cohort's victims (%)".into(),
            series: OUTCOMES.map(String::from).to_vec(),
            rows,
        }),
        notes: Vec::new(),
        table: prob_table(t, &OUTCOMES),
    }
}

fn exact_point(v: Option<f64>) -> Option<Point> {
    v.map(|value| Point { value, interval: None })
}

fn milestones(t: &Table) -> Figure {
    let rows = cohorts(t)
        .into_iter()
        .map(|c| {
            let p = MILESTONES
                .iter()
                .map(|m| exact_point(prob(t, BASELINE, &c, m)))
                .collect();
            (c, p)
        })
        .collect();
    Figure {
        id: "milestones".into(),
        title: "Milestones reached, per cohort (baseline, exact)".into(),
        how: "Each dot is the exact probability that a victim of the cohort reaches the milestone.".into(),
        svg: chart::dots(&Dots::new("share of the cohort's victims (%)", MILESTONES, rows).percent()),
        notes: Vec::new(),
        table: prob_table(t, &MILESTONES),
    }
}

fn gap(f: &Folder, t: &Table) -> Figure {
    let mut rows = Vec::new();
    let mut table = DataTable {
        file: "exact.csv".into(),
        headers: [
            "cohort",
            "completed (baseline)",
            "completed (perfect communication)",
            "gap",
        ]
        .map(String::from)
        .to_vec(),
        rows: Vec::new(),
    };
    let (mut total, mut weight) = (0.0, 0.0);
    for (c, victims) in f.cohorts() {
        let (Some(a), Some(p)) = (
            prob(t, BASELINE, &c, "completed"),
            prob(t, "perfect_communication", &c, "completed"),
        ) else {
            continue;
        };
        total += victims * (p - a);
        weight += victims;
        rows.push((c.clone(), vec![exact_point(Some(p - a))]));
        table.rows.push((
            Vec::new(),
            vec![
                Cell::text(c),
                Cell::text(fmt(a, 4)),
                Cell::text(fmt(p, 4)),
                Cell::text(fmt(p - a, 4)),
            ],
        ));
    }
    if weight > 0.0 {
        rows.push((ALL_COHORTS.to_owned(), vec![exact_point(Some(total / weight))]));
    }
    Figure {
        id: "gap".into(),
        title: "Referral gap per cohort (exact)".into(),
        how: "Each bar is the completed probability with perfect communication minus the actual one; the last bar weights every cohort by its victims per year (manifest.json).".into(),
        svg: chart::dots(
            &Dots::new("referral gap (percentage points of the completed rate)", ["gap"], rows)
                .bars()
                .percent(),
        ),
        notes: Vec::new(),
        table,
    }
}

fn by_country(t: &Table) -> Figure {
    let rows: Vec<_> = baseline(t)
        .filter(|r| r.get("group") == "country" && r.get("measure") == "completed")
        .map(|r| {
            (
                format!("{} · {}", r.get("key"), r.get("cohort")),
                vec![exact_point(r.num("probability"))],
            )
        })
        .collect();
    Figure {
        id: "inconsistency-country".into(),
        title: "Inconsistency: completed probability by entry country (exact)".into(),
        how: "Each dot is the exact completed probability of the victims identified in one country; dots of one cohort far apart mean the outcome depends on where a victim is found.".into(),
        svg: chart::dots(&Dots::new("completed probability (%)", ["completed"], rows).percent()),
        ..Figure::default()
    }
}

fn practices(t: &Table) -> Figure {
    let mut rows = Vec::new();
    let mut table = DataTable {
        file: "exact_comparisons.csv".into(),
        headers: ["variant", "victims_per_year"].map(String::from).to_vec(),
        rows: Vec::new(),
    };
    for r in t
        .rows()
        .filter(|r| r.get("cohort") == "*" && r.get("measure") == "completed")
    {
        rows.push((
            r.get("variant").to_owned(),
            vec![exact_point(r.num("victims_per_year"))],
        ));
        table.rows.push((
            key(&r, &["variant", "cohort", "measure"]),
            vec![Cell::text(r.get("variant")), Cell::num(&r, "victims_per_year", 1)],
        ));
    }
    Figure {
        id: "practices".into(),
        title: "Practices: completed victims per year gained, all cohorts (exact)".into(),
        how: "Each bar is the exact change in completed victims per year over the baseline; right of zero is a gain."
            .into(),
        svg: chart::dots(&Dots::new("completed victims per year gained", ["completed"], rows).bars()),
        notes: Vec::new(),
        table,
    }
}

fn star(t: &Table) -> Vec<Row<'_>> {
    t.rows().filter(|r| r.get("cohort") == "*").collect()
}

fn ranking(t: &Table) -> Figure {
    let mut rows = star(t);
    rows.sort_by(|a, b| {
        b.num("gain_victims_per_year")
            .unwrap_or(0.0)
            .total_cmp(&a.num("gain_victims_per_year").unwrap_or(0.0))
    });
    rows.truncate(15);
    let mut table = DataTable {
        file: "ranking.csv".into(),
        headers: ["channel", "gain_victims_per_year", "loss_victims_per_year"]
            .map(String::from)
            .to_vec(),
        rows: Vec::new(),
    };
    let mut bars = Vec::new();
    for r in &rows {
        bars.push((
            r.get("channel").to_owned(),
            vec![exact_point(r.num("gain_victims_per_year"))],
        ));
        table.rows.push((
            key(r, &["cohort", "channel"]),
            vec![
                Cell::text(r.get("channel")),
                Cell::num(r, "gain_victims_per_year", 2),
                Cell::num(r, "loss_victims_per_year", 2),
            ],
        ));
    }
    Figure {
        id: "top-channels".into(),
        title: "The channels whose repair gains most, all cohorts (exact)".into(),
        how: "Bars are the completed victims per year gained if that one channel had perfect quality and fidelity, largest first (at most 15).".into(),
        svg: chart::dots(&Dots::new("completed victims per year gained", ["gain if perfect"], bars).bars().decimals(2)),
        notes: Vec::new(),
        table,
    }
}

fn map(t: &Table) -> Figure {
    let country = |id: &str| id.split_once('.').map_or(id, |(c, _)| c).to_owned();
    let edges: Vec<Edge> = star(t)
        .iter()
        .map(|r| Edge {
            id: r.get("channel").to_owned(),
            from: (r.get("from").to_owned(), country(r.get("from"))),
            to: (r.get("to").to_owned(), country(r.get("to"))),
            value: r.num("gain_victims_per_year").unwrap_or(0.0).max(0.0),
        })
        .collect();
    Figure {
        id: "leak-map".into(),
        title: "Leak map: what repairing each channel would gain (exact)".into(),
        how: "Grey discs are countries, dots their authorities; each arrow is a channel, as wide as the completed victims per year gained if it were perfect.".into(),
        svg: network::draw(&edges, "completed victims per year gained if perfect"),
        notes: vec!["ranking.csv has no country columns: each authority's country is read from its id (the part before the first `.`).".into()],
        table: DataTable::default(),
    }
}
