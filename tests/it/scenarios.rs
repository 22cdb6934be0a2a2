//! Scenario files as users write them: every bundled scenario loads, every invalid fixture in
//! `tests/fixtures/` fails with a message that names the file, the place and the rule, the CSV
//! tables are read like TOML tables, and structural holes are warnings, not errors.

use std::collections::BTreeSet;
use std::fs;

use refgap::scenario::{AgeFilter, Scenario, VictimsFilter};
use refgap::vocab::Service;
use refgap::vocab::delay::Delay;
use sha2::{Digest, Sha256};

use crate::util::{bundled, fixture, root, scenario};

/// Every invalid fixture and what its error message must contain: the fixture's file name is
/// checked for all of them; the substrings locate the problem (table, id, key or line) and say
/// what is wrong and what is allowed.
const INVALID: &[(&str, &[&str])] = &[
    // TOML grammar and unknown keys: serde's message, located by line and key.
    (
        "bad_syntax.toml",
        &["line 5", "name = \"fixture", "invalid basic string", "expected `\"`"],
    ),
    (
        "bad_unknown_key_scenario.toml",
        &[
            "line 6",
            "seeds",
            "unknown field",
            "expected one of",
            "`seed`",
            "`trials`",
        ],
    ),
    (
        "bad_unknown_key_authority.toml",
        &[
            "line 24",
            "identifcation",
            "unknown field",
            "expected one of",
            "`identification`",
        ],
    ),
    (
        "bad_unknown_key_channel.toml",
        &["line 37", "qualty", "unknown field", "expected one of", "`quality`"],
    ),
    (
        "bad_delay_law.toml",
        &[
            "line 38",
            "gama",
            "unknown variant",
            "`fixed`",
            "`exponential`",
            "`gamma`",
            "`lognormal`",
            "`uniform`",
        ],
    ),
    // Ids and references.
    (
        "bad_duplicate_authority.toml",
        &[
            "[[authority]]",
            "\"CIV.labour\" id",
            "used by an earlier authority",
            "must be unique",
        ],
    ),
    (
        "bad_duplicate_country.toml",
        &[
            "[[country]]",
            "\"CIV\" code",
            "used by an earlier [[country]]",
            "must be unique",
        ],
    ),
    (
        "bad_duplicate_channel.toml",
        &[
            "[[channel]] #2",
            "CIV.labour->CIV.shelter",
            " id:",
            "used by an earlier channel",
            "distinct `id`s",
        ],
    ),
    (
        "bad_channel_unknown_authority.toml",
        &[
            "[[channel]]",
            "CIV.labour->CIV.shelterr",
            " to:",
            "\"CIV.shelterr\" is not an authority id",
            "fix the id",
        ],
    ),
    (
        "bad_authority_country.toml",
        &[
            "[[authority]]",
            "\"CIV.shelter\" country",
            "\"GHA\" is not a [[country]] code",
            "known: BFA, CIV",
        ],
    ),
    (
        "bad_cohort_origin.toml",
        &[
            "[[cohort]]",
            "\"CIV children\" origin",
            "\"NGA\" is not a [[country]] code",
            "known: BFA, CIV",
        ],
    ),
    (
        "bad_self_channel.toml",
        &[
            "[[channel]] #2",
            "CIV.shelter->CIV.shelter",
            " to:",
            "same authority as `from`",
            "another authority",
        ],
    ),
    // Probabilities.
    (
        "bad_identification.toml",
        &[
            "[[authority]]",
            "\"CIV.labour\" identification",
            "1.5",
            "not a probability",
            "from 0 to 1",
        ],
    ),
    (
        "bad_quality.toml",
        &[
            "[[channel]]",
            "CIV.labour->CIV.shelter",
            "quality",
            "1.2",
            "not a probability",
            "from 0 to 1",
        ],
    ),
    (
        "bad_quality_missing.toml",
        &[
            "[[channel]]",
            "CIV.labour->CIV.shelter",
            "quality: is missing",
            "quality = 0.8",
        ],
    ),
    (
        "bad_csv_quality.toml",
        &[
            "bad_csv_quality.csv line 2",
            "CIV.labour->CIV.shelter",
            "quality: is missing",
        ],
    ),
    (
        "bad_uncertain_twice.toml",
        &["[[uncertain]] #2 \"q\"", "name", "names two factors", "unique"],
    ),
    (
        "bad_uncertain_nothing.toml",
        &["[[uncertain]] #1 \"consulates\"", "select", "selects no authority"],
    ),
    (
        "bad_uncertain_range.toml",
        &[
            "[[uncertain]] #1 \"q\"",
            "range",
            "[0.9, 0.5] is empty or reversed",
            "lowest < highest",
        ],
    ),
    (
        "bad_uncertain_mode.toml",
        &[
            "[[uncertain]] #1 \"q\"",
            "dist.triangular.mode",
            "0.95 is outside the range [0.5, 0.9]",
        ],
    ),
    (
        "bad_observed_cohort.toml",
        &["[[observed]] #1 \"x\"", "cohort", "\"nobody\" is not a cohort"],
    ),
    (
        "bad_observed_key.toml",
        &[
            "[[observed]] #1 \"x\"",
            "key",
            "\"BFA\" is not a country of an entry point",
        ],
    ),
    (
        "bad_observed_measure.toml",
        &["[[observed]] #1 \"x\"", "measure", "protected_in_time needs a clock"],
    ),
    (
        "bad_fidelity.toml",
        &[
            "[[channel]]",
            "CIV.labour->CIV.shelter",
            "fidelity",
            "-0.1",
            "not a probability",
            "from 0 to 1",
        ],
    ),
    (
        "bad_assist_incomplete.toml",
        &[
            "[[authority]]",
            "\"CIV.shelter\" assist_incomplete",
            "2",
            "not a probability",
            "from 0 to 1",
        ],
    ),
    (
        "bad_quality_nan.toml",
        &[
            "[[channel]]",
            "CIV.labour->CIV.shelter",
            "quality",
            "NaN",
            "not a probability",
            "from 0 to 1",
        ],
    ),
    // Rates, weights, counts.
    (
        "bad_dropout_negative.toml",
        &[
            "[[authority]]",
            "\"CIV.shelter\" dropout_per_day",
            "-0.01",
            "not allowed",
            "finite",
            ">= 0",
        ],
    ),
    (
        "bad_dropout_inf.toml",
        &[
            "[[authority]]",
            "\"CIV.shelter\" dropout_per_day",
            "inf",
            "not allowed",
            "finite",
            ">= 0",
        ],
    ),
    (
        "bad_close_nan.toml",
        &[
            "[[authority]]",
            "\"CIV.shelter\" close",
            "NaN",
            "not allowed",
            "finite",
            ">= 0",
        ],
    ),
    (
        "bad_weight_zero.toml",
        &[
            "[[channel]]",
            "CIV.labour->CIV.shelter",
            "weight",
            "0 is not allowed",
            "finite routing weight > 0",
        ],
    ),
    (
        "bad_weight_negative.toml",
        &[
            "[[channel]]",
            "CIV.labour->CIV.shelter",
            "weight",
            "-2",
            "not allowed",
            "finite routing weight > 0",
        ],
    ),
    (
        "bad_weight_inf.toml",
        &[
            "[[channel]]",
            "CIV.labour->CIV.shelter",
            "weight",
            "inf",
            "not allowed",
            "finite routing weight > 0",
        ],
    ),
    (
        "bad_victims_inf.toml",
        &[
            "[[cohort]]",
            "\"CIV children\" victims",
            "inf",
            "not allowed",
            "finite",
            ">= 0",
        ],
    ),
    (
        "bad_retries_negative.toml",
        &[
            "[[channel]]",
            "CIV.labour->CIV.shelter",
            "retries",
            "-1",
            "out of range",
            "whole number from 0 to 255",
        ],
    ),
    (
        "bad_retries_large.toml",
        &[
            "[[channel]]",
            "CIV.labour->CIV.shelter",
            "retries",
            "1000",
            "out of range",
            "whole number from 0 to 255",
        ],
    ),
    // Delay laws.
    (
        "bad_delay_negative_mean.toml",
        &[
            "[[channel]]",
            "CIV.labour->CIV.shelter",
            "delay",
            "exponential mean = -3",
            "must be a number of days from 0 to 36500",
        ],
    ),
    (
        "bad_delay_inf.toml",
        &[
            "[[channel]]",
            "CIV.labour->CIV.shelter",
            "delay",
            "fixed = inf",
            "must be a number of days from 0 to 36500",
        ],
    ),
    (
        "bad_gamma_shape.toml",
        &[
            "[[channel]]",
            "CIV.labour->CIV.shelter",
            "delay",
            "gamma shape = 0",
            "must be a number from 0.001 to 1e6",
        ],
    ),
    (
        "bad_gamma_shape_negative.toml",
        &[
            "[[channel]]",
            "CIV.labour->CIV.shelter",
            "delay",
            "gamma shape = -1.5",
            "must be a number from 0.001 to 1e6",
        ],
    ),
    (
        "bad_uniform.toml",
        &[
            "[[channel]]",
            "CIV.labour->CIV.shelter",
            "delay",
            "uniform min = 10",
            "greater than max = 5",
            "swap",
        ],
    ),
    (
        "bad_lognormal_median.toml",
        &[
            "[[channel]]",
            "CIV.labour->CIV.shelter",
            "delay",
            "lognormal median = 0",
            "must be a number of days > 0",
        ],
    ),
    // Accepted by the validator today, then the engine panics (histogram sum overflow): a delay
    // must be bounded, and the message should say so.
    (
        "bad_delay_huge.toml",
        &["[[channel]]", "CIV.labour->CIV.shelter", "delay", "fixed", "days"],
    ),
    // Cohorts and entry points.
    (
        "bad_entry_empty.toml",
        &["[[cohort]]", "\"CIV children\" entry", "is empty", "entry = [{ at = "],
    ),
    (
        "bad_entry_share_zero.toml",
        &[
            "[[cohort]]",
            "\"CIV children\" entry",
            "share = 0",
            "\"CIV.labour\"",
            "finite share > 0",
        ],
    ),
    (
        "bad_entry_share_negative.toml",
        &[
            "[[cohort]]",
            "\"CIV children\" entry",
            "share = -0.5",
            "\"CIV.shelter\"",
            "finite share > 0",
        ],
    ),
    (
        "bad_entry_unknown.toml",
        &[
            "[[cohort]]",
            "\"CIV children\" entry",
            "\"CIV.police\" is not an authority id",
            "fix the id",
        ],
    ),
    (
        "bad_no_cohorts.toml",
        &["[[cohort]]", "no cohorts", "add at least one [[cohort]]"],
    ),
    // Enumerated values.
    (
        "bad_kind.toml",
        &[
            "[[authority]]",
            "\"CIV.labour\" kind",
            "unknown value \"polce\"",
            "use one of",
            "police",
            "intl_org",
            "health",
        ],
    ),
    (
        "bad_provides.toml",
        &[
            "[[authority]]",
            "\"CIV.shelter\" provides",
            "unknown value \"shelter\"",
            "protection, return, reintegration",
        ],
    ),
    (
        "bad_when_victims.toml",
        &[
            "[[channel]]",
            "CIV.labour->CIV.shelter",
            "when.victims",
            "unknown value \"foreigners\"",
            "national, foreign, any",
        ],
    ),
    // [scenario].
    (
        "bad_missing_seed.toml",
        &["[scenario] seed", "is missing", "seed = <integer>"],
    ),
    (
        "bad_trials_zero.toml",
        &["[scenario] trials", "0 is out of range", "use 1 to"],
    ),
    (
        "bad_max_hops_zero.toml",
        &["[scenario] max_hops", "0 is out of range", "use 1 to 4096"],
    ),
    (
        "bad_horizon_negative.toml",
        &[
            "[scenario] horizon_days",
            "-5",
            "not allowed",
            "finite number of days > 0",
            "remove the key",
        ],
    ),
    (
        "bad_horizon_nan.toml",
        &[
            "[scenario] horizon_days",
            "NaN",
            "not allowed",
            "finite number of days > 0",
        ],
    ),
    // Interventions, practices and sweeps: each names the intervention (or sweep) and the change.
    (
        "bad_intervention.toml",
        &[
            "[[intervention]] #1 \"cross-border forms\" change #1 select",
            "selects no channel",
        ],
    ),
    (
        "bad_intervention_parameter.toml",
        &[
            "[[intervention]] #1 \"faster\" change #1 set.speed",
            "unknown parameter \"speed\"",
            "quality, fidelity",
        ],
    ),
    (
        "bad_intervention_range.toml",
        &[
            "[[intervention]] #1 \"better labour referral\" change #1 set.quality",
            "1.2 is out of range",
            "from 0 to 1",
        ],
    ),
    (
        "bad_intervention_remove.toml",
        &[
            "[[intervention]] #1 \"cut\" remove_channels",
            "\"CIV.labour->BFA.social\" is not a channel id",
        ],
    ),
    (
        "bad_intervention_mixed.toml",
        &[
            "[[intervention]] #1 \"training and forms\" change #1",
            "mixes channel and authority parameters",
            "write two changes",
        ],
    ),
    (
        "bad_intervention_entry.toml",
        &[
            "[[intervention]] #1 \"close labour inspection\" remove_authorities",
            "entry point of cohort \"CIV children\"",
        ],
    ),
    (
        "bad_intervention_weights.toml",
        &[
            "[[intervention]] #1 \"heavy\"",
            "weights of \"CIV.labour\" add up to more than the largest number",
        ],
    ),
    (
        "bad_intervention_remove_twice.toml",
        &["[[intervention]] #1 \"cut\" remove_channels", "is listed twice"],
    ),
    (
        "bad_sweep_step.toml",
        &["[[sweep]] #1 \"fine\" range", "more than 10000 values", "larger step"],
    ),
    (
        "bad_practice_country.toml",
        &[
            "[[intervention]] #1 \"agreement\" practices #1 countries",
            "\"MLI\" is not a [[country]] code",
        ],
    ),
    ("bad_sweep.toml", &["[[sweep]] #1 \"quality\" parameter", "is missing"]),
    (
        "bad_sweep_range.toml",
        &["[[sweep]] #1 \"quality\" range", "step = -0.2", "sign of to - from"],
    ),
    (
        "bad_variant_name.toml",
        &["[[intervention]] #2 \"forms\" name", "already the name of a variant"],
    ),
    // CSV tables.
    (
        "bad_csv_missing.toml",
        &[
            "[tables] authorities",
            "cannot read",
            "no_such_authorities.csv",
            "relative to the folder of the file that names them",
        ],
    ),
    (
        "bad_csv_unknown_column.toml",
        &[
            "bad_csv_unknown_column.csv",
            "identifcation",
            "unknown field",
            "expected one of",
            "`identification`",
        ],
    ),
    // The row, the column and the bad value, and that a number is expected.
    (
        "bad_csv_number.toml",
        &["bad_csv_number.csv line 2", "identification", "high", "a number"],
    ),
    (
        "bad_csv_delay.toml",
        &[
            "bad_csv_delay_channels.csv line 2",
            "CIV.labour->CIV.shelter",
            "delay",
            "gama",
            "unknown variant",
            "`gamma`",
            "write it as in TOML",
        ],
    ),
];

