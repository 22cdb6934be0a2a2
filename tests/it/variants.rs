//! Variants: selectors, interventions and toolbox practices, sweep expansion, common random
//! numbers and paired comparisons, the target-precision stop. Each is tested the way a user
//! meets it: an intervention file on a bundled scenario, read back from the variant's network,
//! the run's tallies or the report's tables.

use std::collections::BTreeSet;

use refgap::engine::{self, BLOCK_TRIALS, RunConfig, STAGE_BLOCKS, Stop};
use refgap::exact;
use refgap::model::Measure;
use refgap::report::Report;
use refgap::scenario::{Scenario, VariantKind};
use refgap::stats::interval::Z95;

use crate::exact_vs_mc::{Z_MAX, check_against_exact};
use crate::util::{bundled_baseline, simulate, simulate_on, with_variants};

fn talibe_with(text: &str) -> Scenario {
    let dir = tempfile::tempdir().unwrap();
    with_variants(bundled_baseline("talibe.toml"), dir.path(), text).unwrap_or_else(|e| panic!("{e}"))
}

/// Ids of the channels of the variant whose `retries` became 7 (the marker set by the test).
fn marked_channels(v: &Scenario) -> BTreeSet<String> {
    v.channels()
        .iter()
        .filter(|c| c.retries == 7)
        .map(|c| c.id.clone())
        .collect()
}

/// Every selector key, alone and combined, selects exactly the expected channels of the talibé
/// network (SEN speaks fr/wo, GIN fr, GNB pt: SEN–GNB is the only pair without a shared
/// language).
#[test]
fn each_selector_kind_selects_exactly_the_expected_channels() {
    let cases: &[(&str, &[&str])] = &[
        ("id = \"WAN SEN->GNB\"", &["WAN SEN->GNB"]),
        (
            "id = [\"WAN SEN->GNB\", \"GIN.border->GIN.social\"]",
            &["WAN SEN->GNB", "GIN.border->GIN.social"],
        ),
        ("from = \"SEN.iom\"", &["SEN.iom->GNB.social", "SEN.iom->GIN.social"]),
        (
            "to = \"SEN.social\"",
            &[
                "SEN.police->SEN.social",
                "SEN.border->SEN.social",
                "SEN.ngo->SEN.social",
            ],
        ),
        (
            "from_country = \"SEN\", to_country = \"GNB\"",
            &["WAN SEN->GNB", "SEN.iom->GNB.social"],
        ),
        ("between = [\"GIN\", \"SEN\"]", &["SEN.iom->GIN.social"]),
        ("country = \"GIN\"", &["SEN.iom->GIN.social", "GIN.border->GIN.social"]),
        (
            "kind = \"border\"",
            &[
                "SEN.border->SEN.police",
                "SEN.border->SEN.social",
                "GIN.border->GIN.social",
            ],
        ),
        (
            "from_kind = \"social\", to_kind = \"ngo\"",
            &["SEN.social->SEN.ngo", "GNB.social->GNB.ngo"],
        ),
        (
            "cross_border = true",
            &["WAN SEN->GNB", "SEN.iom->GNB.social", "SEN.iom->GIN.social"],
        ),
        ("formal = true", &["SEN.police->SEN.social", "WAN SEN->GNB"]),
        ("language_differs = true", &["WAN SEN->GNB", "SEN.iom->GNB.social"]),
        (
            "language_differs = false, cross_border = true",
            &["SEN.iom->GIN.social"],
        ),
        (
            "cross_border = true, formal = false",
            &["SEN.iom->GNB.social", "SEN.iom->GIN.social"],
        ),
        (
            "kind = [\"prosecutor\", \"intl_org\"], cross_border = false",
            &["SEN.police->SEN.prosecutor", "SEN.social->SEN.iom"],
        ),
    ];
    let mut text = String::new();
    for (i, (select, _)) in cases.iter().enumerate() {
        text += &format!(
            "[[intervention]]\nname = \"case {i}\"\n[[intervention.change]]\nselect = {{ {select} }}\nset = {{ retries = 7 }}\n\n"
        );
    }
    let s = talibe_with(&text);
    assert!(s.channels().iter().all(|c| c.retries != 7), "the marker must be new");
    for (i, (select, want)) in cases.iter().enumerate() {
        let v = &s.variants()[i];
        let want: BTreeSet<String> = want.iter().map(|x| x.to_string()).collect();
        assert_eq!(marked_channels(&v.scenario), want, "select = {{ {select} }}");
        // Nothing else changed.
        for (a, b) in s.channels().iter().zip(v.scenario.channels()) {
            if b.retries != 7 {
                assert_eq!(a, b, "select = {{ {select} }} changed an unselected channel");
            }
        }
    }
}

