//! Bounded resources, told early (issue 12): a run that would take hours says so after seconds,
//! and `check` warns about loops no case can leave.

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::sync::mpsc;
use std::time::Duration;

use predicates::prelude::*;

use crate::util::{refgap, root, scenario};

/// 2^40 trials (the largest allowed) were accepted without a word and ran for a day.
#[test]
fn a_run_of_many_hours_is_announced_early() {
    use assert_cmd::cargo::CommandCargoExt;
    let tmp = tempfile::tempdir().unwrap();
    let mut child = std::process::Command::cargo_bin("refgap")
        .unwrap()
        .current_dir(root())
        .args(["run", "scenarios/minimal.toml", "--trials", "1099511627776", "--out"])
        .arg(tmp.path())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (send, receive) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if send.send(line).is_err() {
                break;
            }
        }
    });
    // The warning comes after about two seconds of simulation; the bound only keeps a broken
    // build from hanging the suite.
    let mut warning = None;
    while let Ok(line) = receive.recv_timeout(Duration::from_secs(120)) {
        if line.contains("hours more") {
            warning = Some(line);
            break;
        }
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let warning = warning.expect("no warning about the length of the run");
    assert!(
        warning.starts_with("warning: two countries: at the rate so far"),
        "{warning}"
    );
    assert!(warning.contains("--precision"), "{warning}");
}

const LOOP: &str = r#"
[scenario]
name = "loop"
seed = 1
[[country]]
code = "AAA"
name = "A"
[[authority]]
id = "A.police"
country = "AAA"
kind = "police"
identification = 1.0
[[authority]]
id = "A.social"
country = "AAA"
kind = "social"
provides = ["protection"]
[[authority]]
id = "A.ngo"
country = "AAA"
kind = "ngo"
[[channel]]
from = "A.police"
to = "A.social"
quality = 1.0
delay = { fixed = 1.0 }
[[channel]]
from = "A.social"
to = "A.ngo"
quality = 1.0
delay = { fixed = 2.0 }
[[channel]]
from = "A.ngo"
to = "A.social"
quality = QUALITY
delay = { fixed = 2.0 }
[[cohort]]
name = "adults"
origin = "AAA"
age = "adult"
entry = [{ at = "A.police", share = 1.0 }]
goal = ["protection"]
"#;

/// A loop of perfect channels with no close weight and no dropout keeps every case until
/// max_hops: `check` says so, and the exact solver agrees (every case stalls there).
#[test]
fn a_loop_no_case_can_leave_is_warned() {
    let s = scenario(&LOOP.replace("QUALITY", "1.0"));
    let warnings: Vec<String> = s.warnings().iter().map(ToString::to_string).collect();
    assert_eq!(
        warnings.iter().filter(|w| w.contains("circle there forever")).count(),
        1,
        "{warnings:?}"
    );
    assert!(
        warnings[0].starts_with("[[cohort]] \"adults\": cases that reach A.social, A.ngo circle"),
        "{warnings:?}"
    );
    let exact = refgap::exact::solve(&s).unwrap();
    assert!(exact[0].trapped > 0);
    let stalled = exact[0].entries[0][refgap::model::Measure::Stalled.index()];
    assert!((stalled - 1.0).abs() < 1e-12, "{stalled}");
    // A channel that can fail is a way out: no warning.
    let s = scenario(&LOOP.replace("QUALITY", "0.9"));
    assert!(
        s.warnings().iter().all(|w| !w.to_string().contains("circle")),
        "{:?}",
        s.warnings()
    );
    // `check` prints it.
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("loop.toml");
    std::fs::write(&file, LOOP.replace("QUALITY", "1.0")).unwrap();
    refgap(["check"])
        .arg(&file)
        .assert()
        .success()
        .stdout(predicate::str::contains("circle there forever"));
}

/// The iterative solver (memory linear in the chain) gives the sparse LU's probabilities, on
/// every bundled scenario: its stopping rule bounds every error by 1e-14.
#[test]
fn the_iterative_solver_agrees_with_the_lu() {
    use refgap::exact::{Solver, solve_with};
    let mut compared = 0;
    let mut check = |s: &refgap::scenario::Scenario, lu: &[refgap::exact::ExactCohort]| {
        let it = solve_with(s, Solver::Iterative).unwrap();
        for (a, b) in lu.iter().zip(&it) {
            assert_eq!(a.states, b.states);
            for (pa, pb) in a
                .entries
                .iter()
                .chain(&a.perfect)
                .zip(b.entries.iter().chain(&b.perfect))
            {
                for (x, y) in pa.iter().zip(pb) {
                    if !x.is_nan() {
                        assert!((x - y).abs() < 1e-12, "{}: LU {x} vs iterative {y}", s.name());
                        compared += 1;
                    }
                }
            }
        }
    };
    for name in ["minimal.toml", "talibe.toml", "europe-leg"] {
        let s = refgap::scenario::Scenario::load(&crate::util::bundled(name)).unwrap();
        check(&s, &solve_with(&s, Solver::Lu).unwrap());
    }
    let regional = crate::util::ecowas();
    check(&regional.baseline, &regional.solved);
    assert!(compared > 1000, "{compared}");
}

