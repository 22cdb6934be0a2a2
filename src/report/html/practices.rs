//! The practice figures of a `run` folder: the forest plot of the interventions' gains and one
//! curve per sweep, from `comparisons.csv` joined with `variants.csv`.

use super::chart::{self, Curves, Dots};
use super::figure::{Cell, DataTable, Figure, key};
use super::run::point;
use super::table::{Folder, Row, Table};

/// Variants of `kind` in `variants.csv` order, with their sweep and first axis value.
fn variants_of(f: &Folder, kind: &str) -> Vec<(String, String, Option<f64>)> {
    let mut v: Vec<(String, String, Option<f64>)> = Vec::new();
    for r in f
        .table("variants.csv")
        .into_iter()
        .flat_map(Table::rows)
        .filter(|r| r.get("kind") == kind)
    {
        if !v.iter().any(|(n, ..)| n == r.get("variant")) {
            v.push((r.get("variant").to_owned(), r.get("sweep").to_owned(), r.num("value")));
        }
    }
    v
}

fn gain<'a>(t: &'a Table, variant: &str, measure: &str) -> Option<Row<'a>> {
    t.rows()
        .find(|r| r.get("variant") == variant && r.get("cohort") == "*" && r.get("measure") == measure)
}

pub(crate) fn forest(f: &Folder) -> Figure {
    let interventions = variants_of(f, "intervention");
    let Some(t) = f.table("comparisons.csv").filter(|_| !interventions.is_empty()) else {
        return Figure {
            id: "practices".into(),
            title: "Practices".into(),
            notes: vec!["This run has no [[intervention]]: no practice to compare with the baseline.".into()],
            ..Figure::default()
        };
    };
    let mut table = DataTable {
        file: "comparisons.csv".into(),
        headers: [
            "variant",
            "measure",
            "victims_per_year",
            "victims_per_year_low",
            "victims_per_year_high",
        ]
        .map(String::from)
        .to_vec(),
        rows: Vec::new(),
    };
    let mut rows = Vec::new();
    for (name, ..) in &interventions {
        let mut points = Vec::new();
        for m in ["completed", "protected"] {
            let r = gain(t, name, m);
            points.push(r.and_then(|r| point(&r, "victims_per_year", "victims_per_year_low", "victims_per_year_high")));
            if let Some(r) = r {
                table.rows.push((
                    key(&r, &["variant", "cohort", "measure"]),
                    vec![
                        Cell::text(name.clone()),
                        Cell::text(m),
                        Cell::num(&r, "victims_per_year", 1),
                        Cell::num(&r, "victims_per_year_low", 1),
                        Cell::num(&r, "victims_per_year_high", 1),
                    ],
                ));
            }
        }
        rows.push((name.clone(), points));
    }
    Figure {
        id: "practices".into(),
        title: "Practices: victims per year gained over the baseline, all cohorts".into(),
        how: "Each dot is what a practice changes, in victims per year across all cohorts; the line is the paired 95 % interval (same simulated victims in both arms). Right of zero is a gain.".into(),
        svg: chart::dots(&Dots::new("victims per year gained over the baseline", ["completed", "protected"], rows)),
        notes: Vec::new(),
        table,
    }
}

pub(crate) fn sweeps(f: &Folder) -> Vec<Figure> {
    let points = variants_of(f, "sweep");
    let Some(t) = f.table("comparisons.csv") else {
        return Vec::new();
    };
    let mut names: Vec<&str> = Vec::new();
    for (_, s, _) in &points {
        if !names.contains(&s.as_str()) {
            names.push(s);
        }
    }
    let axis = |sweep: &str| {
        f.table("variants.csv")
            .and_then(|v| {
                v.rows()
                    .find(|r| r.get("sweep") == sweep)
                    .map(|r| r.get("axis").to_owned())
            })
            .unwrap_or_default()
    };
    names
        .into_iter()
        .map(|sweep| {
            let mut table = DataTable {
                file: "comparisons.csv".into(),
                headers: ["variant", "victims_per_year", "victims_per_year_low", "victims_per_year_high"].map(String::from).to_vec(),
                rows: Vec::new(),
            };
            let mut curve = Vec::new();
            for (name, _, x) in points.iter().filter(|(_, s, _)| s == sweep) {
                let (Some(x), Some(r)) = (x, gain(t, name, "completed")) else { continue };
                let (Some(y), Some(lo), Some(hi)) =
                    (r.num("victims_per_year"), r.num("victims_per_year_low"), r.num("victims_per_year_high"))
                else {
                    continue;
                };
                curve.push((*x, y, lo, hi));
                table.rows.push((
                    key(&r, &["variant", "cohort", "measure"]),
                    vec![
                        Cell::text(name.clone()),
                        Cell::num(&r, "victims_per_year", 1),
                        Cell::num(&r, "victims_per_year_low", 1),
                        Cell::num(&r, "victims_per_year_high", 1),
                    ],
                ));
            }
            curve.sort_by(|a, b| a.0.total_cmp(&b.0));
            let ax = axis(sweep);
            Figure {
                id: format!("sweep-{}", sweep.replace(|c: char| !c.is_ascii_alphanumeric(), "-")),
                title: format!("Sweep “{sweep}”: completed victims per year gained, all cohorts"),
                how: format!("Each point is one value of {ax} (first axis of the sweep); the band is the paired 95 % interval of the gain over the baseline."),
                svg: chart::curves(&Curves {
                    x_label: ax.clone(),
                    y_label: "completed victims per year gained".into(),
                    curves: vec![(sweep.to_owned(), curve)],
                }),
                notes: Vec::new(),
                table,
            }
        })
        .collect()
}
