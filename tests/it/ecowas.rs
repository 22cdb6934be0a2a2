//! The default regional scenario `scenarios/ecowas-2020` against the facts of docs/SOURCES.md
//! (source ids in brackets). The published figures it was calibrated to are not re-checked here
//! as pinned numbers: the scenario declares them as `[[observed]]` ranges, and the tests below
//! check the **plausible region** they define (the scenario as given is a plausible world; the
//! figures exclude a real part of the space of its `[[uncertain]]` factors; a world outside a
//! range is rejected by that figure), reading the ranges from the scenario itself. What remains
//! checks structure, orderings the sources state, and the one published time (the exact solver
//! has no clock, so times cannot be observed figures). Probabilities come from the exact
//! Markov-chain solution (no sampling noise); the one time check uses the simulation at a fixed
//! seed, where the sampling error of a mean over a few thousand returned cases (< 0.5 day) is
//! small beside the documented 29–48-day range.

use std::collections::BTreeMap;

use refgap::exact::{self, ExactCohort};
use refgap::model::{Measure, Milestone};
use refgap::scenario::observed::{Group, Observation};
use refgap::scenario::{Cohort, Scenario};
use refgap::stats::GroupTally;

use crate::util::{Regional, ecowas, refgap, simulate};

fn cohort_index(s: &Scenario, prefix: &str) -> usize {
    s.cohorts()
        .iter()
        .position(|c| c.name.starts_with(prefix))
        .unwrap_or_else(|| panic!("no cohort named \"{prefix}…\" in ecowas-2020"))
}

/// Country code of an authority.
fn country_of(s: &Scenario, authority: usize) -> &str {
    &s.countries()[s.authorities()[authority].country].code
}

/// Share-weighted probability of `m` over the entry points of `c` whose authority `keep` accepts.
fn over_entries(c: &Cohort, ex: &ExactCohort, keep: impl Fn(usize) -> bool, m: Measure) -> f64 {
    ExactCohort::aggregate(&ex.entries, c, |k| keep(c.entry[k].0))[m.index()]
}

/// The scenario loads with no problems; its size is the one documented in its README; the only
/// structural holes `refgap check` warns about are the intended ones (GIN/GNB prosecutors with
/// no victim referral, GNB consulate with no follow-through: returns done by an IO without
/// government support [T-GNB23]); and every cohort can reach its goal: exact completed
/// probability > 0 as it is, and > 0.2 with perfect communication (the pathways are complete,
/// not merely present).
#[test]
fn ecowas_loads_and_every_cohort_can_complete() {
    let Regional {
        baseline: s, solved, ..
    } = ecowas();
    assert_eq!(
        s.countries().len(),
        21,
        "15 ECOWAS states + MRT + LBY, ITA, FRA, KWT, LBN"
    );
    assert!(
        (150..=250).contains(&s.authorities().len()),
        "{} authorities",
        s.authorities().len()
    );
    assert!(
        (400..=900).contains(&s.channels().len()),
        "{} channels",
        s.channels().len()
    );
    assert!(s.cohorts().len() >= 20, "{} cohorts", s.cohorts().len());
    let intended = ["\"GIN.prosecutor\"", "\"GNB.prosecutor\"", "\"GNB.consulate\""];
    for w in s.warnings() {
        let text = w.to_string();
        assert!(
            intended.iter().any(|id| text.contains(id)),
            "unintended structural warning: {text}"
        );
    }
    for (c, ex) in s.cohorts().iter().zip(solved) {
        let actual = ExactCohort::aggregate(&ex.entries, c, |_| true);
        let perfect = ExactCohort::aggregate(&ex.perfect, c, |_| true);
        let (id, done, done_perfect) = (
            actual[Measure::Identified.index()],
            actual[Measure::Completed.index()],
            perfect[Measure::Completed.index()],
        );
        assert!(done > 0.0, "{}: completed = 0, the goal is unreachable", c.name);
        assert!(
            done_perfect / id > 0.2,
            "{}: only {:.3} of identified cases complete even with perfect communication",
            c.name,
            done_perfect / id
        );
        assert!(ex.beyond_max_hops < 1e-6, "{}: cases cycle beyond max_hops", c.name);
    }
}

