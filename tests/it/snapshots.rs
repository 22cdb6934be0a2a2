//! Golden tables: every CSV file of small fixed-seed runs of bundled scenarios, pinned as insta
//! snapshots (`tests/it/snapshots/`). They hold the whole pipeline still, from the random streams
//! to the writers, across machines and dependency updates: a change to any number or any column
//! shows in review as a snapshot diff, to be accepted only when the change is intended
//! (`INSTA_UPDATE=always cargo test --test it snapshots`, then read the diff).

use refgap::report::Report;
use refgap::report::csv::to_csv;
use refgap::scenario::Scenario;

use crate::util::{bundled, simulate_on};

/// The baseline's tables (the scenario without its variants), and the variants' comparisons.
fn snapshot_all(name: &str, trials: u64) {
    let full = Scenario::load(&bundled(name)).unwrap();
    let s = full.clone().without_variants();
    let result = simulate_on(&s, trials, 2);
    let r = Report::new(&s, &result);
    let text = |bytes: Vec<u8>| String::from_utf8(bytes).unwrap();
    let stem = name.trim_end_matches(".toml");
    insta::assert_snapshot!(format!("{stem}_rates"), text(to_csv(&r.rates)));
    insta::assert_snapshot!(format!("{stem}_times"), text(to_csv(&r.times)));
    insta::assert_snapshot!(format!("{stem}_hops"), text(to_csv(&r.hops)));
    insta::assert_snapshot!(format!("{stem}_channels"), text(to_csv(&r.channels)));
    insta::assert_snapshot!(format!("{stem}_authorities"), text(to_csv(&r.authorities)));
    insta::assert_snapshot!(format!("{stem}_gap"), text(to_csv(&r.gap)));
    insta::assert_snapshot!(format!("{stem}_inconsistency"), text(to_csv(&r.inconsistency)));
    if !full.variants().is_empty() {
        let r = Report::new(&full, &simulate_on(&full, trials, 2));
        insta::assert_snapshot!(format!("{stem}_comparisons"), text(to_csv(&r.comparisons)));
        insta::assert_snapshot!(format!("{stem}_variants"), text(to_csv(&r.variants)));
    }
}

#[test]
fn minimal_tables() {
    snapshot_all("minimal.toml", 5_000);
}

#[test]
fn talibe_tables() {
    snapshot_all("talibe.toml", 2_000);
}