/// Authority parameters select authorities by id, country and kind.
#[test]
fn authority_selectors_select_exactly_the_expected_authorities() {
    let cases: &[(&str, &[&str])] = &[
        ("kind = \"social\"", &["SEN.social", "GNB.social", "GIN.social"]),
        ("country = [\"GNB\", \"GIN\"], kind = \"border\"", &["GIN.border"]),
        ("id = \"SEN.police\"", &["SEN.police"]),
        (
            "",
            &[
                "SEN.ngo",
                "SEN.police",
                "SEN.border",
                "SEN.social",
                "SEN.prosecutor",
                "SEN.iom",
                "GNB.social",
                "GNB.ngo",
                "GIN.border",
                "GIN.social",
            ],
        ),
    ];
    let mut text = String::new();
    for (i, (select, _)) in cases.iter().enumerate() {
        text += &format!(
            "[[intervention]]\nname = \"case {i}\"\n[[intervention.change]]\nselect = {{ {select} }}\nset = {{ close = 7 }}\n\n"
        );
    }
    let s = talibe_with(&text);
    for (i, (select, want)) in cases.iter().enumerate() {
        let got: BTreeSet<&str> = s.variants()[i]
            .scenario
            .authorities()
            .iter()
            .filter(|a| a.close == 7.0)
            .map(|a| a.id.as_str())
            .collect();
        assert_eq!(got, want.iter().copied().collect(), "select = {{ {select} }}");
    }
}

/// Operations combine as documented, practices expand into their changes, results outside the
/// valid range are clamped with a warning, and structural changes renumber correctly.
#[test]
fn operations_practices_and_structural_changes_do_what_they_say() {
    let s = talibe_with(
        r#"
[[intervention]]
name = "ops"
[[intervention.change]]
select = { id = "WAN SEN->GNB" }
scale = { quality = 0.5, delay = 2.0 }
add = { retries = 1 }
[[intervention.change]]
select = { id = "SEN.iom->GIN.social" }
at_least = { quality = 0.99 }
at_most = { fidelity = 0.1 }
[[intervention.change]]
select = { kind = "ngo" }
add = { identification = 0.9 }

[[intervention]]
name = "agreement"
practices = [{ bilateral_agreement = { countries = ["GNB", "SEN"], quality = 0.9, delay_scale = 0.25 } }]

[[intervention]]
name = "cut the iom office"
remove_authorities = ["SEN.iom"]

[[intervention]]
name = "slower iom"
[[intervention.change]]
select = { from = "SEN.iom" }
set = { "delay.min" = 70.0, "delay.max" = 90.0 }
"#,
    );
    // Both ends of a uniform delay move together, though `min` passes the old `max` midway.
    for c in s.variants()[3]
        .scenario
        .channels()
        .iter()
        .filter(|c| c.id.starts_with("SEN.iom"))
    {
        assert_eq!(
            c.delay,
            refgap::vocab::delay::Delay::Uniform { min: 70.0, max: 90.0 },
            "{}",
            c.id
        );
    }
    let base = |id: &str| s.channels().iter().find(|c| c.id == id).unwrap().clone();
    let ch = |v: usize, id: &str| {
        s.variants()[v]
            .scenario
            .channels()
            .iter()
            .find(|c| c.id == id)
            .unwrap()
            .clone()
    };
    let (wan, wan1) = (base("WAN SEN->GNB"), ch(0, "WAN SEN->GNB"));
    assert_eq!(wan1.quality, wan.quality * 0.5);
    assert_eq!(wan1.delay.mean(), wan.delay.mean() * 2.0);
    assert_eq!(wan1.retries, wan.retries + 1);
    let (gin, gin1) = (base("SEN.iom->GIN.social"), ch(0, "SEN.iom->GIN.social"));
    assert_eq!(gin1.quality, 0.99_f64.max(gin.quality));
    assert_eq!(gin1.fidelity, 0.1_f64.min(gin.fidelity));
    // identification + 0.9 passes 1 for SEN.ngo (0.5): clamped, and warned.
    let ngo = s.variants()[0]
        .scenario
        .authorities()
        .iter()
        .find(|a| a.id == "SEN.ngo")
        .unwrap()
        .identification;
    assert_eq!(ngo, 1.0);
    assert!(
        s.warnings()
            .iter()
            .any(|w| w.location.contains("\"ops\" change #3 add.identification") && w.message.contains("clamped")),
        "{:?}",
        s.warnings()
    );
    // The agreement: cross-border channels between SEN and GNB, both directions, and no other.
    for (b, a) in s.channels().iter().zip(s.variants()[1].scenario.channels()) {
        let pair = ["SEN.social", "SEN.iom", "GNB.social"];
        let between = b.cross_border
            && pair.contains(&s.authorities()[b.from].id.as_str())
            && s.authorities()[b.to].id.starts_with("GNB");
        if between {
            assert_eq!(a.quality, b.quality.max(0.9), "{}", b.id);
            assert!(
                (a.delay.mean() - 0.25 * b.delay.mean()).abs() < 1e-9 * b.delay.mean(),
                "{}",
                b.id
            );
        } else {
            assert_eq!(a, b);
        }
    }
    // Removing an authority removes its channels and renumbers the others.
    let cut = &s.variants()[2].scenario;
    assert_eq!(cut.authorities().len(), s.authorities().len() - 1);
    assert_eq!(cut.channels().len(), s.channels().len() - 3);
    for c in cut.channels() {
        let original = base(&c.id);
        assert_eq!(cut.authorities()[c.from].id, s.authorities()[original.from].id);
        assert_eq!(cut.authorities()[c.to].id, s.authorities()[original.to].id);
    }
    for (a, b) in s.cohorts().iter().zip(cut.cohorts()) {
        for (x, y) in a.entry.iter().zip(&b.entry) {
            assert_eq!(s.authorities()[x.0].id, cut.authorities()[y.0].id);
        }
    }
}

