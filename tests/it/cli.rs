//! The `refgap` binary end to end: `run` writes the contracted results folder, `check`
//! validates, errors name the file and the key, batches, seeds, and the atomic folder writer.

use std::collections::{BTreeSet, HashMap};
use std::fs;
use std::path::Path;

use predicates::prelude::*;
use refgap::scenario::Scenario;

use crate::util::{bundled, entries, fixture, refgap};

/// Trials per cohort of the end-to-end runs: enough for stable rates, fast in the test profile.
const TRIALS: &str = "20000";

/// docs/MODEL.md, "Outputs": the contracted columns, then the ones refgap appends.
const RATES: &[&str] = &[
    "variant",
    "cohort",
    "group",
    "key",
    "measure",
    "trials",
    "count",
    "rate",
    "ci_low",
    "ci_high",
    "victims_per_year",
];
const TIMES: &[&str] = &[
    "variant",
    "cohort",
    "group",
    "key",
    "milestone",
    "n",
    "mean",
    "p50",
    "p90",
];
const HOPS: &[&str] = &["variant", "cohort", "group", "key", "n", "mean", "p50", "p90"];
const CHANNELS: &[&str] = &[
    "variant",
    "channel",
    "from",
    "to",
    "attempts",
    "failures",
    "losses",
    "dropouts",
    "degraded",
    "loss_share",
];
const CHANNELS_EXTRA: &[&str] = &[
    "misclassified",
    "lost_per_year",
    "leaked_per_year",
    "cohort",
    "leaked_before_goal",
    "leaked_after_goal",
    "leaked_before_goal_rate",
    "leaked_after_goal_rate",
    "leaked_before_goal_per_year",
    "leaked_after_goal_per_year",
    "movement",
    "from_country",
    "to_country",
    "cross_border",
    "formal",
];
const AUTHORITIES: &[&str] = &[
    "variant",
    "cohort",
    "authority",
    "country",
    "kind",
    "trials",
    "entered",
    "arrivals",
    "referred",
    "closed",
    "stalled_hole",
    "stalled_max_hops",
    "dropped",
    "lost",
    "misclassified",
    "closed_rate",
    "stalled_hole_rate",
    "stalled_max_hops_rate",
    "dropped_rate",
    "closed_per_year",
    "stalled_hole_per_year",
    "stalled_max_hops_per_year",
    "dropped_per_year",
];
const GAP: &[&str] = &[
    "variant",
    "cohort",
    "completed_actual",
    "completed_perfect",
    "gap",
    "ci_low",
    "ci_high",
];
const GAP_EXTRA: &[&str] = &["discordant_share", "gap_victims_per_year", "perfect_arm"];
const INCONSISTENCY: &[&str] = &[
    "variant",
    "cohort",
    "level",
    "weighted_sd",
    "range",
    "min_key",
    "max_key",
];
const INCONSISTENCY_EXTRA: &[&str] = &[
    "min_rate",
    "max_rate",
    "population",
    "min_ci_low",
    "min_ci_high",
    "max_ci_low",
    "max_ci_high",
    "chi2",
    "df",
    "p_value",
];
/// docs/MODEL.md, "Outputs": every `measure` of rates.csv.
const MEASURES: &[&str] = &[
    "identified",
    "unidentified",
    "closed",
    "lost",
    "dropped",
    "misclassified",
    "stalled",
    "protected",
    "returned",
    "reintegrated",
    "completed",
    "protected_in_time",
];
const RESULT_FILES: &[&str] = &[
    "rates.csv",
    "times.csv",
    "hops.csv",
    "channels.csv",
    "authorities.csv",
    "gap.csv",
    "inconsistency.csv",
    "variants.csv",
    "cohorts.csv",
    "summary.txt",
    "manifest.json",
];
const COHORT: &str = "BFA children, cocoa farms in CIV";

