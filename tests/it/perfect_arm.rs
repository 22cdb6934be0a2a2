//! The perfect arm by conditioning (docs/MODEL.md, "The perfect arm by conditioning"): the value
//! looked up at a trial's first communication failure is the mean of the simulated continuation
//! from there (trial by trial, on the bundled scenarios); `max_hops` is handled exactly (a hand
//! case the exact chain, which ignores `max_hops`, cannot check); the per-trial variance is the
//! hand-derived one; and the gap's 95 % interval covers the exact gap in about 95 % of repeated
//! runs, in both modes.

use refgap::engine::stream::{CohortStreams, StreamKey, WINDOW_WORDS};
use refgap::engine::{self, PerfectArm, RunConfig};
use refgap::exact::{self, ExactCohort};
use refgap::model::Measure;
use refgap::model::network::Network;
use refgap::model::perfect::CompletionTable;
use refgap::model::trial::{simulate_to_fork, simulate_with_perfect};
use refgap::scenario::Scenario;
use refgap::stats::interval::{Z95, Z999, wilson};

use crate::exact_vs_mc::Z_MAX;
use crate::util::{bundled, root, scenario, simulate_perfect_arm};

/// Trial by trial, the looked-up value `h` at a fork is the conditional mean of the simulated
/// perfect continuation `P` from there: over the forked trials, the mean of `P - h` is 0 within
/// |z| < 4.5 (its variance estimated from the same trials). Also: both functions fork on the same
/// trials, with the same actual record.
#[test]
fn the_lookup_is_the_mean_of_the_simulated_continuation() {
    for file in [
        "minimal.toml",
        "talibe.toml",
        "europe-leg",
        "../benches/scenarios/bench100.toml",
    ] {
        let s = Scenario::load(&bundled(file)).unwrap().without_variants();
        let actual = Network::compile(&s);
        let perfect = Network::compile(&s.with_perfect_communication());
        let table = CompletionTable::build(&s, &perfect);
        let key = StreamKey::new(s.seed());
        let trials = 20_000u64;
        for (c, cohort) in s.cohorts().iter().enumerate() {
            let lookup = table.cohort(c).expect("the bundled scenarios' tables fit");
            let streams = CohortStreams::for_cohort(&cohort.name);
            let mut windows = vec![0u32; trials as usize * WINDOW_WORDS];
            key.fill_windows(streams, 0, &mut windows);
            let mut overflow = key.overflow_rng();
            let (mut n, mut sum, mut sum_sq) = (0u64, 0.0, 0.0);
            for (i, window) in windows.chunks_exact(WINDOW_WORDS).enumerate() {
                let i = i as u64;
                let mut draws = key.trial(streams, i, window, &mut overflow);
                let (a, fork) = simulate_to_fork(&actual, c, &mut draws, &mut ());
                let mut draws = key.trial(streams, i, window, &mut overflow);
                let (want, p) = simulate_with_perfect(&actual, &perfect, c, &mut draws, &mut ());
                assert_eq!(format!("{a:?}"), format!("{want:?}"), "{file} {c} trial {i}");
                assert_eq!(fork.is_some(), p.is_some(), "{file} {c} trial {i}: forks differ");
                if let (Some(f), Some(p)) = (fork, p) {
                    let h = lookup.value(&f);
                    assert!((0.0..=1.0).contains(&h), "{file} {c} trial {i}: value {h}");
                    let d = f64::from(u8::from(p.measures(None) & (1 << Measure::Completed.index()) != 0)) - h;
                    n += 1;
                    sum += d;
                    sum_sq += d * d;
                }
            }
            if n < 2 {
                continue;
            }
            let mean = sum / n as f64;
            let var = (sum_sq / n as f64 - mean * mean).max(0.0);
            if var == 0.0 {
                assert_eq!(mean, 0.0, "{file} {}: every continuation differs alike", cohort.name);
                continue;
            }
            let z = mean / (var / n as f64).sqrt();
            assert!(
                z.abs() < Z_MAX,
                "{file} {}: simulated continuation minus lookup over {n} forks: mean {mean}, z = {z:.2}",
                cohort.name
            );
        }
    }
}

/// `tests/fixtures/chain_with_a_choice.toml`: A → B → C; A identifies everyone and refers to B
/// (quality 0.6); B closes or refers to C with equal weights (quality 0.7); C gives the goal. No
/// dropout, no retries, files complete. At most `max_hops` hops.
fn chain(max_hops: u32) -> Scenario {
    let text = std::fs::read_to_string(root().join("tests/fixtures/chain_with_a_choice.toml")).unwrap();
    scenario(&text.replace("max_hops = 64", &format!("max_hops = {max_hops}")))
}