/// The focal-point practice adds one formal channel per ordered pair of coordination bodies
/// that has none (three countries: six ordered pairs, one of which exists already).
#[test]
fn focal_points_add_a_channel_per_missing_ordered_pair() {
    let mut text = String::from("[scenario]\nseed = 1\n");
    for code in ["MLI", "CIV", "BFA"] {
        text += &format!(
            "[[country]]\ncode = \"{code}\"\n[[authority]]\nid = \"{code}.coordination\"\ncountry = \"{code}\"\nkind = \"coordination\"\nclose = 1\n"
        );
    }
    text += "[[channel]]\nfrom = \"MLI.coordination\"\nto = \"CIV.coordination\"\nquality = 0.2\n";
    text += "[[cohort]]\nname = \"c\"\norigin = \"MLI\"\nage = \"child\"\nentry = [{ at = \"CIV.coordination\", share = 1 }]\n";
    text += "[[intervention]]\nname = \"focal\"\npractices = [{ focal_points = { quality = 0.75 } }]\n";
    let s = crate::util::scenario(&text);
    let v = &s.variants()[0].scenario;
    let added: BTreeSet<&str> = v.channels()[1..].iter().map(|c| c.id.as_str()).collect();
    let want: BTreeSet<&str> = [
        "MLI.coordination->BFA.coordination",
        "CIV.coordination->MLI.coordination",
        "CIV.coordination->BFA.coordination",
        "BFA.coordination->MLI.coordination",
        "BFA.coordination->CIV.coordination",
    ]
    .into_iter()
    .collect();
    assert_eq!(added, want);
    assert_eq!(
        v.channels()[0],
        s.channels()[0],
        "the existing channel is kept as it is"
    );
    assert!(
        v.channels()[1..]
            .iter()
            .all(|c| c.formal && c.quality == 0.75 && c.fidelity == 0.9)
    );
}