#[test]
fn run_writes_every_table_with_the_contracted_columns() {
    let tmp = tempfile::tempdir().unwrap();
    refgap(["run", "scenarios/minimal.toml", "--trials", TRIALS, "--out"])
        .arg(tmp.path())
        .assert()
        .success()
        .stdout(predicate::str::contains("two countries"))
        .stdout(predicate::str::contains(COHORT))
        .stdout(predicate::str::contains("20000 trials, seed 7"))
        .stderr(predicate::str::contains("wrote"));
    let dir = tmp.path().join("minimal");
    let present: BTreeSet<String> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    for file in RESULT_FILES {
        assert!(present.contains(*file), "{file} missing from {present:?}");
    }

    // Headers: exactly the contract, then refgap's additions at the end.
    let with = |a: &[&'static str], b: &[&'static str]| [a, b].concat();
    let tables = [
        ("rates.csv", RATES.to_vec()),
        ("times.csv", TIMES.to_vec()),
        ("hops.csv", HOPS.to_vec()),
        ("channels.csv", with(CHANNELS, CHANNELS_EXTRA)),
        ("authorities.csv", AUTHORITIES.to_vec()),
        ("gap.csv", with(GAP, GAP_EXTRA)),
        ("inconsistency.csv", with(INCONSISTENCY, INCONSISTENCY_EXTRA)),
    ];
    for (file, columns) in &tables {
        let text = fs::read_to_string(dir.join(file)).unwrap();
        assert_eq!(text.lines().next().unwrap(), columns.join(","), "{file} header");
        assert!(!text.contains('\r'), "{file}: plain \\n line ends");
    }

    let scenario = Scenario::load(&bundled("minimal.toml")).unwrap();
    let victims = scenario.cohorts()[0].victims;

    // rates.csv: every measure for group `all`, rates and intervals consistent.
    let rates = read_csv(&dir.join("rates.csv"));
    let all: Vec<&Row> = rates.iter().filter(|r| r["group"] == "all").collect();
    let measures: BTreeSet<&str> = all.iter().map(|r| r["measure"].as_str()).collect();
    assert_eq!(measures, MEASURES.iter().copied().collect(), "measures of group all");
    assert_eq!(all.len(), MEASURES.len(), "one row per measure for group all");
    for r in &rates {
        assert_eq!(r["variant"], "baseline");
        assert_eq!(r["cohort"], COHORT);
        let trials = num(r, "trials");
        let (Some(count), Some(rate)) = (opt(r, "count"), opt(r, "rate")) else {
            continue;
        };
        let (lo, hi) = (num(r, "ci_low"), num(r, "ci_high"));
        assert!((0.0..=1.0).contains(&rate), "rate out of [0, 1]: {r:?}");
        assert!(0.0 <= lo && lo <= rate && rate <= hi && hi <= 1.0, "interval: {r:?}");
        assert!((rate - count / trials).abs() < 1e-12, "rate = count / trials: {r:?}");
    }
    for r in &all {
        assert_eq!(r["key"], "*");
        assert_eq!(num(r, "trials"), 20000.0);
        let rate = num(r, "rate");
        let vpy = num(r, "victims_per_year");
        assert!(
            (vpy - rate * victims).abs() <= 1e-9 * victims,
            "victims_per_year = rate × {victims}: {r:?}"
        );
    }
    let rate_of = |m: &str| num(all.iter().find(|r| r["measure"] == m).unwrap(), "rate");
    let outcomes: f64 = ["unidentified", "closed", "lost", "dropped", "misclassified", "stalled"]
        .iter()
        .map(|m| rate_of(m))
        .sum();
    assert!((outcomes - 1.0).abs() < 1e-9, "outcome rates sum to 1, got {outcomes}");
    assert!((rate_of("identified") + rate_of("unidentified") - 1.0).abs() < 1e-9);
    assert!(rate_of("completed") <= rate_of("protected"));
    let groups: BTreeSet<(&str, &str)> = rates.iter().map(|r| (r["group"].as_str(), r["key"].as_str())).collect();
    assert!(groups.contains(&("entry", "CIV.labour")), "{groups:?}");
    assert!(groups.contains(&("country", "CIV")), "{groups:?}");

    // times.csv: ordered quantiles, counts within the trials.
    let times = read_csv(&dir.join("times.csv"));
    assert!(
        times
            .iter()
            .any(|r| r["group"] == "all" && r["milestone"] == "protection")
    );
    for r in &times {
        assert!(num(r, "n") <= 20000.0, "{r:?}");
        if let (Some(mean), Some(p50), Some(p90)) = (opt(r, "mean"), opt(r, "p50"), opt(r, "p90")) {
            assert!(mean >= 0.0 && 0.0 <= p50 && p50 <= p90, "{r:?}");
        }
    }

    // channels.csv: the leak map, one row per channel for the cohort, then the same for `*`
    // (one cohort: the same figures).
    let channels = read_csv(&dir.join("channels.csv"));
    let ids: Vec<(&str, &str)> = channels
        .iter()
        .map(|r| (r["cohort"].as_str(), r["channel"].as_str()))
        .collect();
    assert_eq!(
        ids,
        [
            (COHORT, "CIV.labour->CIV.shelter"),
            (COHORT, "CIV.shelter->BFA.social"),
            ("*", "CIV.labour->CIV.shelter"),
            ("*", "CIV.shelter->BFA.social")
        ]
    );
    // The channel's metadata, as the scenario says (both channels are informal).
    let meta: Vec<[&str; 4]> = channels
        .iter()
        .map(|r| {
            [
                r["from_country"].as_str(),
                r["to_country"].as_str(),
                r["cross_border"].as_str(),
                r["formal"].as_str(),
            ]
        })
        .collect();
    let local = ["CIV", "CIV", "false", "false"];
    let border = ["CIV", "BFA", "true", "false"];
    assert_eq!(meta, [local, border, local, border]);
    let channels: Vec<Row> = channels.into_iter().filter(|r| r["cohort"] == COHORT).collect();
    let mut shares = 0.0;
    for r in &channels {
        assert!(
            num(r, "losses") <= num(r, "failures") && num(r, "failures") <= num(r, "attempts"),
            "{r:?}"
        );
        shares += opt(r, "loss_share").unwrap_or(0.0);
    }
    assert!((shares - 1.0).abs() < 1e-9, "loss shares sum to 1, got {shares}");

    // gap.csv: perfect minus actual, inside its interval.
    let gap = read_csv(&dir.join("gap.csv"));
    // The cohort's row, then the all-cohorts `*` row, which repeats it with one cohort.
    assert_eq!(gap.len(), 2);
    let g = &gap[0];
    let star = &gap[1];
    assert_eq!(star["cohort"], "*");
    for col in [
        "completed_actual",
        "completed_perfect",
        "gap",
        "ci_low",
        "ci_high",
        "gap_victims_per_year",
    ] {
        assert!((num(star, col) - num(g, col)).abs() < 1e-12, "{col}: {star:?} vs {g:?}");
    }
    assert_eq!(g["cohort"], COHORT);
    let diff = num(g, "completed_perfect") - num(g, "completed_actual");
    assert!((num(g, "gap") - diff).abs() < 1e-12, "{g:?}");
    assert!(
        num(g, "ci_low") <= num(g, "gap") && num(g, "gap") <= num(g, "ci_high"),
        "{g:?}"
    );
    assert!(
        num(g, "ci_low") > 0.0,
        "minimal.toml has imperfect channels: the gap is positive: {g:?}"
    );
    assert!((num(g, "completed_actual") - rate_of("completed")).abs() < 1e-12);

    // inconsistency.csv: one entry point in one country, so nothing to compare: the measure
    // does not apply and the table has no row (only its header).
    let inconsistency = fs::read_to_string(dir.join("inconsistency.csv")).unwrap();
    assert_eq!(inconsistency.lines().count(), 1, "{inconsistency}");

    // manifest.json records what the results depend on.
    let manifest: serde_json::Value = serde_json::from_slice(&fs::read(dir.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["tool"], "refgap");
    assert_eq!(manifest["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(manifest["seed"], 7);
    assert_eq!(manifest["trials"], 20000);
    assert!(manifest["block_trials"].as_u64().is_some_and(|b| b > 0), "{manifest}");
    assert_eq!(manifest["scenario"]["sha256"], scenario.source().sha256.as_str());
    assert_eq!(manifest["variants"][0]["name"], "baseline");
    assert_eq!(manifest["variants"].as_array().map(Vec::len), Some(1));
    assert_eq!(manifest["cohorts"][0]["trials"], 20000);
    assert_eq!(manifest["cohorts"][0]["stop"], "trials");
    assert_eq!(manifest["random_numbers"], "common");
    assert_eq!(manifest["cohorts"][0]["name"], COHORT);
}

#[test]
fn quiet_prints_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    refgap(["run", "scenarios/minimal.toml", "--quiet", "--trials", "2000", "--out"])
        .arg(tmp.path())
        .assert()
        .success()
        .stdout(predicate::str::is_empty())
        .stderr(predicate::str::is_empty());
    assert!(
        tmp.path().join("minimal").join("manifest.json").is_file(),
        "--quiet still writes the results"
    );
}

#[test]
fn check_accepts_a_valid_scenario() {
    refgap(["check", "scenarios/minimal.toml"])
        .assert()
        .success()
        .stdout(predicate::str::contains("two countries"))
        .stdout(predicate::str::contains("valid"))
        .stdout(predicate::str::contains(COHORT));
}

#[test]
fn check_rejects_a_bad_fixture_naming_the_file_and_key() {
    refgap(["check"])
        .arg(fixture("bad_quality.toml"))
        .assert()
        .failure()
        .stdout(predicate::str::contains("valid").not())
        .stderr(predicate::str::contains("bad_quality.toml"))
        .stderr(predicate::str::contains("CIV.labour->CIV.shelter"))
        .stderr(predicate::str::contains("quality"))
        .stderr(predicate::str::contains("not a probability"));
}

#[test]
fn run_on_a_bad_file_fails_and_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    refgap(["run", "--trials", "1000", "--out"])
        .arg(tmp.path())
        .arg(fixture("bad_fidelity.toml"))
        .assert()
        .failure()
        .stderr(predicate::str::contains("bad_fidelity.toml"))
        .stderr(predicate::str::contains("fidelity"));
    assert_eq!(
        entries(tmp.path()),
        Vec::<String>::new(),
        "no results folder for a bad scenario"
    );
}

#[test]
fn a_bad_file_in_a_batch_stops_the_batch_before_any_run() {
    let tmp = tempfile::tempdir().unwrap();
    refgap(["run", "scenarios/minimal.toml", "--trials", "1000", "--out"])
        .arg(tmp.path())
        .arg(fixture("bad_kind.toml"))
        .assert()
        .failure()
        .stderr(predicate::str::contains("bad_kind.toml"))
        .stderr(predicate::str::contains("kind"));
    assert_eq!(
        entries(tmp.path()),
        Vec::<String>::new(),
        "the valid scenario must not run either"
    );
}

#[test]
fn a_batch_writes_one_folder_per_scenario() {
    let tmp = tempfile::tempdir().unwrap();
    refgap(["run", "scenarios/minimal.toml", "--trials", "2000", "--out"])
        .arg(tmp.path())
        .arg(fixture("tables_ok.toml"))
        .assert()
        .success()
        .stdout(predicate::str::contains("two countries"))
        .stdout(predicate::str::contains("tables ok"));
    assert_eq!(entries(tmp.path()), ["minimal", "tables_ok"]);
    for folder in ["minimal", "tables_ok"] {
        for file in RESULT_FILES {
            assert!(tmp.path().join(folder).join(file).is_file(), "{folder}/{file} missing");
        }
    }
}

#[test]
fn two_scenarios_with_the_same_name_in_one_batch_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let other = tmp.path().join("copy");
    fs::create_dir(&other).unwrap();
    fs::copy(bundled("minimal.toml"), other.join("minimal.toml")).unwrap();
    let out = tmp.path().join("out");
    refgap(["run", "scenarios/minimal.toml", "--trials", "1000", "--out"])
        .arg(&out)
        .arg(other.join("minimal.toml"))
        .assert()
        .failure()
        .stderr(predicate::str::contains("would both write to"))
        .stderr(predicate::str::contains("minimal"))
        .stderr(predicate::str::contains("--out"));
    assert!(
        !out.join("minimal").exists(),
        "nothing written when the batch is refused"
    );
}