/// CIV→BFA child repatriation took ≈29 days (intercepted 28 Nov 2018, handed over 27 Dec 2018
/// [C4, C5]) and ≈48 days (6 Feb → 26 Mar 2021 [C1, C2, C3]) from interception to handover;
/// SOURCES §6.4: "mean ~5 weeks, range 4–7". The simulated time to the `return` milestone (the
/// handover to the origin's reception) of BFA children who entered in CIV must have its mean and
/// its median within 29–48 days. Tolerance: the documented range itself (two cases); the
/// sampling error of the mean (~5,000 returns) is below 0.5 day.
#[test]
fn civ_to_bfa_child_repatriation_takes_29_to_48_days() {
    let s = &ecowas().baseline;
    let c = cohort_index(s, "BFA children, cocoa");
    let result = simulate(s, 100_000);
    let cohort = &s.cohorts()[c];
    let mut civ = GroupTally::default();
    for (k, tally) in result.cohorts[c].entries.iter().enumerate() {
        if country_of(s, cohort.entry[k].0) == "CIV" {
            civ.merge(tally);
        }
    }
    let returns = &civ.times[Milestone::Return.index()];
    assert!(returns.count() > 1_000, "only {} returns simulated", returns.count());
    let (mean, median) = (returns.mean().unwrap(), returns.quantile(0.5).unwrap());
    assert!((29.0..=48.0).contains(&mean), "mean time to return {mean:.1} days");
    assert!(
        (29.0..=48.0).contains(&median),
        "median time to return {median:.1} days"
    );
}

/// SOURCES §4 / §6.4: where an NRM or SOPs are in use (NGA, GHA, BEN [T-GHA20, T-NGA23,
/// T-BEN20]) nearly all identified victims are referred to a service; where procedures are
/// unevenly applied (SEN, BFA, SLE, GMB, TGO, LBR, NER [T-SLE18, T-GMB20, T-TGO21]) fewer; where
/// no procedure existed in 2020 (CIV, MLI, GIN, GNB, CPV, MRT) fewer still. The levels are
/// calibration values (SOURCES §6.4 calls them discounted starting values), so only the order
/// the sources state is checked: on the domestic cohorts (every entry in the origin country), at
/// the entry points that provide no service themselves (the government identifications those
/// shares count), P(protected) / P(identified), share-weighted, falls from class to class.
#[test]
fn in_country_referral_is_ordered_by_country_class() {
    let Regional {
        baseline: s, solved, ..
    } = ecowas();
    let class = |code: &str| match code {
        "NGA" | "GHA" | "BEN" => Some(0),
        "SEN" | "BFA" | "SLE" | "GMB" | "TGO" | "LBR" | "NER" => Some(1),
        "CIV" | "MLI" | "GIN" | "GNB" | "CPV" | "MRT" => Some(2),
        _ => None,
    };
    let mut sums = [(0.0, 0.0); 3]; // (protected, identified), share-weighted
    let mut per_country: BTreeMap<String, (f64, f64)> = BTreeMap::new();
    for (c, ex) in s.cohorts().iter().zip(solved) {
        let domestic = c.entry.iter().all(|&(a, _)| s.authorities()[a].country == c.origin);
        let Some(k) = class(&s.countries()[c.origin].code).filter(|_| domestic) else {
            continue;
        };
        let government = |a: usize| s.authorities()[a].provides.is_empty();
        let weight: f64 = c.entry.iter().filter(|e| government(e.0)).map(|e| e.1).sum();
        if weight == 0.0 {
            continue;
        }
        let total: f64 = c.entry.iter().map(|e| e.1).sum();
        let w = weight / total;
        let prot = w * over_entries(c, ex, government, Measure::Protected);
        let id = w * over_entries(c, ex, government, Measure::Identified);
        sums[k].0 += prot;
        sums[k].1 += id;
        let e = per_country.entry(s.countries()[c.origin].code.clone()).or_default();
        e.0 += prot;
        e.1 += id;
    }
    assert!(
        sums.iter().all(|(_, id)| *id > 0.0),
        "every class has domestic cohorts: {sums:?}"
    );
    let share: Vec<f64> = sums.iter().map(|(p, i)| p / i).collect();
    assert!(
        share[0] > share[1] && share[1] > share[2],
        "classes not ordered: {share:?}; per country: {per_country:?}"
    );
}