/// A variant whose changes change nothing gives exactly zero difference and zero discordant
/// pairs on every measure, and the same tables as the baseline.
#[test]
fn a_no_op_variant_gives_exactly_zero_difference() {
    let s = talibe_with(
        r#"
[[intervention]]
name = "no-op"
[[intervention.change]]
select = {}
scale = { quality = 1.0, fidelity = 1.0 }
add = { retries = 0 }
at_least = { weight = 0.000001 }
[[intervention.change]]
select = {}
at_most = { identification = 1.0 }
"#,
    );
    let result = simulate(&s, 30_000);
    let r = Report::new(&s, &result);
    assert!(!r.comparisons.is_empty());
    for c in &r.comparisons {
        assert_eq!(c.difference, 0.0, "{c:?}");
        assert_eq!(c.discordant_share, 0.0, "{c:?}");
        assert!(c.ci_low <= 0.0 && c.ci_high >= 0.0, "{c:?}");
    }
    let rows = |v: &str| -> Vec<String> {
        r.rates
            .iter()
            .filter(|x| x.variant == v)
            .map(|x| format!("{} {} {} {} {:?}", x.cohort, x.key, x.measure, x.trials, x.count))
            .collect()
    };
    assert_eq!(rows("baseline"), rows("no-op"));
}

/// With common random numbers, a variant's arm is exactly the run of the variant's network on
/// its own (same words for trial i), so every variant arm inherits the exact-solution checks.
#[test]
fn variant_arms_equal_runs_of_the_variant_networks_and_agree_with_the_exact_solution() {
    let s = Scenario::load(&crate::util::bundled("talibe.toml")).unwrap();
    assert!(s.variants().len() >= 4, "talibe.toml bundles interventions and a sweep");
    let result = simulate(&s, 40_000);
    for (i, v) in s.variants().iter().enumerate() {
        let alone = simulate(&v.scenario, 40_000);
        for (c, t) in alone.cohorts.iter().enumerate() {
            assert_eq!(t.entries, result.variants[i][c].entries, "{} / cohort {c}", v.name);
            assert_eq!(t.channels, result.variants[i][c].channels, "{} / cohort {c}", v.name);
        }
        if matches!(v.kind, VariantKind::Intervention) {
            check_against_exact(&v.scenario, 60_000);
        }
    }
}

/// Every paired difference of a variant against the baseline covers the exact difference
/// (exact solution of each network) at |z| = Z_MAX (see exact_vs_mc for the family-wise rate).
#[test]
fn paired_differences_cover_the_exact_differences() {
    let s = Scenario::load(&crate::util::bundled("talibe.toml")).unwrap();
    let result = simulate(&s, 100_000);
    let base = exact::solve(&s).unwrap();
    let mut checked = 0;
    for (i, v) in s.variants().iter().enumerate() {
        let ex = exact::solve(&v.scenario).unwrap();
        for (c, cohort) in s.cohorts().iter().enumerate() {
            let p0 = exact::ExactCohort::aggregate(&base[c].entries, cohort, |_| true);
            let p1 = exact::ExactCohort::aggregate(&ex[c].entries, cohort, |_| true);
            for m in Measure::ALL.into_iter().filter(|m| *m != Measure::ProtectedInTime) {
                let t = result.versus_baseline(i, c, m);
                let (d, lo, hi) = t.difference(Z_MAX);
                let want = p1[m.index()] - p0[m.index()];
                assert!(
                    lo - 1e-12 <= want && want <= hi + 1e-12,
                    "{} / {} / {}: simulated {d} [{lo}, {hi}], exact {want}",
                    v.name,
                    cohort.name,
                    m.name()
                );
                checked += 1;
            }
        }
    }
    assert!(checked > 200);
}

/// Sweep designs expand into the expected points: list, range, grid (first axis slowest),
/// Latin hypercube (one point per stratum of every axis, fixed by its seed) and CSV table.
#[test]
fn sweeps_expand_into_the_expected_points() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("design.csv"), "q,f\n0.3,0.9\n0.7,0.5\n").unwrap();
    let text = r#"
[[sweep]]
name = "list"
select = { cross_border = true }
parameter = "quality"
values = [0.1, 0.5]

[[sweep]]
name = "range"
select = { cross_border = true }
parameter = "delay"
op = "scale"
range = { from = 0.5, to = 1.5, points = 3 }