#[test]
fn the_seed_decides_the_results_byte_for_byte() {
    let tmp = tempfile::tempdir().unwrap();
    let run = |seed: &str, out: &str| {
        refgap([
            "run",
            "scenarios/minimal.toml",
            "--quiet",
            "--trials",
            "5000",
            "--seed",
            seed,
            "--out",
        ])
        .arg(tmp.path().join(out))
        .assert()
        .success();
        tmp.path().join(out).join("minimal")
    };
    let first = run("11", "a");
    let again = run("11", "b");
    let other = run("12", "c");
    for file in RESULT_FILES {
        assert_eq!(
            fs::read(first.join(file)).unwrap(),
            fs::read(again.join(file)).unwrap(),
            "{file} differs between two runs with the same seed"
        );
    }
    assert_ne!(
        fs::read(first.join("rates.csv")).unwrap(),
        fs::read(other.join("rates.csv")).unwrap(),
        "another seed must give other results"
    );
    let manifest: serde_json::Value = serde_json::from_slice(&fs::read(other.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["seed"], 12);
    assert_eq!(manifest["trials"], 5000);
}

#[test]
fn zero_trials_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    refgap(["run", "scenarios/minimal.toml", "--trials", "0", "--out"])
        .arg(tmp.path())
        .assert()
        .failure()
        .stderr(predicate::str::contains("--trials"))
        .stderr(predicate::str::contains("0 is out of range"))
        .stderr(predicate::str::contains("use 1 to"));
    assert_eq!(entries(tmp.path()), Vec::<String>::new());
}