/// By hand, with `max_hops >= 2`: actual completion `0.6 × 0.5 × 0.7 = 0.21`, perfect `0.5`, gap
/// `0.29`. Per trial, `d = h - a` is 0.5 when A → B failed (0.4: B then closes or completes with
/// perfect communication, even odds), 1 when B → C failed (`0.6 × 0.5 × 0.3 = 0.09`), else 0: so
/// `E[d^2] = 0.4 × 0.25 + 0.09 = 0.19` and the variance is `0.19 - 0.29^2 = 0.1059`, against
/// `0.29 × 0.71 = 0.2059` for a simulated perfect arm (whose `d` is 0 or 1): the interval is
/// `sqrt(0.1059 / 0.2059) = 0.72` times as wide. With `max_hops = 1`, a case stalls on arriving
/// at B in both arms: the gap is exactly 0, while the chain solver (which ignores `max_hops`)
/// would say 0.29.
#[test]
fn the_lookup_follows_max_hops_and_the_hand_variance() {
    let n = 400_000u64;
    let run = |s: &Scenario, perfect_arm| simulate_perfect_arm(s, n, perfect_arm).cohorts.remove(0);
    for max_hops in [2, 3, 64] {
        let s = chain(max_hops);
        let t = run(&s, PerfectArm::Conditional);
        assert!(!t.perfect_simulated);
        let (g, actual) = t.gap(Z999);
        assert!(g.lo <= 0.29 && 0.29 <= g.hi, "max_hops {max_hops}: gap {g:?}");
        let (lo, hi) = wilson((actual * n as f64).round() as u64, n, Z999);
        assert!(lo <= 0.21 && 0.21 <= hi, "actual completion {actual}");
        // E[d^2] = 0.19, with Var(d^2) = E[d^4] - 0.19^2 = (0.4 × 0.0625 + 0.09) - 0.0361.
        let unit = (1u64 << 32) as f64;
        let mean_sq = t.gap.sum_sq as f64 / (unit * unit) / n as f64;
        let z = (mean_sq - 0.19) / ((0.115 - 0.0361) / n as f64).sqrt();
        assert!(z.abs() < Z_MAX, "E[d^2] = {mean_sq}, hand 0.19, z = {z:.2}");
        // The simulated arm agrees, with the wider interval of a 0/1 difference.
        let sim = run(&s, PerfectArm::Simulated);
        let (gs, _) = sim.gap(Z999);
        assert!(gs.lo <= 0.29 && 0.29 <= gs.hi, "simulated: {gs:?}");
        // The ratio of the standard errors against the hand ratio 0.717. Sampling noise of the
        // estimated variances at n = 400,000 (delta method): conditional, sd(E[d^2]) =
        // sqrt(0.0789 / n) = 0.00044 and sd(mean) = sqrt(0.1059 / n) = 0.00051, so the variance
        // 0.1059 has sd <= 0.00044 + 2 × 0.29 × 0.00051 = 0.00074 (0.70 %), its root 0.35 %;
        // simulated, sd(p) = sqrt(0.2059 / n) = 0.00072 and d(p(1-p))/dp = 0.42, so 0.15 %, its
        // root 0.073 %. The ratio's relative sd is at most 0.36 %: 4.5 sd is 1.6 %.
        let (ratio, hand) = (g.se / gs.se, (0.1059f64 / 0.2059).sqrt());
        assert!((ratio / hand - 1.0).abs() < 4.5 * 0.0036, "ratio {ratio}, hand {hand}");
    }
    let s = chain(1);
    let t = run(&s, PerfectArm::Conditional);
    let (g, actual) = t.gap(Z95);
    assert_eq!(
        (g.gap, actual),
        (0.0, 0.0),
        "max_hops = 1: nothing completes in either arm"
    );
    assert_eq!(t.gap, Default::default(), "every looked-up value is exactly 0");
    let exact = exact::solve(&s).unwrap();
    let cohort = &s.cohorts()[0];
    let chain_gap = ExactCohort::aggregate(&exact[0].perfect, cohort, |_| true)[Measure::Completed.index()]
        - ExactCohort::aggregate(&exact[0].entries, cohort, |_| true)[Measure::Completed.index()];
    assert!(
        (chain_gap - 0.29).abs() < 1e-12,
        "the chain ignores max_hops: {chain_gap}"
    );
}

/// Coverage by repeated runs: on the bundled minimal scenario, 300 runs of 2,048 trials with
/// seeds 1..=300; the 95 % interval of the gap covers the exact gap (from `refgap exact`;
/// `max_hops` negligible there) in a share of runs whose 99.9 % Wilson interval contains 0.95,
/// for each mode.
#[test]
fn the_gap_interval_covers_the_exact_gap_in_95_percent_of_runs() {
    let s = Scenario::load(&bundled("minimal.toml")).unwrap().without_variants();
    let ex = &exact::solve(&s).unwrap()[0];
    assert!(ex.beyond_max_hops < 1e-9);
    let cohort = &s.cohorts()[0];
    let completed =
        |p: &[[f64; Measure::COUNT]]| ExactCohort::aggregate(p, cohort, |_| true)[Measure::Completed.index()];
    let want = completed(&ex.perfect) - completed(&ex.entries);
    let runs = 300u64;
    for perfect_arm in [PerfectArm::Conditional, PerfectArm::Simulated] {
        let covered = (1..=runs)
            .filter(|&seed| {
                let config = RunConfig {
                    perfect_arm,
                    ..RunConfig::new(seed, 2048)
                };
                let (g, _) = engine::run(&s, &config, &|_| {}).cohorts[0].gap(Z95);
                g.lo <= want && want <= g.hi
            })
            .count() as u64;
        let (lo, hi) = wilson(covered, runs, Z999);
        eprintln!(
            "{}: {covered} of {runs} intervals cover the exact gap",
            perfect_arm.name()
        );
        assert!(
            lo <= 0.95 && 0.95 <= hi,
            "{}: the interval covered the exact gap {want} in {covered} of {runs} runs",
            perfect_arm.name()
        );
    }
}