[[sweep]]
name = "grid"
[[sweep.axis]]
name = "q"
select = { cross_border = true }
parameter = "quality"
values = [0.2, 0.4]
[[sweep.axis]]
name = "f"
parameter = "fidelity"
range = { from = 0.5, to = 0.9, step = 0.2 }

[[sweep]]
name = "lhs"
design = "lhs"
points = 8
seed = 11
[[sweep.axis]]
name = "q"
select = { cross_border = true }
parameter = "quality"
range = { from = 0.0, to = 1.0 }
[[sweep.axis]]
name = "d"
parameter = "dropout_per_day"
range = { from = 0.0, to = 0.08 }

[[sweep]]
name = "table"
design = "csv"
file = "design.csv"
[[sweep.axis]]
name = "q"
select = { cross_border = true }
parameter = "quality"
[[sweep.axis]]
name = "f"
parameter = "fidelity"
"#;
    let s = with_variants(bundled_baseline("talibe.toml"), dir.path(), text).unwrap();
    let points = |sweep: &str| -> Vec<Vec<(String, f64)>> {
        s.variants()
            .iter()
            .filter_map(|v| match &v.kind {
                VariantKind::SweepPoint { sweep: name, values } if name == sweep => Some(values.clone()),
                _ => None,
            })
            .collect()
    };
    let p = |pairs: &[(&str, f64)]| pairs.iter().map(|(n, v)| (n.to_string(), *v)).collect::<Vec<_>>();
    assert_eq!(points("list"), vec![p(&[("quality", 0.1)]), p(&[("quality", 0.5)])]);
    assert_eq!(
        points("range"),
        vec![p(&[("delay", 0.5)]), p(&[("delay", 1.0)]), p(&[("delay", 1.5)])]
    );
    assert_eq!(
        points("grid"),
        vec![
            p(&[("q", 0.2), ("f", 0.5)]),
            p(&[("q", 0.2), ("f", 0.7)]),
            p(&[("q", 0.2), ("f", 0.9)]),
            p(&[("q", 0.4), ("f", 0.5)]),
            p(&[("q", 0.4), ("f", 0.7)]),
            p(&[("q", 0.4), ("f", 0.9)]),
        ]
    );
    assert_eq!(
        points("table"),
        vec![p(&[("q", 0.3), ("f", 0.9)]), p(&[("q", 0.7), ("f", 0.5)])]
    );
    assert!(s.variants().iter().any(|v| v.name == "grid: q=0.4, f=0.7"));
    // Latin hypercube: 8 points; on each axis exactly one value per eighth of the range.
    let lhs = points("lhs");
    assert_eq!(lhs.len(), 8);
    for (axis, width) in [(0, 1.0), (1, 0.08)] {
        let mut strata: Vec<usize> = lhs
            .iter()
            .map(|pt| (pt[axis].1 / width * 8.0).floor() as usize)
            .collect();
        strata.sort();
        assert_eq!(strata, (0..8).collect::<Vec<_>>(), "axis {axis}: {lhs:?}");
    }
    // The points depend on the seed only: the same seed again gives them, another does not.
    let again = with_variants(bundled_baseline("talibe.toml"), dir.path(), text).unwrap();
    assert_eq!(
        s.variants().iter().map(|v| &v.name).collect::<Vec<_>>(),
        again.variants().iter().map(|v| &v.name).collect::<Vec<_>>()
    );
    let other = with_variants(
        bundled_baseline("talibe.toml"),
        dir.path(),
        &text.replace("seed = 11", "seed = 12"),
    )
    .unwrap();
    assert_ne!(
        s.variants().iter().map(|v| &v.name).collect::<Vec<_>>(),
        other.variants().iter().map(|v| &v.name).collect::<Vec<_>>()
    );
    // And the sweep points change what they say: quality of the cross-border channels.
    let v = s.variants().iter().find(|v| v.name == "list: quality=0.1").unwrap();
    assert!(
        v.scenario
            .channels()
            .iter()
            .filter(|c| c.cross_border)
            .all(|c| c.quality == 0.1)
    );
}