#[test]
fn an_earlier_results_folder_is_replaced_whole_and_no_partial_folder_is_left() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("minimal");
    fs::create_dir(&dir).unwrap();
    fs::write(dir.join("stale.csv"), "from an earlier run\n").unwrap();
    fs::write(dir.join("rates.csv"), "old\n").unwrap();
    // An earlier refgap result (say of a version that wrote `stale.csv`): its manifest lists it.
    fs::write(
        dir.join("manifest.json"),
        r#"{"tool": "refgap", "files": ["stale.csv", "rates.csv"]}"#,
    )
    .unwrap();
    refgap(["run", "scenarios/minimal.toml", "--quiet", "--trials", "2000", "--out"])
        .arg(tmp.path())
        .assert()
        .success();
    assert!(!dir.join("stale.csv").exists(), "files of the earlier run must go");
    let rates = fs::read_to_string(dir.join("rates.csv")).unwrap();
    assert!(
        rates.starts_with(&RATES.join(",")),
        "rates.csv was not rewritten: {rates:?}"
    );
    let mut expected: Vec<String> = RESULT_FILES.iter().map(|f| f.to_string()).collect();
    expected.sort();
    assert_eq!(entries(&dir), expected);
    // Only the results folder itself: no `.minimal.partial-*` staging or `.minimal.old-*` folder.
    assert_eq!(entries(tmp.path()), ["minimal"]);
}