/// `exact` refuses, before any work and naming the option, a scenario whose chain may not fit.
#[test]
fn exact_refuses_what_would_not_fit_in_memory() {
    let tmp = tempfile::tempdir().unwrap();
    refgap(["exact", "scenarios/ecowas-2020", "--max-memory-mb", "1", "--out"])
        .arg(tmp.path())
        .assert()
        .failure()
        .stderr(predicate::str::contains("may need up to"))
        .stderr(predicate::str::contains("--max-memory-mb"));
    assert!(crate::util::entries(tmp.path()).is_empty(), "nothing written");
    // `check` reports the bound.
    refgap(["check", "scenarios/minimal.toml"])
        .assert()
        .success()
        .stdout(predicate::str::contains("exact solution: at most"));
    // Without the ranking there is no ranking.csv, and the manifest says so.
    refgap([
        "exact",
        "scenarios/minimal.toml",
        "--ranking",
        "never",
        "-q",
        "--solver",
        "iterative",
        "--out",
    ])
    .arg(tmp.path())
    .assert()
    .success();
    let dir = tmp.path().join("minimal-exact");
    assert_eq!(crate::util::entries(&dir), vec!["exact.csv", "manifest.json"]);
    let m: serde_json::Value = serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(m["files"], serde_json::json!(["exact.csv"]));
    // The manifest says, per cohort, which solver was used: the one asked for here, else by
    // chain size (the minimal chain is small: LU).
    assert_eq!(m["cohorts"][0]["solver"], "iterative");
    let auto = tempfile::tempdir().unwrap();
    refgap(["exact", "scenarios/minimal.toml", "-q", "--out"])
        .arg(auto.path())
        .assert()
        .success();
    let m: serde_json::Value =
        serde_json::from_slice(&std::fs::read(auto.path().join("minimal-exact/manifest.json")).unwrap()).unwrap();
    assert_eq!(m["cohorts"][0]["solver"], "lu");
}

/// A dropout rate so small that `dropout × (max − min)` of a uniform delay underflows to zero
/// made `refgap exact` print NaN and exit 0: the transform now uses its series there.
#[test]
fn exact_has_no_nan_when_a_transform_underflows() {
    let text = LOOP
        .replace("QUALITY", "0.5")
        .replace(
            "provides = [\"protection\"]",
            "provides = [\"protection\"]\ndropout_per_day = 1e-300\nclose = 1.0",
        )
        .replace(
            "delay = { fixed = 2.0 }",
            "delay = { uniform = { min = 0.0, max = 1e-30 } }",
        );
    let s = scenario(&text);
    let exact = refgap::exact::solve(&s).unwrap();
    for m in refgap::model::Measure::ALL {
        if m != refgap::model::Measure::ProtectedInTime {
            let p = exact[0].entries[0][m.index()];
            assert!((0.0..=1.0).contains(&p), "{}: {p}", m.name());
        }
    }
}

/// `run --quiet --check-exact` checked nothing (issue 13): it now fails when the simulation and
/// the exact solution disagree, printing nothing else. A `max_hops` of 1 makes them disagree on
/// purpose: the simulation stalls every case at its second hop, the chain (which has no hop limit)
/// does not.
#[test]
fn quiet_check_exact_still_checks() {
    let tmp = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(crate::util::bundled("minimal.toml")).unwrap();
    let file = tmp.path().join("short.toml");
    std::fs::write(
        &file,
        text.replacen("horizon_days = 90", "horizon_days = 90\nmax_hops = 1", 1),
    )
    .unwrap();
    refgap(["run", "--quiet", "--check-exact", "--trials", "20000", "--out"])
        .arg(tmp.path().join("out"))
        .arg(&file)
        .assert()
        .failure()
        .stdout(predicate::str::is_empty())
        .stderr(predicate::str::contains(
            "disagrees with the exact solution beyond |z| = 6",
        ));
    assert!(
        tmp.path().join("out").join("short").join("manifest.json").is_file(),
        "results written"
    );
    // The same scenario as bundled passes, quietly.
    refgap([
        "run",
        "--quiet",
        "--check-exact",
        "--trials",
        "20000",
        "scenarios/minimal.toml",
        "--out",
    ])
    .arg(tmp.path().join("out"))
    .assert()
    .success()
    .stdout(predicate::str::is_empty())
    .stderr(predicate::str::is_empty());
}