/// Common random numbers make the paired interval of a single-channel intervention much
/// narrower than the interval from independent streams at equal trials. The widths follow the
/// normal approximation: independent variance `pa(1-pa)/n + pb(1-pb)/n`, paired variance
/// `(discordant share - d^2)/n`; the measured ratio must match that ratio within 10 %.
#[test]
fn common_random_numbers_narrow_the_paired_interval() {
    let s = talibe_with(
        "[[intervention]]\nname = \"WAN works\"\n[[intervention.change]]\nselect = { id = \"WAN SEN->GNB\" }\nat_least = { quality = 0.9 }\n",
    );
    let trials = 200_000;
    let crn = engine::run(&s, &RunConfig::new(s.seed(), trials), &|_| {});
    let ind = engine::run(
        &s,
        &RunConfig {
            independent: true,
            ..RunConfig::new(s.seed(), trials)
        },
        &|_| {},
    );
    let c = 0; // GNB cohort: the only one that uses the channel
    let paired = crn.versus_baseline(0, c, Measure::Completed);
    let unpaired = ind.versus_baseline(0, c, Measure::Completed);
    let width = |(_, lo, hi): (f64, f64, f64)| hi - lo;
    let w_crn = width(paired.difference(Z95));
    let w_ind = width(unpaired.difference_unpaired(Z95));
    let (pa, pb, d) = (paired.rate_a(), paired.rate_b(), paired.rate_b() - paired.rate_a());
    let predicted = ((pa * (1.0 - pa) + pb * (1.0 - pb)) / (paired.discordant_share() - d * d)).sqrt();
    let measured = w_ind / w_crn;
    eprintln!("CRN: paired width {w_crn:.5}, independent {w_ind:.5}, ratio {measured:.2}, predicted {predicted:.2}");
    assert!(w_crn < w_ind, "paired {w_crn} vs independent {w_ind}");
    assert!(
        (measured / predicted - 1.0).abs() < 0.1,
        "width ratio {measured:.2}, predicted {predicted:.2} (paired {w_crn:.5}, independent {w_ind:.5})"
    );
    // The cohorts the channel cannot reach are untouched in the paired run, not in the other.
    let sen = s.cohorts().len() - 1;
    assert_eq!(crn.versus_baseline(0, sen, Measure::Completed).discordant_share(), 0.0);
    assert!(ind.versus_baseline(0, sen, Measure::Completed).discordant_share() > 0.0);
}

/// With a target precision, each cohort stops at the first stage boundary where every paired
/// difference's half-width is below the target (the stage before was not), or at the cap; the
/// stop and the trials are recorded, and do not depend on threads.
#[test]
fn precision_stops_at_a_fixed_stage_boundary() {
    let s = Scenario::load(&crate::util::bundled("talibe.toml")).unwrap();
    let stage = STAGE_BLOCKS * BLOCK_TRIALS;
    let target = 0.004;
    let config = RunConfig {
        precision: Some(target),
        ..RunConfig::new(s.seed(), 40 * stage)
    };
    let pool = |n| rayon::ThreadPoolBuilder::new().num_threads(n).build().unwrap();
    let one = pool(1).install(|| engine::run(&s, &config, &|_| {}));
    let two = pool(2).install(|| engine::run(&s, &config, &|_| {}));
    assert_eq!(one, two);
    let horizon = s.horizon_days().is_some();
    for (c, stop) in one.stops.iter().enumerate() {
        assert_eq!(stop.reason, Stop::Precision, "cohort {c}: {stop:?}");
        assert_eq!(stop.trials % stage, 0);
        assert!(stop.half_width < target);
        // The same trials without a target give the same tallies, and one stage fewer was not
        // precise enough.
        let arms = |r: &engine::RunResult| -> Vec<refgap::stats::CohortTally> {
            (0..=s.variants().len()).map(|v| r.arm(v)[c].clone()).collect()
        };
        let fixed = engine::run(&s, &RunConfig::new(s.seed(), stop.trials), &|_| {});
        assert_eq!(arms(&fixed), arms(&one));
        if stop.trials > stage {
            let fewer = engine::run(&s, &RunConfig::new(s.seed(), stop.trials - stage), &|_| {});
            assert!(engine::max_half_width(&arms(&fewer), horizon, false) >= target);
        }
    }
    // A target out of reach stops at the cap, with the trials asked for.
    let capped = engine::run(
        &s,
        &RunConfig {
            precision: Some(1e-6),
            ..RunConfig::new(s.seed(), 70_000)
        },
        &|_| {},
    );
    assert!(
        capped
            .stops
            .iter()
            .all(|st| st.reason == Stop::Cap && st.trials == 70_000)
    );
}

