//! The exact Markov-chain solution against the Monte Carlo simulation: every simulated rate
//! (every measure, overall and per entry point) lies within |z| < 4.5 of the exact probability.
//!
//! Multiple comparisons: a run checks a few thousand rates at most; with |z| < 4.5 the chance
//! that any one of 10,000 independent correct rates fails is 10,000 × 6.8e-6 ≈ 7 %, and the
//! rates of one scenario are strongly dependent, so the family-wise error is lower still; seeds
//! are fixed, so a pass is reproducible, and a failure points at a real disagreement.

use refgap::engine::PerfectArm;
use refgap::exact;
use refgap::model::Measure;
use refgap::scenario::Scenario;
use refgap::stats::interval::Z95;

use crate::util::{bundled, ecowas, simulate, simulate_perfect_arm};

/// Largest |z| allowed (see the module doc).
pub const Z_MAX: f64 = 4.5;

/// Checks every rate of a simulated scenario against the exact solution; returns the number of
/// rates compared. Exact probabilities of exactly 0 or 1 must be matched exactly.
pub fn check_against_exact(s: &Scenario, trials: u64) -> usize {
    check_against_solution(s, &exact::solve(s).unwrap(), trials)
}

/// [`check_against_exact`] with the exact solution of `s` already at hand.
fn check_against_solution(s: &Scenario, exact: &[exact::ExactCohort], trials: u64) -> usize {
    // Every measure of the perfect arm is checked on the simulated arm; the conditional one (the
    // default) gives the perfect arm's completion only, checked through the gap below.
    let result = simulate_perfect_arm(s, trials, PerfectArm::Simulated);
    let conditional = simulate(s, trials);
    let mut compared = 0;
    for ((cohort, tally), ex) in s.cohorts().iter().zip(&result.cohorts).zip(exact) {
        assert!(
            ex.beyond_max_hops < 1e-6,
            "{}: P(more than max_hops hops) = {} is not negligible; the chain and the simulation differ",
            cohort.name,
            ex.beyond_max_hops
        );
        let mut groups: Vec<(String, refgap::stats::GroupTally, [f64; Measure::COUNT])> = vec![(
            "all".into(),
            tally.total(),
            exact::ExactCohort::aggregate(&ex.entries, cohort, |_| true),
        )];
        for (k, g) in tally.entries.iter().enumerate() {
            groups.push((format!("entry {k}"), g.clone(), ex.entries[k]));
        }
        for (name, g, p) in groups {
            for m in Measure::ALL {
                if m == Measure::ProtectedInTime || g.trials == 0 {
                    continue;
                }
                let (k, n, p) = (g.count(m), g.trials, p[m.index()]);
                let what = format!(
                    "{} / {} / {name} / {}: simulated {k}/{n}, exact {p}",
                    s.name(),
                    cohort.name,
                    m.name()
                );
                assert!((-1e-12..=1.0 + 1e-12).contains(&p), "{what}: not a probability");
                if p <= 1e-15 || p >= 1.0 - 1e-15 {
                    let want = if p <= 1e-15 { 0 } else { n };
                    assert!(k.abs_diff(want) as f64 <= (n as f64 * 1e-12).max(0.0), "{what}");
                } else {
                    let z = (k as f64 / n as f64 - p) / (p * (1.0 - p) / n as f64).sqrt();
                    assert!(z.abs() < Z_MAX, "{what}: z = {z:.2}");
                }
                compared += 1;
            }
        }
        // The perfect-communication arm against the exact perfect solution.
        let perfect = exact::ExactCohort::aggregate(&ex.perfect, cohort, |_| true);
        for m in Measure::ALL.into_iter().filter(|m| *m != Measure::ProtectedInTime) {
            let pair = &tally.perfect(m).expect("the perfect arm was simulated");
            let (k, n, p) = (pair.both + pair.b_only, pair.n(), perfect[m.index()]);
            if p > 1e-15 && p < 1.0 - 1e-15 {
                let z = (k as f64 / n as f64 - p) / (p * (1.0 - p) / n as f64).sqrt();
                assert!(
                    z.abs() < Z_MAX,
                    "{} perfect / {}: {k}/{n} vs {p}, z = {z:.2}",
                    cohort.name,
                    m.name()
                );
                compared += 1;
            }
        }
        // The conditional perfect arm: the same actual arm (the perfect arm reads no word of it),
        // and a gap that agrees with the exact one.
        let c = s.cohorts().iter().position(|x| x.name == cohort.name).unwrap();
        let by_lookup = &conditional.cohorts[c];
        assert!(
            by_lookup.entries == tally.entries && by_lookup.channels == tally.channels,
            "{}: the conditional perfect arm changed the actual arm",
            cohort.name
        );
        let actual = exact::ExactCohort::aggregate(&ex.entries, cohort, |_| true)[Measure::Completed.index()];
        let want = perfect[Measure::Completed.index()] - actual;
        let (g, _) = by_lookup.gap(Z95);
        let z = (g.gap - want) / g.se;
        assert!(
            z.abs() < Z_MAX,
            "{} conditional gap: {} vs exact {want}, z = {z:.2}",
            cohort.name,
            g.gap
        );
        compared += 1;
    }
    compared
}

