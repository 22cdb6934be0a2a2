//! `refgap report` and `run --report` (issue 16): the page is self-contained, holds every chart
//! of its kind of folder with the CSVs' numbers, and never overwrites a `report.html` refgap did
//! not write. (The page is checked in a real browser by `tests/real/report-browser.sh`.)

use std::fs;
use std::path::Path;

use predicates::prelude::*;

use crate::util::refgap;

/// The CSV cell of `file` in `dir` in the row whose `key` column equals `value`.
fn cell(dir: &Path, file: &str, want: &[(&str, &str)], col: &str) -> String {
    let mut r = csv::Reader::from_path(dir.join(file)).unwrap();
    let headers = r.headers().unwrap().clone();
    let at = |name: &str| {
        headers
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("{file} has no {name}"))
    };
    for rec in r.records() {
        let rec = rec.unwrap();
        if want.iter().all(|(k, v)| &rec[at(k)] == *v) {
            return rec[at(col)].to_owned();
        }
    }
    panic!("{file} has no row {want:?}");
}

fn charts(html: &str) -> Vec<String> {
    html.split("data-chart=\"")
        .skip(1)
        .map(|s| s[..s.find('"').unwrap()].to_owned())
        .collect()
}

/// The page of a run holds every chart and the CSVs' numbers, and loads nothing from elsewhere.
#[test]
fn run_report_is_self_contained_with_every_chart_and_the_csv_numbers() {
    let tmp = tempfile::tempdir().unwrap();
    refgap([
        "run",
        "scenarios/talibe.toml",
        "--trials",
        "4000",
        "-q",
        "--report",
        "--out",
    ])
    .arg(tmp.path())
    .assert()
    .success();
    let dir = tmp.path().join("talibe");
    let html = fs::read_to_string(dir.join("report.html")).unwrap();
    assert!(html.contains(refgap::report::folder::REPORT_MARKER));
    for id in [
        "outcomes",
        "milestones",
        "gap",
        "inconsistency-country",
        "inconsistency-entry",
        "leak-map",
        "top-channels",
        "practices",
        "times",
    ] {
        assert!(
            charts(&html).iter().any(|c| c == id),
            "no chart {id}: {:?}",
            charts(&html)
        );
    }
    // The leak map groups authorities by the countries channels.csv names.
    assert!(
        !html.contains("has no from_country"),
        "the leak map reads channels.csv's countries"
    );
    assert!(!html.contains("<script") && !html.contains("<link") && !html.contains("@import"));
    let external = html.replace("xmlns=\"http://www.w3.org/2000/svg\"", "");
    assert!(
        !external.contains("http://") && !external.contains("https://"),
        "the page loads nothing"
    );
    // The total gap and one cohort's completed rate, as written in the CSVs, are on the page.
    let gap = cell(&dir, "gap.csv", &[("variant", "baseline"), ("cohort", "*")], "gap");
    assert!(
        html.contains(&format!("data-col=\"gap\" data-raw=\"{gap}\"")),
        "gap {gap}"
    );
    let cohort = cell(
        &dir,
        "rates.csv",
        &[("group", "all"), ("measure", "completed")],
        "cohort",
    );
    let rate = cell(
        &dir,
        "rates.csv",
        &[("cohort", &cohort), ("group", "all"), ("measure", "completed")],
        "rate",
    );
    assert!(
        html.contains(&format!("data-col=\"rate\" data-raw=\"{rate}\"")),
        "rate {rate}"
    );
}

/// A `report.html` that refgap did not write is never replaced; refgap's own page is, and a
/// later run into the folder replaces the result with its page.
#[test]
fn a_report_html_refgap_did_not_write_is_kept() {
    let tmp = tempfile::tempdir().unwrap();
    refgap(["run", "scenarios/minimal.toml", "--trials", "2000", "-q", "--out"])
        .arg(tmp.path())
        .assert()
        .success();
    let dir = tmp.path().join("minimal");
    let page = dir.join("report.html");
    fs::write(&page, "<html>my own notes</html>").unwrap();
    refgap(["report"])
        .arg(&dir)
        .assert()
        .failure()
        .stderr(predicate::str::contains("refusing to write"))
        .stderr(predicate::str::contains("not written by refgap"));
    assert_eq!(fs::read_to_string(&page).unwrap(), "<html>my own notes</html>");
    fs::remove_file(&page).unwrap();
    for _ in 0..2 {
        refgap(["report", "-q"]).arg(&dir).assert().success();
    }
    let names = crate::util::entries(&dir);
    assert!(names.contains(&"report.html".to_owned()));
    assert!(
        !names.iter().any(|n| n.starts_with('.')),
        "no temporary file left: {names:?}"
    );
    // A page left half-written by a killed `refgap report` is refgap's too.
    fs::write(dir.join(".report.html.partial-1-abc"), "<!DOCTYPE html><html").unwrap();
    // A new run replaces the whole result, its page included (the page belongs to the result).
    refgap(["run", "scenarios/minimal.toml", "--trials", "1000", "-q", "--out"])
        .arg(tmp.path())
        .assert()
        .success();
    assert!(!page.exists(), "the old result's page went with it");
    assert_eq!(crate::util::entries(tmp.path()), vec!["minimal"]);
}

/// `refgap report` on a folder that is not a refgap result says so and writes nothing.
#[test]
fn a_folder_that_is_not_a_result_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    refgap(["report"])
        .arg(tmp.path())
        .assert()
        .failure()
        .stderr(predicate::str::contains("manifest.json"));
    assert!(crate::util::entries(tmp.path()).is_empty());
}

