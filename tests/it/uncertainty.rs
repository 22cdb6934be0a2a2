//! Decisions under uncertainty (issue 14): a sampled world is the scenario with its factors at
//! their drawn values (checked against the same values applied as an intervention, solved
//! exactly), a factor nobody can reach changes nothing, the designs are reproducible and
//! independent of threads, the command writes its contracted tables (streamed: a killed run
//! leaves nothing that looks complete), arms that reuse the baseline's perfect-communication
//! chains equal a full solve, and `--simulate` agrees with the exact solution within sampling
//! noise.

use std::fs;

use predicates::prelude::*;
use refgap::exact::uncertainty::{OUTCOME_NAMES, evaluate};
use refgap::exact::{ExactCohort, Solver, solve};
use refgap::model::Measure;
use refgap::scenario::Scenario;
use refgap::stats::sensitivity::lhs;

use crate::util::{bundled, entries, refgap, with_variants};

/// Every outcome of a sampled world's baseline equals the exact solution of the scenario with
/// the same values applied as an ordinary intervention (another path through the code), to
/// 1e-12; a triangular factor's quantiles land where its inverse CDF says.
#[test]
fn a_sampled_world_is_the_scenario_with_its_values_applied() {
    let s = Scenario::load(&bundled("talibe.toml")).unwrap();
    assert_eq!(s.factors().len(), 3);
    let point = [0.25, 0.6, 0.9];
    let sample = evaluate(&s, &point, Solver::Auto).unwrap();
    // By hand: uniform [0.6, 1.2] at 0.25 is 0.75; triangular [0.4, 0.95] with mode 0.7 at 0.6
    // is above the mode's quantile (0.3/0.55 = 0.545), so 0.95 − sqrt(0.4 · 0.55 · 0.25);
    // uniform [0.8, 1.0] at 0.9 is 0.98.
    let want = [0.75, 0.95 - (0.4f64 * 0.55 * 0.25).sqrt(), 0.98];
    for (v, w) in sample.values.iter().zip(want) {
        assert!((v - w).abs() < 1e-12, "{v} vs {w}");
    }
    let intervention = format!(
        r#"[[intervention]]
name = "the sampled world"
[[intervention.change]]
select = {{ cross_border = true }}
scale = {{ quality = {} }}
[[intervention.change]]
select = {{ kind = ["social", "ngo"] }}
set = {{ assist_incomplete = {} }}
[[intervention.change]]
select = {{}}
scale = {{ fidelity = {} }}
"#,
        sample.values[0], sample.values[1], sample.values[2]
    );
    let dir = tempfile::tempdir().unwrap();
    let applied = with_variants(s.clone().without_variants(), dir.path(), &intervention).unwrap();
    let world = &applied.variants()[0].scenario;
    let exact = solve(world).unwrap();
    for ((cohort, ex), got) in world.cohorts().iter().zip(&exact).zip(&sample.arms[0]) {
        let p = ExactCohort::aggregate(&ex.entries, cohort, |_| true);
        let perfect = ExactCohort::aggregate(&ex.perfect, cohort, |_| true);
        let measures = [
            Measure::Identified,
            Measure::Protected,
            Measure::Returned,
            Measure::Reintegrated,
            Measure::Completed,
        ];
        for (k, m) in measures.into_iter().enumerate() {
            assert!(
                (got[k] - p[m.index()]).abs() < 1e-12,
                "{} {}",
                cohort.name,
                OUTCOME_NAMES[k]
            );
        }
        let gap = perfect[Measure::Completed.index()] - p[Measure::Completed.index()];
        assert!((got[5] - gap).abs() < 1e-12, "{} gap", cohort.name);
    }
    // One arm per intervention (the sweep's points are not part of a world).
    assert_eq!(sample.arms.len(), 1 + 4);
}