/// The bundled scenarios and the benchmark scenarios (paths relative to `scenarios/`).
const SCENARIOS: [&str; 5] = [
    "minimal.toml",
    "talibe.toml",
    "europe-leg",
    "../benches/scenarios/bench100.toml",
    "../benches/scenarios/run100.toml",
];

/// Every bundled scenario's baseline (variant arms: see `variants.rs`), the regional scenario
/// included.
#[test]
fn bundled_scenarios_agree_with_the_exact_solution() {
    for name in SCENARIOS {
        let s = Scenario::load(&bundled(name)).unwrap().without_variants();
        let n = check_against_exact(&s, 200_000);
        assert!(n > 20, "{name}: only {n} rates compared");
    }
    let regional = ecowas();
    let n = check_against_solution(&regional.baseline, &regional.solved, 200_000);
    assert!(n > 20, "ecowas-2020: only {n} rates compared");
}

/// The ranking's low-rank (Woodbury) updates equal direct solves of each changed chain.
#[test]
fn ranking_matches_direct_solves() {
    for name in SCENARIOS {
        let s = Scenario::load(&bundled(name)).unwrap();
        let ranking = exact::rank::rank_channels(&s).unwrap();
        // bench100's 500 channels × 12 cohorts would take 12,000 direct solves: every 7th will do.
        let step = if s.channels().len() > 100 { 7 } else { 1 };
        for e in (0..s.channels().len()).step_by(step) {
            let direct = exact::rank::direct_effects(&s, e).unwrap();
            for (c, (r, d)) in ranking.iter().zip(&direct).enumerate() {
                let got = r.channels[e];
                let what = format!("{name}: cohort {c}, channel {}", s.channels()[e].id);
                assert!(
                    (got.if_perfect - d.if_perfect).abs() < 1e-12,
                    "{what}: perfect {got:?} vs {d:?}"
                );
                assert!((got.if_cut - d.if_cut).abs() < 1e-12, "{what}: cut {got:?} vs {d:?}");
            }
        }
    }
}

/// The exact gain of the top-ranked channel agrees with the Monte Carlo difference measured on
/// common random numbers (each trial simulated with and without the change, on the same words),
/// within the paired 95 % interval.
#[test]
fn top_channel_gain_agrees_with_paired_simulation() {
    use refgap::engine::stream::{CohortStreams, StreamKey, WINDOW_WORDS};
    use refgap::model::network::Network;
    use refgap::model::trial::simulate as one_trial;
    use refgap::stats::interval::{PairTable, Z95};

    let s = Scenario::load(&bundled("talibe.toml")).unwrap();
    let ranking = exact::rank::rank_channels(&s).unwrap();
    let (c, e, gain) = ranking
        .iter()
        .enumerate()
        .flat_map(|(c, r)| {
            r.channels
                .iter()
                .enumerate()
                .map(move |(e, x)| (c, e, x.if_perfect - r.completed))
        })
        .max_by(|a, b| a.2.total_cmp(&b.2))
        .unwrap();
    assert!(gain > 0.01, "the top channel should matter: gain {gain}");
    // The scenario with channel e perfect, through the same text-level change a user would make.
    let changed = s.with_channel_perfect(e);
    let (actual, better) = (Network::compile(&s), Network::compile(&changed));
    let key = StreamKey::new(s.seed());
    let streams = CohortStreams::for_cohort(&s.cohorts()[c].name);
    let trials = 200_000u64;
    let mut window = vec![0u32; WINDOW_WORDS];
    let mut overflow = key.overflow_rng();
    let mut pairs = PairTable::default();
    for t in 0..trials {
        key.fill_windows(streams, t, &mut window);
        let a = one_trial(&actual, c, &mut key.trial(streams, t, &window, &mut overflow), &mut ());
        let b = one_trial(&better, c, &mut key.trial(streams, t, &window, &mut overflow), &mut ());
        pairs.add(a.has(Measure::Completed, None), b.has(Measure::Completed, None));
    }
    let (diff, lo, hi) = pairs.difference(Z95);
    assert!(
        lo <= gain && gain <= hi,
        "channel {}: exact gain {gain:.5}, paired simulation {diff:.5} [{lo:.5}, {hi:.5}]",
        s.channels()[e].id
    );
    // Common random numbers make the paired interval much narrower than an unpaired one.
    let unpaired = Z95
        * ((pairs.rate_a() * (1.0 - pairs.rate_a()) + pairs.rate_b() * (1.0 - pairs.rate_b())) / trials as f64).sqrt();
    assert!(
        (hi - lo) / 2.0 < unpaired,
        "paired half-width {} vs unpaired {unpaired}",
        (hi - lo) / 2.0
    );
}