/// The assessment's headline finding: poor communication between national authorities produces
/// inconsistent referral of the same victims depending on where and by whom they are found
/// [R1, R2]. For Nigerian women in the region (corridor 4: GHA, CIV, MLI, BFA, SEN, NER), the
/// completed share of identified cases differs by at least 0.10 between entry countries, and
/// with perfect communication (every quality and fidelity 1, same graph) that spread shrinks to
/// less than half: the inconsistency comes from the channels, not from the graph's shape.
#[test]
fn referral_is_inconsistent_by_entry_country_and_communication_explains_it() {
    let Regional {
        baseline: s, solved, ..
    } = ecowas();
    let c = cohort_index(s, "NGA women, sexual exploitation in GHA");
    let cohort = &s.cohorts()[c];
    let spread = |probs: &[[f64; Measure::COUNT]]| {
        let mut countries: Vec<&str> = cohort.entry.iter().map(|&(a, _)| country_of(s, a)).collect();
        countries.sort_unstable();
        countries.dedup();
        let rates: Vec<f64> = countries
            .iter()
            .map(|code| {
                let p = ExactCohort::aggregate(probs, cohort, |k| country_of(s, cohort.entry[k].0) == *code);
                p[Measure::Completed.index()] / p[Measure::Identified.index()]
            })
            .collect();
        let max = rates.iter().copied().fold(f64::MIN, f64::max);
        let min = rates.iter().copied().fold(f64::MAX, f64::min);
        max - min
    };
    let (actual, perfect) = (spread(&solved[c].entries), spread(&solved[c].perfect));
    assert!(actual >= 0.10, "spread across entry countries {actual:.3}");
    assert!(
        perfect < actual / 2.0,
        "perfect-communication spread {perfect:.3} vs actual {actual:.3}"
    );
}

/// The scenario's sweep of cross-border channel quality (0.2 to 1.0) closes the gap
/// monotonically: the exact all-cohort completed rate (victims-weighted) rises with every step,
/// and no sweep point reaches perfect communication (in-country channels and fidelity still
/// leak). Every intervention the scenario bundles is a distinct, valid variant.
#[test]
fn cross_border_quality_sweep_closes_the_gap_monotonically() {
    use refgap::scenario::VariantKind;
    let Regional {
        with_variants: s,
        solved,
        ..
    } = ecowas();
    let weighted = |sc: &Scenario, solved: &[ExactCohort], pick: fn(&ExactCohort) -> &[[f64; Measure::COUNT]]| {
        let total: f64 = sc.cohorts().iter().map(|c| c.victims).sum();
        sc.cohorts()
            .iter()
            .zip(solved)
            .map(|(c, ex)| c.victims * ExactCohort::aggregate(pick(ex), c, |_| true)[Measure::Completed.index()])
            .sum::<f64>()
            / total
    };
    // The baseline's solution (its variants do not change it).
    let perfect = weighted(s, solved, |ex| &ex.perfect);
    let mut points: Vec<(f64, f64)> = s
        .variants()
        .iter()
        .filter_map(|v| match &v.kind {
            VariantKind::SweepPoint { sweep, values } if sweep == "cross-border quality" => Some((
                values[0].1,
                weighted(&v.scenario, &exact::solve(&v.scenario).unwrap(), |ex| &ex.entries),
            )),
            _ => None,
        })
        .collect();
    points.sort_by(|a, b| a.0.total_cmp(&b.0));
    assert_eq!(
        points.iter().map(|p| p.0).collect::<Vec<_>>(),
        [0.2, 0.4, 0.6, 0.8, 1.0]
    );
    for w in points.windows(2) {
        assert!(
            w[1].1 > w[0].1,
            "completed does not rise from quality {} to {}: {points:?}",
            w[0].0,
            w[1].0
        );
    }
    assert!(points[4].1 < perfect, "{points:?} vs perfect {perfect}");
    let interventions = s
        .variants()
        .iter()
        .filter(|v| v.kind == VariantKind::Intervention)
        .count();
    assert!(interventions >= 8, "{interventions} interventions");
}