/// A factor on a channel that no cohort can reach has no effect: every world has the same
/// outcomes, and with a reachable factor beside it, its total Sobol index is exactly 0.
#[test]
fn a_factor_nobody_reaches_changes_nothing() {
    let text = fs::read_to_string(bundled("minimal.toml")).unwrap()
        + r#"
[[authority]]
id = "BFA.police"
country = "BFA"
kind = "police"

[[channel]]
from = "BFA.police"
to = "BFA.social"
quality = 0.5

[[uncertain]]
name = "an unreachable channel"
select = { from = "BFA.police" }
parameter = "quality"
range = [0.0, 1.0]
"#;
    let s = crate::util::scenario(&text);
    let points = lhs(16, 1, 3);
    let first = evaluate(&s, &points[0], Solver::Auto).unwrap();
    for p in &points[1..] {
        let other = evaluate(&s, p, Solver::Auto).unwrap();
        assert_ne!(other.values, first.values);
        assert_eq!(other.arms, first.arms, "outcomes must not move");
    }
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("two.toml");
    let reachable = "\n[[uncertain]]\nname = \"shelter dropout\"\nselect = { id = \"CIV.shelter\" }\nparameter = \"dropout_per_day\"\nrange = [0.0, 0.05]\n";
    fs::write(&file, text + reachable).unwrap();
    refgap(["uncertainty", "--design", "sobol", "--samples", "16", "-q", "--out"])
        .arg(tmp.path())
        .arg(&file)
        .assert()
        .success();
    let mut reader = csv::Reader::from_path(tmp.path().join("two-uncertainty").join("sensitivity.csv")).unwrap();
    let (mut zero, mut moving) = (0, 0);
    for r in reader.records() {
        let r = r.unwrap();
        let (target, factor, index, estimate) = (&r[1], &r[5], &r[6], r[7].parse::<f64>().unwrap());
        if index != "ST" || target != "level" {
            continue;
        }
        if factor == "an unreachable channel" {
            assert_eq!(estimate, 0.0, "{r:?}");
            zero += 1;
        } else {
            assert!(
                estimate > 0.5,
                "the only factor that matters explains most of the variance: {r:?}"
            );
            moving += 1;
        }
    }
    assert_eq!((zero, moving), (2, 2), "completed and protected levels");
}

/// The Latin hypercube puts one point in each stratum of every axis, and depends only on its
/// seed.
#[test]
fn the_latin_hypercube_has_one_point_per_stratum() {
    let (n, k) = (50, 4);
    let points = lhs(n, k, 11);
    for axis in 0..k {
        let mut strata: Vec<usize> = points.iter().map(|p| (p[axis] * n as f64) as usize).collect();
        strata.sort_unstable();
        assert_eq!(strata, (0..n).collect::<Vec<_>>(), "axis {axis}");
    }
    assert_eq!(lhs(n, k, 11), points);
    assert_ne!(lhs(n, k, 12), points);
}

