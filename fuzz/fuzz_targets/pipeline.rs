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

/// Largest (arms x cohorts x max_hops x attempts per hop) simulated, where attempts per hop is
/// 1 + the largest `retries`: with [`TRIALS`] trials (and the perfect-communication arm of the
/// gap) that bounds the channel attempts of one execution to about 4 x 10^7, about half a second
/// here, so the fuzzer spends its time on many inputs rather than on one long run of a costly
/// scenario (the `load` target covers those). A trial's cost is linear in these factors, so a
/// slower execution would be the fuzz harness's timeout, not a bug.
const MAX_WORK: u64 = 200_000;

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
    // Variants may raise `retries` (a sweep or an added channel), so look at every arm.
    let attempts = 1 + std::iter::once(&s)
        .chain(s.variants().iter().map(|v| &v.scenario))
        .flat_map(|arm| arm.channels().iter().map(|c| u64::from(c.retries)))
        .max()
        .unwrap_or(0);
    let work = arms * s.cohorts().len() as u64 * u64::from(s.max_hops()) * attempts;
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
    // Where cases end: every visit to an authority ends exactly one way, and every leak on a
    // channel is before or after the goal (docs/MODEL.md, `authorities.csv`, `channels.csv`).
    for a in &report.authorities {
        let ends = a.referred + a.closed + a.stalled_hole + a.stalled_max_hops + a.dropped + a.lost + a.misclassified;
        assert_eq!(a.entered + a.arrivals, ends, "a visit that does not end one way: {a:?}");
    }
    for c in &report.channels {
        assert_eq!(
            c.leaked_before_goal + c.leaked_after_goal,
            c.losses + c.dropouts + c.misclassified,
            "{c:?}"
        );
    }
    let _ = summary::render(s.name(), &report.summary);
    let _ = summary::render_ranking(&report.ranking, !config.independent);
});