/// The value of observation `o` in the solved baseline, computed by hand from the exact
/// per-entry probabilities (the definition of docs/MODEL.md, independent of
/// `Observation::value`): entry points of the cohort(s) in the group, weighted by victims ×
/// share, the rate of the measure among them or among those with `given`.
fn observed_by_hand(s: &Scenario, solved: &[ExactCohort], o: &Observation) -> f64 {
    let (mut with, mut given, mut all) = (0.0, 0.0, 0.0);
    for (c, (cohort, ex)) in s.cohorts().iter().zip(solved).enumerate() {
        if o.cohort.is_some_and(|oc| oc != c) {
            continue;
        }
        for (k, &(a, share)) in cohort.entry.iter().enumerate() {
            let inside = match o.group {
                Group::All => true,
                Group::Entry(e) => a == e,
                Group::Country(country) => s.authorities()[a].country == country,
            };
            if inside {
                let w = if cohort.victims > 0.0 || o.per_year {
                    cohort.victims
                } else {
                    1.0
                } * share;
                all += w;
                with += w * ex.entries[k][o.measure.index()];
                given += o.given.map_or(0.0, |g| w * ex.entries[k][g.index()]);
            }
        }
    }
    match (o.per_year, o.given) {
        (true, _) => with,
        (false, Some(_)) => with / given,
        (false, None) => with / all,
    }
}

/// The scenario as given is a plausible world: every published figure it declares as
/// `[[observed]]` (identified, referred, returned and reintegrated shares of its sources), computed
/// in the baseline, falls in the range the scenario itself gives, and the value refgap computes is
/// the one the definition gives by hand (to 1e-12).
#[test]
fn the_scenario_as_given_is_a_plausible_world() {
    use refgap::exact::uncertainty::observe;
    let Regional {
        with_variants,
        baseline: s,
        solved,
    } = ecowas();
    assert!(
        !with_variants.observed().is_empty(),
        "the scenario declares its published figures"
    );
    assert!(!with_variants.factors().is_empty(), "and its assumptions");
    for o in with_variants.observed() {
        let v = observe(s, solved, o);
        let hand = observed_by_hand(s, solved, o);
        assert!((v - hand).abs() < 1e-12, "{}: refgap {v} vs by hand {hand}", o.name);
        assert!(
            (o.lo..=o.hi).contains(&v),
            "{}: {v:.3} in the scenario as given, outside its published range [{}, {}] ({})",
            o.name,
            o.lo,
            o.hi,
            o.source
        );
    }
}