/// `refgap uncertainty` writes its contracted tables, identical at any thread count; the share
/// of worlds where each practice is best adds up to 1.
#[test]
fn the_uncertainty_command_writes_its_tables() {
    let tmp = tempfile::tempdir().unwrap();
    let run = |threads: &str, out: &str| {
        refgap([
            "uncertainty",
            "scenarios/talibe.toml",
            "--design",
            "lhs",
            "--samples",
            "40",
            "--threads",
            threads,
            "--out",
        ])
        .arg(tmp.path().join(out))
        .assert()
        .success()
        .stdout(predicate::str::contains("P(best)"))
        .stderr(predicate::str::contains(
            "sweep point(s) are not part of an uncertainty run",
        ));
    };
    run("1", "one");
    run("2", "two");
    let dir = tmp.path().join("one").join("talibe-uncertainty");
    assert_eq!(
        entries(&dir),
        [
            "manifest.json",
            "outcomes.csv",
            "pairwise.csv",
            "ranking.csv",
            "samples.csv",
            "summary.csv"
        ]
    );
    for f in [
        "samples.csv",
        "outcomes.csv",
        "summary.csv",
        "ranking.csv",
        "pairwise.csv",
    ] {
        let other = tmp.path().join("two").join("talibe-uncertainty").join(f);
        assert_eq!(fs::read(dir.join(f)).unwrap(), fs::read(other).unwrap(), "{f}");
    }
    let header = |f: &str| {
        fs::read_to_string(dir.join(f))
            .unwrap()
            .lines()
            .next()
            .unwrap()
            .to_owned()
    };
    assert_eq!(header("samples.csv"), "sample,factor,value");
    assert_eq!(
        header("outcomes.csv"),
        "sample,variant,cohort,measure,rate,victims_per_year"
    );
    assert_eq!(
        header("summary.csv"),
        "subset,variant,cohort,measure,quantity,mean,sd,p05,p50,p95,p_positive"
    );
    assert_eq!(
        header("ranking.csv"),
        "subset,variant,measure,p_best,p_top3,mean_rank,p05_gain,p50_gain,p95_gain"
    );
    assert_eq!(
        header("pairwise.csv"),
        "subset,variant_a,variant_b,measure,p_a_beats_b,p50_difference"
    );
    let mut reader = csv::Reader::from_path(dir.join("ranking.csv")).unwrap();
    let mut best = std::collections::HashMap::<String, f64>::new();
    for r in reader.records() {
        let r = r.unwrap();
        *best.entry(r[2].to_owned()).or_default() += r[3].parse::<f64>().unwrap();
    }
    for (measure, total) in best {
        assert!((total - 1.0).abs() < 1e-12, "{measure}: P(best) adds up to {total}");
    }
    let m: serde_json::Value = serde_json::from_slice(&fs::read(dir.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(m["kind"], "uncertainty");
    assert_eq!(m["samples"], 40);
    assert_eq!(m["factors"].as_array().map(Vec::len), Some(3));
    // A scenario without factors is told what to do.
    refgap(["uncertainty", "scenarios/minimal.toml", "--out"])
        .arg(tmp.path())
        .assert()
        .failure()
        .stderr(predicate::str::contains("has no [[uncertain]] factors"));
}

/// Observed figures keep the worlds that reproduce them. On the minimal scenario, protected
/// among identified is 0.8 in every world (the shelter grants protection on arrival, whatever its
/// dropout: a hand value), so it rules nothing out; completed among identified falls with the
/// shelter's dropout, so a narrow range keeps only some worlds, and `plausible.csv` says which.
#[test]
fn observed_figures_keep_the_plausible_worlds() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("observed.toml");
    let text = fs::read_to_string(bundled("minimal.toml")).unwrap()
        + r#"
[[intervention]]
name = "faster cross-border channel"
[[intervention.change]]
select = { cross_border = true }
scale = { delay = 0.5 }

[[uncertain]]
name = "shelter dropout"
select = { id = "CIV.shelter" }
parameter = "dropout_per_day"
range = [0.0, 0.05]

[[observed]]
name = "protected | identified"
cohort = "*"
measure = "protected"
given = "identified"
range = [0.7999999, 0.8000001]

[[observed]]
name = "completed | identified"
cohort = "BFA children, cocoa farms in CIV"
group = "country"
key = "CIV"
measure = "completed"
given = "identified"
range = [0.0, 0.15]
"#;
    fs::write(&file, &text).unwrap();
    let s = crate::util::scenario(&text);
    let p = evaluate(&s, &[0.5], Solver::Auto).unwrap();
    assert!((p.observed[0] - 0.8).abs() < 1e-12, "{:?}", p.observed);
    refgap(["uncertainty", "--design", "lhs", "--samples", "50", "--out"])
        .arg(tmp.path())
        .arg(&file)
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "sampled worlds reproduce every observed figure",
        ));
    let dir = tmp.path().join("observed-uncertainty");
    let mut reader = csv::Reader::from_path(dir.join("plausible.csv")).unwrap();
    let mut by_sample = std::collections::BTreeMap::<usize, bool>::new();
    for r in reader.records() {
        let r = r.unwrap();
        let (sample, name, value, inside) = (
            r[0].parse::<usize>().unwrap(),
            &r[1],
            r[2].parse::<f64>().unwrap(),
            &r[3],
        );
        let want = if name == "protected | identified" {
            (0.7999999..=0.8000001).contains(&value)
        } else {
            (0.0..=0.15).contains(&value)
        };
        assert_eq!(inside == "true", want, "{r:?}");
        *by_sample.entry(sample).or_insert(true) &= want;
    }
    let plausible = by_sample.values().filter(|p| **p).count();
    assert!(
        plausible > 0 && plausible < 50,
        "a narrow range keeps some worlds, not all: {plausible}"
    );
    let m: serde_json::Value = serde_json::from_slice(&fs::read(dir.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(m["plausible"], plausible);
    let summary = fs::read_to_string(dir.join("summary.csv")).unwrap();
    assert!(summary.lines().any(|l| l.starts_with("plausible,")));
    // A range no world reaches: the run says which figure rules them out.
    fs::write(&file, text.replace("range = [0.0, 0.15]", "range = [0.9, 1.0]")).unwrap();
    refgap(["uncertainty", "--design", "lhs", "--samples", "20", "--out"])
        .arg(tmp.path().join("none"))
        .arg(&file)
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "no world is plausible: \"completed | identified\" rules out the most",
        ));
}