/// The pages of `exact` and `uncertainty` folders hold their kinds' charts.
#[test]
fn exact_and_uncertainty_folders_have_their_pages() {
    let tmp = tempfile::tempdir().unwrap();
    refgap(["exact", "scenarios/talibe.toml", "-q", "--out"])
        .arg(tmp.path())
        .assert()
        .success();
    refgap(["uncertainty", "scenarios/talibe.toml", "--samples", "8", "-q", "--out"])
        .arg(tmp.path())
        .assert()
        .success();
    for (name, ids) in [
        (
            "talibe-exact",
            &["outcomes", "gap", "practices", "top-channels", "leak-map"][..],
        ),
        (
            "talibe-uncertainty",
            &["gains", "rank-acceptability", "plausible", "sensitivity"][..],
        ),
    ] {
        let dir = tmp.path().join(name);
        refgap(["report", "-q"]).arg(&dir).assert().success();
        let html = fs::read_to_string(dir.join("report.html")).unwrap();
        for id in ids {
            assert!(charts(&html).iter().any(|c| c == id), "{name}: no chart {id}");
        }
        assert!(html.contains("<svg"), "{name}: no drawing");
    }
}

/// The heat map cells of a transfer page: `(data-key, data-raw, ringed)` of every `<g class="cell">`
/// in the section `chart`.
fn heat_cells(html: &str, chart: &str) -> Vec<(String, String, bool)> {
    let start = html
        .find(&format!("data-chart=\"{chart}\""))
        .unwrap_or_else(|| panic!("no chart {chart}"));
    let section = &html[start..start + html[start..].find("</section>").unwrap()];
    let attr = |s: &str, name: &str| {
        let at = s.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
        s[at..at + s[at..].find('"').unwrap()].to_owned()
    };
    section
        .split("<g class=\"cell\"")
        .skip(1)
        .map(|g| {
            let g = &g[..g.find("</g>").unwrap()];
            (
                attr(g, "data-key").replace("&amp;", "&"),
                attr(g, "data-raw"),
                g.contains("<circle"),
            )
        })
        .collect()
}

/// The page of a transfer folder draws the matrix as heat maps whose cells are the CSV's gains,
/// hatches the cells that do not apply and, with sampled worlds, rings exactly the cells whose
/// P(gain > 0) lies between 5 % and 95 %.
#[test]
fn transfer_folders_draw_the_matrix_as_a_heat_map_of_the_csv_numbers() {
    let tmp = tempfile::tempdir().unwrap();
    refgap(["transfer", "scenarios/minimal.toml", "-q", "--out"])
        .arg(tmp.path())
        .assert()
        .success();
    refgap(["transfer", "scenarios/talibe.toml", "--samples", "8", "-q", "--out"])
        .arg(tmp.path())
        .assert()
        .success();
    for (name, subset) in [("minimal-transfer", ""), ("talibe-transfer", "all")] {
        let dir = tmp.path().join(name);
        refgap(["report", "-q"]).arg(&dir).assert().success();
        let html = fs::read_to_string(dir.join("report.html")).unwrap();
        for id in [
            "transfer-completed",
            "transfer-best",
            "transfer-protected",
            "transfer-gap",
        ] {
            assert!(charts(&html).iter().any(|c| c == id), "{name}: no chart {id}");
        }
        let mut r = csv::Reader::from_path(dir.join("transfer.csv")).unwrap();
        let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
        let h = r.headers().unwrap().clone();
        let at = |n: &str| h.iter().position(|c| c == n).unwrap();
        for measure in ["completed", "protected", "gap"] {
            let cells = heat_cells(&html, &format!("transfer-{measure}"));
            let want: Vec<&csv::StringRecord> = rows
                .iter()
                .filter(|r| &r[at("measure")] == measure && &r[at("subset")] == subset)
                .collect();
            assert_eq!(cells.len(), want.len(), "{name} {measure}: one cell per CSV row");
            for r in want {
                let k = format!(
                    "practice={}\u{1f}context={}\u{1f}measure={measure}\u{1f}subset={subset}",
                    &r[at("practice")],
                    &r[at("context")]
                );
                let (_, raw, ringed) = cells
                    .iter()
                    .find(|(key, _, _)| *key == k)
                    .unwrap_or_else(|| panic!("{name}: no cell {k:?}"));
                assert_eq!(raw, &r[at("gain_per_year")], "{name} {k:?}");
                let p: Option<f64> = r[at("p_positive")].parse().ok();
                let uncertain = &r[at("applies")] == "true" && p.is_some_and(|p| p > 0.05 && p < 0.95);
                assert_eq!(*ringed, uncertain, "{name} {k:?}: ring");
            }
        }
        // minimal: every cell does not apply; talibe has cells that apply and some that do not.
        let hatched = html.matches(">n/a</text>").count();
        let applies = rows.iter().filter(|r| &r[at("applies")] == "true").count();
        assert!(hatched > 0, "{name}: no hatched cell");
        assert_eq!(
            hatched,
            rows.len() - applies,
            "{name}: one n/a per row that does not apply"
        );
        if subset == "all" {
            assert!(html.contains("A ring marks a cell whose sign is uncertain"));
            assert!(html.contains("data-col=\"p_positive\""));
            // The page's header names the command that wrote the folder (not `uncertainty`).
            assert!(
                html.contains("refgap transfer scenarios/talibe.toml --samples 8"),
                "the manifest's command is the transfer's"
            );
        }
    }
}
