//! Reproducibility: results depend only on (scenario, seed, trials), never on the thread count,
//! and a cohort's numbers depend only on its own name, not on the other cohorts.

use refgap::engine::{self, PerfectArm, RunConfig};
use refgap::report::Report;
use refgap::report::csv::to_csv;
use refgap::scenario::Scenario;

use crate::util::{bundled, ecowas, simulate_on};

/// Every CSV table of a run of `s`, as bytes, on a pool of `threads` threads.
fn tables(s: &Scenario, trials: u64, threads: usize) -> Vec<(&'static str, Vec<u8>)> {
    let result = simulate_on(s, trials, threads);
    let r = Report::new(s, &result);
    vec![
        ("rates.csv", to_csv(&r.rates)),
        ("times.csv", to_csv(&r.times)),
        ("hops.csv", to_csv(&r.hops)),
        ("channels.csv", to_csv(&r.channels)),
        ("authorities.csv", to_csv(&r.authorities)),
        ("gap.csv", to_csv(&r.gap)),
        ("inconsistency.csv", to_csv(&r.inconsistency)),
        ("comparisons.csv", to_csv(&r.comparisons)),
        ("pairwise.csv", to_csv(&r.pairwise)),
        ("variants.csv", to_csv(&r.variants)),
        ("manifest.json", r.manifest.to_json()),
    ]
}

fn load(name: &str) -> Scenario {
    Scenario::load(&bundled(name)).unwrap()
}

/// 1, 2 and 4 threads give byte-identical files, on every kind of bundled scenario (talibé with
/// its 9 variants; the regional scenario's 32 cohorts without its variants, to keep the test
/// short), with a trial count that leaves a partial last block.
#[test]
fn thread_count_does_not_change_results() {
    for name in ["minimal.toml", "talibe.toml", "europe-leg", "ecowas-2020"] {
        let s = if name == "ecowas-2020" {
            ecowas().baseline.clone()
        } else {
            load(name)
        };
        let one = tables(&s, 50_001, 1);
        for threads in [2, 4] {
            let many = tables(&s, 50_001, threads);
            for ((file, a), (_, b)) in one.iter().zip(&many) {
                assert!(a == b, "{name}: {file} differs between 1 and {threads} threads");
            }
        }
    }
}

/// The same seed twice gives the same bytes; another seed gives other numbers.
#[test]
fn seed_determines_results() {
    let s = load("talibe.toml");
    let a = tables(&s, 20_000, 2);
    let b = tables(&s, 20_000, 2);
    assert_eq!(a, b);
    let other = tables(&s.clone().with_seed(s.seed() + 1), 20_000, 2);
    let rates = |t: &[(&str, Vec<u8>)]| t[0].1.clone();
    assert_ne!(rates(&a), rates(&other), "a different seed must give different rates");
}

