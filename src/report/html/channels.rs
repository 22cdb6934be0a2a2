//! The channel figures of a `run` folder: the leak map and the channels that leak most.

use super::chart::{self, Dots, Point};
use super::figure::{Cell, DataTable, Figure, key};
use super::network::{self, Edge};
use super::run::{baseline, missing};
use super::table::{Folder, Row, Table};

/// Baseline rows of `channels.csv` over all cohorts (`cohort = *` when the table has cohorts).
fn channel_rows(t: &Table) -> impl Iterator<Item = Row<'_>> {
    let by_cohort = t.has("cohort");
    baseline(t).filter(move |r| !by_cohort || r.get("cohort") == "*")
}

/// Country of an authority id when the table does not say: the part before the first `.`.
fn country_of(id: &str) -> String {
    id.split_once('.').map_or(id, |(c, _)| c).to_owned()
}

pub(crate) fn leak_map(f: &Folder) -> Figure {
    let Some(t) = f.table("channels.csv") else {
        return missing("leak-map", "Leak map", "channels.csv");
    };
    let has_countries = t.has("from_country") && t.has("to_country");
    let edges: Vec<Edge> = channel_rows(t)
        .map(|r| {
            let (fc, tc) = if has_countries {
                (r.get("from_country").to_owned(), r.get("to_country").to_owned())
            } else {
                (country_of(r.get("from")), country_of(r.get("to")))
            };
            Edge {
                id: r.get("channel").to_owned(),
                from: (r.get("from").to_owned(), fc),
                to: (r.get("to").to_owned(), tc),
                value: r.num("leaked_per_year").unwrap_or(0.0),
            }
        })
        .collect();
    let mut notes = Vec::new();
    if !has_countries {
        notes.push("channels.csv has no from_country/to_country columns: each authority's country is read from its id (the part before the first `.`).".into());
    }
    Figure {
        id: "leak-map".into(),
        title: "Leak map: where victims are lost between authorities (baseline)".into(),
        how: "Grey discs are countries, dots their authorities; each arrow is a channel, as wide as the victims per year lost, dropped or misclassified on it. Hover an arrow for its number.".into(),
        svg: network::draw(&edges, "victims leaked per year"),
        notes,
        table: DataTable::default(),
    }
}

pub(crate) fn top_channels(f: &Folder) -> Figure {
    let Some(t) = f.table("channels.csv") else {
        return missing("top-channels", "Top channels", "channels.csv");
    };
    let mut rows: Vec<Row<'_>> = channel_rows(t)
        .filter(|r| r.num("leaked_per_year").unwrap_or(0.0) > 0.0)
        .collect();
    rows.sort_by(|a, b| {
        b.num("leaked_per_year")
            .unwrap_or(0.0)
            .total_cmp(&a.num("leaked_per_year").unwrap_or(0.0))
    });
    rows.truncate(15);
    let mut table = DataTable {
        file: "channels.csv".into(),
        headers: ["channel", "from", "to", "lost_per_year", "leaked_per_year"]
            .map(String::from)
            .to_vec(),
        rows: Vec::new(),
    };
    let key_cols: &[&str] = if t.has("cohort") {
        &["variant", "channel", "cohort"]
    } else {
        &["variant", "channel"]
    };
    let mut bars = Vec::new();
    for r in &rows {
        let p = |c: &str| r.num(c).map(|value| Point { value, interval: None });
        bars.push((
            r.get("channel").to_owned(),
            vec![p("leaked_per_year"), p("lost_per_year")],
        ));
        table.rows.push((
            key(r, key_cols),
            vec![
                Cell::text(r.get("channel")),
                Cell::text(r.get("from")),
                Cell::text(r.get("to")),
                Cell::num(r, "lost_per_year", 2),
                Cell::num(r, "leaked_per_year", 2),
            ],
        ));
    }
    Figure {
        id: "top-channels".into(),
        title: "The channels that leak most victims (baseline, all cohorts)".into(),
        how: "Bars are victims per year leaked on each channel (lost, dropped or misclassified), and the part of them lost outright, largest first (at most 15).".into(),
        svg: chart::dots(
            &Dots::new("victims per year", ["leaked (lost + dropped + misclassified)", "lost"], bars)
                .bars()
                .decimals(2),
        ),
        notes: if rows.is_empty() { vec!["No channel leaked any victim.".into()] } else { Vec::new() },
        table,
    }
}
