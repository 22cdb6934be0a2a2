//! Fuzz target `pipeline`: what `refgap run` does, on tiny trial counts: load and validate (as
//! the `load` target), compile the network, simulate 100 trials per cohort of the baseline and
//! every variant, build every report table and render the CSV files, the manifest and the
//! terminal summaries. Any valid scenario must simulate and report without a panic, and every
//! rate in the report must be a probability.

#![no_main]

use libfuzzer_sys::fuzz_target;
use refgap::engine::{self, RunConfig};
use refgap::report::{Report, summary};
use refgap::scenario::Scenario;
use refgap_fuzz::{SCENARIO, base_dir, one_thread, prepare};

/// Trials per cohort and arm: enough to reach most branches of a trial, few enough for
/// hundreds of executions per second.
const TRIALS: u64 = 100;

/// Largest (arms x cohorts x max_hops) simulated: with [`TRIALS`] trials that bounds the hops
/// one execution can walk to about 2 million, well under a second, so the fuzzer spends its
/// time on many inputs rather than on one large scenario (the loader target covers those).
const MAX_WORK: u64 = 20_000;

/// Largest network simulated: the report has a row per channel, cohort and arm.
const MAX_RECORDS: usize = 400;

fuzz_target!(|data: &[u8]| {
    one_thread();
    let Some(text) = prepare(data) else { return };
    let base = base_dir();
    let Ok(s) = Scenario::from_toml_str(&text, &base.join(SCENARIO), base) else {
        return;
    };
    let arms = 1 + s.variants().len() as u64;
    let work = arms * s.cohorts().len() as u64 * u64::from(s.max_hops());
    if work > MAX_WORK || s.authorities().len() + s.channels().len() > MAX_RECORDS {
        return;
    }
    // Independent streams on odd seeds, common random numbers on even ones: both engine paths.
    let mut config = RunConfig::new(s.seed(), TRIALS);
    config.independent = s.seed() % 2 == 1;
    let result = engine::run(&s, &config, &|_| {});
    let report = Report::new(&s, &result);
    for (name, bytes) in report.files() {
        assert!(!bytes.is_empty(), "{name} is empty");
    }
    for row in &report.rates {
        for p in [row.rate, row.ci_low, row.ci_high].into_iter().flatten() {
            assert!((0.0..=1.0).contains(&p), "not a probability: {row:?}");
        }
    }
    let _ = summary::render(s.name(), &report.summary);
    let _ = summary::render_ranking(&report.ranking, !config.independent);
});