#[test]
fn help_lists_the_subcommands() {
    refgap(["--help"])
        .assert()
        .success()
        .stdout(predicate::str::contains("run"))
        .stdout(predicate::str::contains("check"))
        .stdout(predicate::str::is_match(r"(?m)^\s+run\s").unwrap())
        .stdout(predicate::str::is_match(r"(?m)^\s+check\s").unwrap());
}

/// `refgap exact` writes `exact.csv` and `ranking.csv` with the contracted columns into
/// `<out>/<name>-exact/`, every probability in [0, 1], the ranking complete, and prints the
/// top-channel table.
#[test]
fn exact_writes_probabilities_and_a_complete_ranking() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().to_str().unwrap();
    refgap(["exact", "scenarios/talibe.toml", "--out", out])
        .assert()
        .success()
        .stdout(predicate::str::contains("top channels"))
        .stdout(predicate::str::contains("SEN.ngo->SEN.social"));
    let dir = tmp.path().join("talibe-exact");
    assert_eq!(
        entries(&dir),
        vec!["exact.csv", "exact_comparisons.csv", "manifest.json", "ranking.csv"]
    );
    let header = |f: &str| {
        fs::read_to_string(dir.join(f))
            .unwrap()
            .lines()
            .next()
            .unwrap()
            .to_owned()
    };
    assert_eq!(header("exact.csv"), "variant,cohort,group,key,measure,probability");
    assert_eq!(
        header("ranking.csv"),
        "cohort,channel,from,to,completed_if_perfect,gain_if_perfect,completed_if_cut,loss_if_cut,rank,\
         gain_victims_per_year,loss_victims_per_year"
    );
    let exact = read_csv(&dir.join("exact.csv"));
    for row in &exact {
        // The chain has no clock: protected_in_time does not apply, so it has no row.
        assert_ne!(row["measure"], "protected_in_time", "{row:?}");
        let p = num(row, "probability");
        assert!((-1e-12..=1.0 + 1e-12).contains(&p), "{row:?}");
    }
    assert!(exact.iter().any(|r| r["variant"] == "perfect_communication"));
    let ranking = read_csv(&dir.join("ranking.csv"));
    // 12 channels for each of 3 cohorts and for all cohorts together, ranks 1..=12 in each.
    assert_eq!(ranking.len(), 12 * 4);
    for cohort in ["*", "SEN talibé children"] {
        let mut ranks: Vec<u64> = ranking
            .iter()
            .filter(|r| r["cohort"] == cohort)
            .map(|r| num(r, "rank") as u64)
            .collect();
        ranks.sort_unstable();
        assert_eq!(ranks, (1..=12).collect::<Vec<_>>(), "{cohort}");
    }
}