/// Streams are keyed by cohort name: removing one cohort leaves every other cohort's tally
/// unchanged, so adding a cohort to a scenario never moves the numbers of the others.
#[test]
fn cohorts_have_independent_streams() {
    let path = bundled("talibe.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let cut = text.find("[[cohort]]").unwrap();
    let (head, cohorts) = text.split_at(cut);
    // Drop the first cohort (up to the second `[[cohort]]`).
    let second = cohorts[1..].find("[[cohort]]").unwrap() + 1;
    let fewer = format!("{head}{}", &cohorts[second..]);
    let base = path.parent().unwrap();
    let all = Scenario::from_toml_str(&text, &path, base).unwrap();
    let some = Scenario::from_toml_str(&fewer, &path, base).unwrap();
    assert_eq!(some.cohorts().len() + 1, all.cohorts().len());
    let r_all = simulate_on(&all, 30_000, 2);
    let r_some = simulate_on(&some, 30_000, 2);
    for (k, cohort) in some.cohorts().iter().enumerate() {
        let j = all.cohorts().iter().position(|c| c.name == cohort.name).unwrap();
        assert_eq!(r_all.cohorts[j].entries, r_some.cohorts[k].entries, "{}", cohort.name);
        assert_eq!(
            r_all.cohorts[j].discordant, r_some.cohorts[k].discordant,
            "{}",
            cohort.name
        );
    }
}

/// Common random numbers: with perfect communication already in place (every quality and
/// fidelity 1), the perfect arm is the actual arm, so every pair agrees and the gap is exactly 0.
#[test]
fn perfect_arm_of_a_perfect_scenario_is_identical() {
    let s = load("talibe.toml").with_perfect_communication();
    let simulated = RunConfig {
        perfect_arm: PerfectArm::Simulated,
        ..RunConfig::new(s.seed(), 20_000)
    };
    let pool = rayon::ThreadPoolBuilder::new().num_threads(2).build().unwrap();
    let result = pool.install(|| engine::run(&s, &simulated, &|_| {}));
    for t in &result.cohorts {
        for m in refgap::model::Measure::ALL {
            let pair = t.perfect(m).expect("the perfect arm was simulated");
            assert_eq!(pair.a_only + pair.b_only, 0, "discordant pairs in identical arms");
        }
    }
    // The conditional arm looks up nothing: no trial has a communication failure.
    for t in &simulate_on(&s, 20_000, 2).cohorts {
        assert_eq!(t.gap, Default::default(), "a gap in identical arms");
    }
}

/// The engine counts a trial's measures by pattern and adds them to the tallies once per arm and
/// block (`stats::patterns`): every arm's entry tallies (trials, measure counts, times, hops)
/// equal those of a plain loop that simulates each trial on the arm's network with the same
/// words and records it with `GroupTally::record`, for every bundled scenario with its variants
/// (the regional one's 19 arms and 8 entry points included), both perfect-arm modes, and trial
/// counts that leave a partial block (and a single trial).
#[test]
fn pattern_counts_equal_per_trial_counts() {
    use refgap::engine::stream::{CohortStreams, StreamKey, WINDOW_WORDS};
    use refgap::model::network::Network;
    use refgap::model::trial::simulate;
    use refgap::stats::GroupTally;

    let cases = [
        (load("minimal.toml"), 2_100, PerfectArm::Conditional),
        (load("talibe.toml"), 2_100, PerfectArm::Conditional),
        (load("talibe.toml"), 1, PerfectArm::Conditional),
        (load("talibe.toml"), 2_100, PerfectArm::Simulated),
        (load("europe-leg"), 2_100, PerfectArm::Conditional),
        (ecowas().with_variants.clone(), 1_500, PerfectArm::Conditional),
    ];
    for (s, trials, perfect_arm) in cases {
        let config = RunConfig {
            perfect_arm,
            ..RunConfig::new(s.seed(), trials)
        };
        let result = engine::run(&s, &config, &|_| {});
        let arms = std::iter::once(&s).chain(s.variants().iter().map(|v| &v.scenario));
        let key = StreamKey::new(s.seed());
        for (v, arm) in arms.enumerate() {
            let net = Network::compile(arm);
            for (c, cohort) in s.cohorts().iter().enumerate() {
                let streams = CohortStreams::for_cohort(&cohort.name);
                let mut windows = vec![0u32; trials as usize * WINDOW_WORDS];
                key.fill_windows(streams, 0, &mut windows);
                let mut overflow = key.overflow_rng();
                let mut want = vec![GroupTally::default(); cohort.entry.len()];
                for (i, window) in windows.chunks_exact(WINDOW_WORDS).enumerate() {
                    let mut draws = key.trial(streams, i as u64, window, &mut overflow);
                    let rec = simulate(&net, c, &mut draws, &mut ());
                    want[rec.entry].record(&rec, rec.measures(s.horizon_days()));
                }
                assert!(
                    result.arm(v)[c].entries == want,
                    "{} arm {v} cohort {c} ({trials} trials, {perfect_arm:?})",
                    s.name()
                );
            }
        }
    }
}