/// Several variants, 1 and 2 threads: byte-identical comparisons (and every other table, in
/// `reproducible.rs`).
#[test]
fn comparisons_do_not_depend_on_threads() {
    let s = Scenario::load(&crate::util::bundled("talibe.toml")).unwrap();
    let csv = |threads| {
        let r = Report::new(&s, &simulate_on(&s, 30_001, threads));
        refgap::report::csv::to_csv(&r.comparisons)
    };
    assert_eq!(csv(1), csv(2));
}

/// An intervention removing a channel and an authority that share an id removed only the
/// channel, without a word (issue 13): both go now.
#[test]
fn removing_a_channel_and_an_authority_with_the_same_id_removes_both() {
    let text = std::fs::read_to_string(crate::util::bundled("minimal.toml"))
        .unwrap()
        .replacen(
            "from = \"CIV.labour\"\nto = \"CIV.shelter\"",
            "id = \"BFA.social\"\nfrom = \"CIV.labour\"\nto = \"CIV.shelter\"",
            1,
        )
        + "\n[[intervention]]\nname = \"both\"\nremove_channels = [\"BFA.social\"]\nremove_authorities = [\"BFA.social\"]\n";
    let s = crate::util::scenario(&text);
    assert_eq!(s.channels().len(), 2, "the channel named like an authority exists");
    let v = &s.variants()[0].scenario;
    let ids: Vec<&str> = v.authorities().iter().map(|a| a.id.as_str()).collect();
    assert_eq!(ids, ["CIV.labour", "CIV.shelter"], "the authority is removed");
    assert!(
        v.channels().is_empty(),
        "the named channel and the removed authority's channel are gone"
    );
}

/// Issue 13: `movement = true|false` selects the victim's own movements or the referrals; the
/// toolbox never changes a movement (and says so when asked to); an authority change cannot
/// select by it. On `europe-leg`, whose one movement is the secondary movement to France.
#[test]
fn issue13_movement_selector_and_practices_leave_movements_alone() {
    let movement = "ITA.ngo->FRA.ngo (secondary movement)";
    let base = bundled_baseline("europe-leg");
    let dir = tempfile::tempdir().unwrap();
    let text = r#"
[[intervention]]
name = "movements"
[[intervention.change]]
select = { movement = true }
set = { retries = 7 }

[[intervention]]
name = "referrals"
[[intervention.change]]
select = { movement = false }
set = { retries = 7 }

[[intervention]]
name = "forms"
practices = [{ standard_forms = {} }]
"#;
    let s = with_variants(base.clone(), dir.path(), text).unwrap_or_else(|e| panic!("{e}"));
    let all: BTreeSet<String> = base.channels().iter().map(|c| c.id.clone()).collect();
    let v = |name: &str| &s.variants().iter().find(|v| v.name == name).unwrap().scenario;
    assert_eq!(marked_channels(v("movements")), BTreeSet::from([movement.to_owned()]));
    let mut referrals = all.clone();
    referrals.remove(movement);
    assert_eq!(marked_channels(v("referrals")), referrals);
    for (a, b) in base.channels().iter().zip(v("forms").channels()) {
        if a.movement {
            assert_eq!(b.fidelity, a.fidelity, "standard forms left the movement as it is");
        } else {
            assert!(b.fidelity >= 0.95, "{}", a.id);
        }
    }

    let bad = r#"
[[intervention]]
name = "forms on the journey"
practices = [{ standard_forms = { select = { movement = true } } }]
"#;
    let e = with_variants(base.clone(), dir.path(), bad).unwrap_err().to_string();
    assert!(
        e.contains("select.movement") && e.contains("practices never change movements"),
        "{e}"
    );
    let bad = r#"
[[intervention]]
name = "authorities"
[[intervention.change]]
select = { movement = true }
set = { close = 1.0 }
"#;
    let e = with_variants(base, dir.path(), bad).unwrap_err().to_string();
    assert!(e.contains("select.movement") && e.contains("selects channels"), "{e}");
}