#[test]
fn every_bundled_scenario_loads_and_validates() {
    let dir = root().join("scenarios");
    let mut found = Vec::new();
    for entry in fs::read_dir(&dir).expect("scenarios/ exists") {
        let path = entry.unwrap().path();
        let is_file = path.extension().is_some_and(|e| e == "toml") && path.is_file();
        let is_folder = path.is_dir() && path.join("scenario.toml").is_file();
        if is_file || is_folder {
            found.push(path);
        }
    }
    found.sort();
    assert!(
        found.contains(&bundled("minimal.toml")),
        "scenarios/minimal.toml not discovered in {found:?}"
    );
    for path in &found {
        let s = Scenario::load(path).unwrap_or_else(|e| panic!("bundled scenario {} is invalid:\n{e}", path.display()));
        assert!(!s.cohorts().is_empty(), "{}: no cohorts", path.display());
        assert!(!s.authorities().is_empty(), "{}: no authorities", path.display());
        assert!(s.trials() >= 1, "{}: no trials", path.display());
        assert_eq!(
            s.source().sha256.len(),
            64,
            "{}: source hash is not a SHA-256",
            path.display()
        );
    }
}

#[test]
fn every_invalid_fixture_fails_with_a_located_message() {
    let mut failures = Vec::new();
    for (name, expected) in INVALID {
        let path = fixture(name);
        assert!(path.is_file(), "fixture {name} is listed but missing");
        let outcome = std::panic::catch_unwind(|| Scenario::load(&path));
        let message = match outcome {
            Err(_) => {
                failures.push(format!("{name}: Scenario::load panicked"));
                continue;
            }
            Ok(Ok(_)) => {
                failures.push(format!("{name}: loaded as a valid scenario"));
                continue;
            }
            Ok(Err(e)) => e.to_string(),
        };
        // The expected words must come from the problem, not from the fixture's path.
        let problem = message.replace(&path.display().to_string(), "<fixture>");
        let mut missing: Vec<&str> = expected.iter().copied().filter(|s| !problem.contains(s)).collect();
        if !message.contains(name) {
            missing.insert(0, name);
        }
        // One problem per fixture: a second one would mean the fixture tests two things.
        if message.contains("is not a valid scenario") && !message.contains("(1 problem)") {
            missing.push("(1 problem)");
        }
        if !missing.is_empty() {
            failures.push(format!("{name}: missing {missing:?} in:\n{message}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} fixture(s) failed:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

#[test]
fn every_bad_fixture_is_in_the_table_and_every_table_csv_is_used() {
    let dir = fixture("");
    let names: BTreeSet<String> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    let listed: BTreeSet<&str> = INVALID.iter().map(|(n, _)| *n).collect();
    assert_eq!(listed.len(), INVALID.len(), "a fixture is listed twice in INVALID");
    let untested: Vec<&String> = names
        .iter()
        .filter(|n| n.starts_with("bad_") && n.ends_with(".toml") && !listed.contains(n.as_str()))
        .collect();
    assert!(untested.is_empty(), "fixtures not in INVALID: {untested:?}");
    let tomls: String = names
        .iter()
        .filter(|n| n.ends_with(".toml"))
        .map(|n| fs::read_to_string(dir.join(n)).unwrap())
        .collect();
    let orphans: Vec<&String> = names
        .iter()
        .filter(|n| n.ends_with(".csv") && !tomls.contains(n.as_str()))
        .collect();
    assert!(orphans.is_empty(), "CSV fixtures no scenario names: {orphans:?}");
}

#[test]
fn csv_tables_load_like_toml_tables() {
    let path = fixture("tables_ok.toml");
    let s = Scenario::load(&path).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(s.name(), "tables ok");
    assert!(s.warnings().is_empty(), "unexpected warnings: {:?}", s.warnings());
    assert_eq!(s.countries().len(), 2);
    let ids: Vec<&str> = s.authorities().iter().map(|a| a.id.as_str()).collect();
    assert_eq!(ids, ["CIV.labour", "CIV.shelter", "BFA.social"]);
    assert_eq!(s.channels().len(), 2);

    // Authorities: values, `;`-separated `provides`, empty cells take the defaults.
    let code = |a: usize| s.countries()[s.authorities()[a].country].code.as_str();
    let labour = &s.authorities()[0];
    assert_eq!(code(0), "CIV");
    assert_eq!(labour.kind.name(), "labour");
    assert_eq!(labour.identification, 0.35);
    assert!(labour.provides.is_empty());
    assert_eq!(labour.assist_incomplete, 0.5, "default assist_incomplete");
    assert_eq!((labour.dropout_per_day, labour.close), (0.0, 0.0));
    let shelter = &s.authorities()[1];
    assert_eq!(shelter.kind.name(), "shelter");
    assert!(shelter.provides.contains(Service::Protection));
    assert!(!shelter.provides.contains(Service::Return));
    assert_eq!(shelter.identification, 0.0, "default identification");
    assert_eq!((shelter.assist_incomplete, shelter.dropout_per_day), (0.25, 0.01));
    let social = &s.authorities()[2];
    assert_eq!(code(2), "BFA");
    assert!(social.provides.contains(Service::Return) && social.provides.contains(Service::Reintegration));
    assert!(!social.provides.contains(Service::Protection));
    assert_eq!(social.close, 1.0);

    // First channel: no id column value (derived id), defaults.
    let first = &s.channels()[0];
    assert_eq!(first.id, "CIV.labour->CIV.shelter");
    assert_eq!((first.from, first.to), (0, 1));
    assert_eq!(first.quality, 0.8);
    assert_eq!(first.delay, Delay::Gamma { mean: 2.0, shape: 2.0 });
    assert_eq!((first.fidelity, first.weight, first.retries), (1.0, 1.0, 0));
    assert_eq!(
        (first.when_victims, first.when_age),
        (VictimsFilter::Any, AgeFilter::Any)
    );
    assert!(!first.any_origin && !first.formal && !first.cross_border);

    // Second channel: every column given.
    let second = &s.channels()[1];
    assert_eq!(second.id, "shelter-to-social");
    assert_eq!((second.from, second.to), (1, 2));
    assert_eq!(second.quality, 0.45);
    assert_eq!(
        second.delay,
        Delay::LogNormal {
            median: 30.0,
            sigma: 0.6
        }
    );
    assert_eq!((second.fidelity, second.weight, second.retries), (0.7, 2.5, 1));
    assert_eq!(second.when_victims, VictimsFilter::Foreign);
    assert_eq!(second.when_age, AgeFilter::Child);
    assert!(!second.any_origin);
    assert!(second.formal);
    assert!(second.cross_border, "CIV -> BFA is cross-border");

    // The cohort's entry point resolves into the CSV authorities; the goal follows the default
    // rule (entry abroad: every service).
    let cohort = &s.cohorts()[0];
    assert_eq!(cohort.entry, vec![(0, 1.0)]);
    assert!(Service::ALL.iter().all(|&sv| cohort.goal(0).contains(sv)));

    // The hash covers the TOML text followed by the tables, in the order read.
    let mut hasher = Sha256::new();
    for name in ["tables_ok.toml", "tables_ok_authorities.csv", "tables_ok_channels.csv"] {
        hasher.update(fs::read(fixture(name)).unwrap());
    }
    assert_eq!(s.source().sha256, format!("{:x}", hasher.finalize()));
}

#[test]
fn a_structural_hole_is_a_warning_naming_the_authority() {
    // Cases identified by the police reach the shelter, which has no way out and no close
    // weight: they stall there. That is worth a warning, not a refusal.
    let s = scenario(
        r#"
        [scenario]
        name = "hole"
        seed = 3
        trials = 1000

        [[country]]
        code = "CIV"

        [[authority]]
        id = "CIV.police"
        country = "CIV"
        kind = "police"
        identification = 0.6

        [[authority]]
        id = "CIV.shelter"
        country = "CIV"
        kind = "shelter"
        provides = ["protection"]

        [[channel]]
        from = "CIV.police"
        to = "CIV.shelter"
        quality = 0.9

        [[cohort]]
        name = "CIV adults"
        origin = "CIV"
        age = "adult"
        victims = 50
        entry = [{ at = "CIV.police", share = 1.0 }]
        "#,
    );
    let warnings: Vec<String> = s.warnings().iter().map(ToString::to_string).collect();
    let hole: Vec<&String> = warnings.iter().filter(|w| w.contains("\"CIV.shelter\"")).collect();
    assert_eq!(
        hole.len(),
        1,
        "expected one warning about CIV.shelter, got {warnings:?}"
    );
    for word in ["CIV adults", "stall", "structural hole", "close"] {
        assert!(hole[0].contains(word), "warning lacks {word:?}: {}", hole[0]);
    }
    assert!(
        !warnings.iter().any(|w| w.contains("\"CIV.police\"")),
        "CIV.police has a way out; no warning expected: {warnings:?}"
    );
}

#[test]
fn a_scenario_folder_loads_its_scenario_toml() {
    // `Scenario::load` accepts a folder holding `scenario.toml`, with tables beside it.
    let tmp = tempfile::tempdir().unwrap();
    let folder = tmp.path().join("csv-example");
    fs::create_dir(&folder).unwrap();
    for name in ["tables_ok_authorities.csv", "tables_ok_channels.csv"] {
        fs::copy(fixture(name), folder.join(name)).unwrap();
    }
    fs::copy(fixture("tables_ok.toml"), folder.join("scenario.toml")).unwrap();
    let s = Scenario::load(&folder).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(s.source().path, folder.join("scenario.toml"));
    assert_eq!((s.authorities().len(), s.channels().len()), (3, 2));
}