/// `run --check-exact` prints, for each cohort, how far the simulation is from the exact solution.
#[test]
fn run_check_exact_prints_z_scores() {
    let tmp = tempfile::tempdir().unwrap();
    refgap([
        "run",
        "scenarios/minimal.toml",
        "--trials",
        "20000",
        "--check-exact",
        "--out",
        tmp.path().to_str().unwrap(),
    ])
    .assert()
    .success()
    .stdout(predicate::str::contains("exact check"))
    .stdout(predicate::str::is_match(r"max \|z\| = \d+\.\d\d").unwrap());
}

/// `refgap bench` times one thread and all threads and reports rates, ns/trial and memory.
#[test]
fn bench_reports_rates_for_one_and_all_threads() {
    refgap(["bench", "scenarios/minimal.toml", "--trials", "5000", "--rounds", "2"])
        .assert()
        .success()
        .stdout(predicate::str::contains("trials/s"))
        .stdout(predicate::str::contains("ns/trial"))
        .stdout(predicate::str::is_match(r"(?m)^\s+1\s+\d+\.\d\d M").unwrap())
        .stdout(predicate::str::contains("peak memory"));
}

/// A scenario with interventions and a sweep runs in one command: the summary ranks the
/// variants with intervals, `comparisons.csv` holds paired rows for every variant (and `*`), every
/// table has one row set per variant, and `--precision` records its stop in the manifest.
#[test]
fn variants_run_in_one_command_with_a_ranked_summary_and_comparisons() {
    let tmp = tempfile::tempdir().unwrap();
    let out = refgap(["run", "scenarios/talibe.toml", "--trials", "20000", "--out"])
        .arg(tmp.path())
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    assert!(text.contains("variants ranked by completed victims per year"), "{text}");
    let s = Scenario::load(&bundled("talibe.toml")).unwrap();
    for v in s.variants() {
        assert!(
            text.contains(v.name.as_str()),
            "{} missing from the ranking:\n{text}",
            v.name
        );
    }
    let dir = tmp.path().join("talibe");
    let comparisons = read_csv(&dir.join("comparisons.csv"));
    let names: BTreeSet<&str> = comparisons.iter().map(|r| r["variant"].as_str()).collect();
    assert_eq!(names.len(), s.variants().len());
    assert!(comparisons.iter().all(|r| r["method"] == "paired"));
    let star = comparisons
        .iter()
        .filter(|r| r["cohort"] == "*" && r["measure"] == "completed")
        .count();
    assert_eq!(star, s.variants().len());
    for r in &comparisons {
        let (d, lo, hi) = (num(r, "difference"), num(r, "ci_low"), num(r, "ci_high"));
        assert!(lo <= d && d <= hi, "{r:?}");
    }
    let gap_variants: BTreeSet<String> = read_csv(&dir.join("gap.csv"))
        .into_iter()
        .map(|r| r["variant"].clone())
        .collect();
    assert_eq!(gap_variants.len(), 1 + s.variants().len());
    let variants = read_csv(&dir.join("variants.csv"));
    assert_eq!(variants[0]["kind"], "baseline");
    assert!(
        variants
            .iter()
            .any(|r| r["kind"] == "sweep" && r["axis"] == "quality" && r["value"] == "0.6")
    );

    // The same with a target precision: the manifest says where and why each cohort stopped.
    refgap([
        "run",
        "scenarios/talibe.toml",
        "--precision",
        "0.01",
        "--trials",
        "1000000",
        "-q",
        "--out",
    ])
    .arg(tmp.path())
    .assert()
    .success();
    let manifest: serde_json::Value = serde_json::from_slice(&fs::read(dir.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["precision"], 0.01);
    for c in manifest["cohorts"].as_array().unwrap() {
        assert_eq!(c["stop"], "precision", "{c}");
        assert!(c["trials"].as_u64().unwrap() % 65_536 == 0, "{c}");
        assert!(c["max_half_width"].as_f64().unwrap() < 0.01, "{c}");
    }
}

/// `refgap exact` solves every variant too: `exact.csv` has their rows and
/// `exact_comparisons.csv` their exact differences, which agree with the paired simulated ones.
#[test]
fn exact_solves_every_variant() {
    let tmp = tempfile::tempdir().unwrap();
    refgap(["exact", "scenarios/talibe.toml", "-q", "--out"])
        .arg(tmp.path())
        .assert()
        .success();
    let dir = tmp.path().join("talibe-exact");
    let s = Scenario::load(&bundled("talibe.toml")).unwrap();
    let exact = read_csv(&dir.join("exact.csv"));
    for v in s.variants() {
        assert!(
            exact.iter().any(|r| r["variant"] == v.name),
            "{} missing from exact.csv",
            v.name
        );
    }
    let comparisons = read_csv(&dir.join("exact_comparisons.csv"));
    let completed: Vec<&Row> = comparisons
        .iter()
        .filter(|r| r["cohort"] == "*" && r["measure"] == "completed")
        .collect();
    assert_eq!(completed.len(), s.variants().len());
    for r in completed {
        let d = num(r, "difference");
        assert!((num(r, "variant_probability") - num(r, "baseline_probability") - d).abs() < 1e-12);
    }
}

/// An intervention file is applied with `--intervention`; its problems name that file, the
/// intervention and the change.
#[test]
fn intervention_files_are_applied_and_their_errors_name_them() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("forms.toml");
    fs::write(
        &file,
        "[[intervention]]\nname = \"forms\"\npractices = [{ standard_forms = {} }]\n",
    )
    .unwrap();
    refgap(["check", "scenarios/minimal.toml", "--intervention"])
        .arg(&file)
        .assert()
        .success()
        .stdout(predicate::str::contains("forms [intervention]"));
    fs::write(&file, "[[intervention]]\nname = \"forms\"\n[[intervention.change]]\nselect = { kind = \"police\" }\nset = { fidelity = 0.9 }\n").unwrap();
    refgap(["run", "scenarios/minimal.toml", "--intervention"])
        .arg(&file)
        .assert()
        .failure()
        .stderr(predicate::str::contains("forms.toml is not a valid intervention file"))
        .stderr(predicate::str::contains(
            "[[intervention]] #1 \"forms\" change #1 select: selects no channel",
        ));
}