/// The published figures exclude a real part of the space the scenario's factors span, and a
/// world outside a published range is rejected by that figure, by name. Worlds of a Latin
/// hypercube (baseline only: `--no-variants`), each solved exactly: `plausible.csv` marks a figure
/// inside exactly when its value lies in the scenario's range, a world is plausible exactly when
/// every figure is inside (the manifest's count), some worlds are and some are not, and the figure
/// that rejects a world is named in its rows.
#[test]
fn the_published_figures_exclude_part_of_the_space() {
    const WORLDS: usize = 24;
    let s = &ecowas().with_variants;
    let tmp = tempfile::tempdir().unwrap();
    refgap([
        "uncertainty",
        "scenarios/ecowas-2020",
        "--no-variants",
        "--design",
        "lhs",
        "--samples",
        &WORLDS.to_string(),
        "--seed",
        "7",
        "-q",
        "--out",
    ])
    .arg(tmp.path())
    .assert()
    .success();
    let dir = tmp.path().join("ecowas-2020-uncertainty");
    let mut reader = csv::Reader::from_path(dir.join("plausible.csv")).unwrap();
    let mut rejected_by: BTreeMap<usize, Vec<String>> = (0..WORLDS).map(|i| (i, Vec::new())).collect();
    let mut rows = 0;
    for r in reader.records() {
        let r = r.unwrap();
        let (world, name, value, inside) = (
            r[0].parse::<usize>().unwrap(),
            &r[1],
            r[2].parse::<f64>().unwrap(),
            &r[3],
        );
        let o = s
            .observed()
            .iter()
            .find(|o| o.name == name)
            .unwrap_or_else(|| panic!("{name} is not an observed figure of the scenario"));
        assert_eq!(inside == "true", (o.lo..=o.hi).contains(&value), "{r:?}");
        if inside != "true" {
            rejected_by.get_mut(&world).unwrap().push(name.to_owned());
        }
        rows += 1;
    }
    assert_eq!(rows, WORLDS * s.observed().len());
    let plausible = rejected_by.values().filter(|v| v.is_empty()).count();
    let m: serde_json::Value = serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(m["plausible"], plausible);
    assert!(
        plausible > 0,
        "no world of the factors' space reproduces the published figures"
    );
    assert!(
        plausible < WORLDS,
        "the published figures rule nothing out: every one of {WORLDS} worlds is plausible"
    );
    let summary = std::fs::read_to_string(dir.join("summary.csv")).unwrap();
    assert!(summary.lines().any(|l| l.starts_with("plausible,baseline,")));
}

/// Issue 13: the Europe leg's onward movement, sea crossing and secondary movement are the
/// women's own journey (`movement = true`, and nothing else is); the Europe cohort's goal is
/// protection for women found in Italy or France and protection, return and reintegration for
/// those found in Niger or Libya (README "Goals by entry point"); perfect communication leaves the
/// journey as it is, so women entering at NER.iom are still lost on it; the cross-border sweeps
/// leave the movements alone.
#[test]
fn issue13_movements_and_europe_goals() {
    use refgap::vocab::{Service, Services};
    let Regional {
        with_variants,
        baseline: s,
        solved,
    } = ecowas();
    let movements: Vec<&str> = s
        .channels()
        .iter()
        .filter(|c| c.movement)
        .map(|c| c.id.as_str())
        .collect();
    assert_eq!(
        movements,
        [
            "NER.iom->LBY.iom (onward movement)",
            "LBY.iom->ITA.ngo (sea crossing)",
            "ITA.ngo->FRA.shelter (secondary movement)"
        ]
    );
    let c = cohort_index(s, "NGA women, route to Europe");
    let cohort = &s.cohorts()[c];
    let protection = Services::NONE.with(Service::Protection);
    let all: Services = Service::ALL.into_iter().collect();
    for (k, &(a, _)) in cohort.entry.iter().enumerate() {
        let want = if matches!(country_of(s, a), "ITA" | "FRA") {
            protection
        } else {
            all
        };
        assert_eq!(cohort.goal(k), want, "{}", s.authorities()[a].id);
    }
    let ner = cohort
        .entry
        .iter()
        .position(|&(a, _)| s.authorities()[a].id == "NER.iom")
        .unwrap();
    let lost = solved[c].perfect[ner][Measure::Lost.index()];
    assert!(
        lost > 0.01,
        "with perfect communication the journey still loses women: {lost}"
    );
    // A cohort that reaches no movement loses nobody with perfect communication.
    let home = cohort_index(s, "NGA children in NGA");
    for p in &solved[home].perfect {
        assert_eq!(p[Measure::Lost.index()], 0.0);
    }
    for v in with_variants.variants() {
        if v.name.starts_with("cross-border") {
            for (a, b) in s.channels().iter().zip(v.scenario.channels()) {
                if a.movement {
                    assert_eq!((a.quality, a.fidelity), (b.quality, b.fidelity), "{}: {}", v.name, a.id);
                }
            }
        }
    }
}