/// The rows of an `outcomes.csv`, keyed by (sample, variant, cohort, measure), as rates.
fn outcome_rates(file: &std::path::Path) -> std::collections::BTreeMap<(String, String, String, String), f64> {
    let mut reader = csv::Reader::from_path(file).unwrap();
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            (
                (r[0].to_owned(), r[1].to_owned(), r[2].to_owned(), r[3].to_owned()),
                r[4].parse::<f64>().unwrap(),
            )
        })
        .collect()
}

/// `--simulate` (issue 14, item 4): the same sampled worlds simulated on common random numbers
/// agree with their exact solution within binomial noise — every rate of every cohort, arm and
/// world within |z| < 4.5 of the exact rate, the standard error from the trials (for the gap,
/// a paired difference of two rates, the bound `sqrt((p_actual + p_perfect) / n)` on its standard
/// error) — carry `protected_in_time` (never above `protected`: the scenario has a horizon), say
/// so in the manifest, and are byte-identical at 1 and 2 threads.
#[test]
fn simulated_worlds_agree_with_their_exact_solution() {
    const TRIALS: u64 = 10_000;
    let tmp = tempfile::tempdir().unwrap();
    let run = |extra: &[&str], out: &str| {
        refgap([
            "uncertainty",
            "scenarios/talibe.toml",
            "--design",
            "lhs",
            "--samples",
            "6",
            "-q",
        ])
        .args(extra)
        .arg("--out")
        .arg(tmp.path().join(out))
        .assert()
        .success();
        tmp.path().join(out).join("talibe-uncertainty")
    };
    let trials = TRIALS.to_string();
    let exact = run(&[], "exact");
    let one = run(&["--simulate", "--trials", &trials, "--threads", "1"], "one");
    let two = run(&["--simulate", "--trials", &trials, "--threads", "2"], "two");
    assert_eq!(entries(&one), entries(&two));
    for f in entries(&one) {
        assert_eq!(fs::read(one.join(&f)).unwrap(), fs::read(two.join(&f)).unwrap(), "{f}");
    }
    assert_eq!(
        fs::read(exact.join("samples.csv")).unwrap(),
        fs::read(one.join("samples.csv")).unwrap(),
        "the same worlds"
    );
    let want = outcome_rates(&exact.join("outcomes.csv"));
    let got = outcome_rates(&one.join("outcomes.csv"));
    let n = TRIALS as f64;
    let (mut checked, mut in_time) = (0, 0);
    for ((sample, variant, cohort, measure), &rate) in &got {
        if cohort == "*" {
            continue;
        }
        let key = |m: &str| (sample.clone(), variant.clone(), cohort.clone(), m.to_owned());
        if measure == "protected_in_time" {
            assert!(rate <= got[&key("protected")] + 1e-12, "{sample} {variant} {cohort}");
            in_time += 1;
            continue;
        }
        let p = want[&key(measure)];
        let se = if measure == "gap" {
            let actual = want[&key("completed")];
            ((2.0 * actual + p) / n).sqrt()
        } else {
            (p * (1.0 - p) / n).sqrt()
        };
        if se == 0.0 {
            assert!(
                (rate - p).abs() < 1e-12,
                "{sample} {variant} {cohort} {measure}: {rate} vs {p}"
            );
        } else {
            let z = (rate - p) / se;
            assert!(
                z.abs() < 4.5,
                "{sample} {variant} {cohort} {measure}: simulated {rate}, exact {p}, z = {z:.2}"
            );
        }
        checked += 1;
    }
    // 6 worlds × 5 arms (baseline, 4 interventions) × 3 cohorts.
    assert_eq!((checked, in_time), (6 * 5 * 3 * 6, 6 * 5 * 3));
    let m: serde_json::Value = serde_json::from_slice(&fs::read(one.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(m["simulation"]["trials"], TRIALS);
    assert_eq!(m["simulation"]["random_numbers"], "common");
    let m: serde_json::Value = serde_json::from_slice(&fs::read(exact.join("manifest.json")).unwrap()).unwrap();
    assert!(m.get("simulation").is_none(), "an exact run has no simulation settings");
    // --trials needs --simulate.
    refgap(["uncertainty", "scenarios/talibe.toml", "--trials", "10"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("--simulate"));
}

/// Interventions that only change how well channels communicate share the baseline's
/// perfect-communication chains, and a world's arms reuse them (issue 14, item 5): every arm of a
/// sampled world equals, bit for bit, the full exact solution of that intervention in that world,
/// for arms that reuse (standard forms: fidelity only) and arms that do not (an agreement that
/// also halves delays, training, an added channel).
#[test]
fn arms_that_reuse_the_baseline_perfect_chains_equal_a_full_solve() {
    use refgap::scenario::diff::same_with_perfect_communication;
    let s = Scenario::load(&bundled("talibe.toml")).unwrap();
    let point = [0.3, 0.7, 0.2];
    let sample = evaluate(&s, &point, Solver::Auto).unwrap();
    let (world, _) = s.world(&sample.values).unwrap();
    let reuse: Vec<bool> = world
        .variants()
        .iter()
        .map(|v| same_with_perfect_communication(&world, &v.scenario))
        .collect();
    assert_eq!(
        reuse,
        [false, true, false, false],
        "only standard forms changes nothing but fidelity"
    );
    assert!(same_with_perfect_communication(&world, &world));
    for (v, got) in world.variants().iter().zip(&sample.arms[1..]) {
        let full = solve(&v.scenario).unwrap();
        for ((cohort, ex), rates) in v.scenario.cohorts().iter().zip(&full).zip(got) {
            let p = ExactCohort::aggregate(&ex.entries, cohort, |_| true);
            let perfect = ExactCohort::aggregate(&ex.perfect, cohort, |_| true);
            let done = Measure::Completed.index();
            assert_eq!(rates[4], p[done], "{} {}", v.name, cohort.name);
            assert_eq!(rates[5], perfect[done] - p[done], "{} {} gap", v.name, cohort.name);
        }
    }
}

/// The large tables are streamed into the hidden staging folder while the worlds are evaluated;
/// a run killed then leaves nothing that looks like a result (no `<name>-uncertainty` folder, no
/// manifest), and the next run removes the staging folder and says so.
#[test]
fn an_interrupted_uncertainty_run_leaves_nothing_that_looks_complete() {
    use assert_cmd::cargo::CommandCargoExt;
    let tmp = tempfile::tempdir().unwrap();
    // 2^16 · 5 worlds take minutes: the kill lands while rows are being streamed.
    let mut child = std::process::Command::cargo_bin("refgap")
        .unwrap()
        .current_dir(crate::util::root())
        .args([
            "uncertainty",
            "scenarios/talibe.toml",
            "--samples",
            "65536",
            "-q",
            "--out",
        ])
        .arg(tmp.path())
        .spawn()
        .unwrap();
    // Wait until some rows of outcomes.csv are in the staging folder (not only its header).
    let streamed = || {
        fs::read_dir(tmp.path()).unwrap().flatten().any(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            name.starts_with(".talibe-uncertainty.partial-")
                && fs::metadata(e.path().join("outcomes.csv")).is_ok_and(|m| m.len() > 4096)
        })
    };
    while !streamed() {
        assert!(
            child.try_wait().unwrap().is_none(),
            "the run ended before it was killed"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child.kill().unwrap();
    assert!(!child.wait().unwrap().success());
    let names = entries(tmp.path());
    assert!(
        names.iter().all(|n| n.starts_with('.')),
        "only hidden staging and lock files: {names:?}"
    );
    for n in &names {
        assert!(!tmp.path().join(n).join("manifest.json").exists(), "{n} has a manifest");
    }
    refgap([
        "uncertainty",
        "scenarios/talibe.toml",
        "--design",
        "lhs",
        "--samples",
        "4",
        "--out",
    ])
    .arg(tmp.path())
    .assert()
    .success()
    .stderr(predicate::str::contains("left by an interrupted run"));
    assert_eq!(entries(tmp.path()), ["talibe-uncertainty"]);
}