/// One CSV row: column name -> cell.
type Row = HashMap<String, String>;

/// Reads a CSV file with the `csv` crate into rows keyed by column name.
fn read_csv(path: &Path) -> Vec<Row> {
    let mut reader = csv::Reader::from_path(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let headers = reader.headers().unwrap().clone();
    reader
        .records()
        .map(|r| {
            let r = r.unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            assert_eq!(r.len(), headers.len(), "{}: ragged row", path.display());
            headers
                .iter()
                .map(str::to_owned)
                .zip(r.iter().map(str::to_owned))
                .collect()
        })
        .collect()
}

/// A numeric cell, `None` when empty ("not applicable").
fn opt(row: &Row, column: &str) -> Option<f64> {
    let cell = row
        .get(column)
        .unwrap_or_else(|| panic!("no column {column} in {row:?}"));
    (!cell.is_empty()).then(|| cell.parse().unwrap_or_else(|e| panic!("{column} = {cell:?}: {e}")))
}

/// A numeric cell that must not be empty.
fn num(row: &Row, column: &str) -> f64 {
    opt(row, column).unwrap_or_else(|| panic!("{column} is empty in {row:?}"))
}

/// A scenario where the victim's own journey (a movement) loses more cases than the referral
/// after it: the terminal reports the movement's losses apart and names the referral as the
/// worst channel; `channels.csv` marks the movement (issue 13).
const JOURNEY: &str = r#"
[scenario]
name = "journey"
seed = 13

[[country]]
code = "AAA"

[[authority]]
id = "AAA.police"
country = "AAA"
kind = "police"
identification = 1.0

[[authority]]
id = "AAA.ngo"
country = "AAA"
kind = "ngo"

[[authority]]
id = "AAA.shelter"
country = "AAA"
kind = "shelter"
provides = ["protection"]
close = 1.0

[[channel]]
id = "crossing"
from = "AAA.police"
to = "AAA.ngo"
movement = true
quality = 0.5

[[channel]]
from = "AAA.ngo"
to = "AAA.shelter"
quality = 0.8

[[cohort]]
name = "travellers"
origin = "AAA"
age = "adult"
victims = 100
entry = [{ at = "AAA.police", share = 1.0 }]
"#;

#[test]
fn issue13_movement_losses_are_reported_apart() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("journey.toml");
    fs::write(&file, JOURNEY).unwrap();
    let out = refgap(["run", "--trials", "20000", "--out"])
        .arg(tmp.path())
        .arg(&file)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let stdout = String::from_utf8(out).unwrap();
    assert!(stdout.contains("lost in movement"), "{stdout}");
    let line = stdout.lines().find(|l| l.contains("travellers")).unwrap();
    // Half the victims are lost on the crossing, 0.5 × 0.2 = 10 % on the referral after it.
    assert!(line.contains("AAA.ngo->AAA.shelter"), "{line}");
    assert!(!line.contains("crossing"), "{line}");
    let rows = read_csv(&tmp.path().join("journey").join("channels.csv"));
    let movement = |id: &str| rows.iter().find(|r| r["channel"] == id).unwrap()["movement"].clone();
    assert_eq!(movement("crossing"), "true");
    assert_eq!(movement("AAA.ngo->AAA.shelter"), "false");
    // Perfect communication leaves the crossing alone: completed 0.5 with perfect referral.
    let gap = read_csv(&tmp.path().join("journey").join("gap.csv"));
    let perfect = num(&gap[0], "completed_perfect");
    let sd = (0.25f64 / 20_000.0).sqrt();
    assert!((perfect - 0.5).abs() < 4.5 * sd, "completed_perfect = {perfect}");
}
