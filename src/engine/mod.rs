//! The parallel Monte Carlo driver: fixed blocks of trials, mapped over rayon, tallies merged.
//!
//! For each cohort, trials are cut into blocks of [`BLOCK_TRIALS`]; rayon folds blocks into
//! per-worker [`CohortTally`]s and reduces them. Each block fills its trials' stream windows
//! (see [`stream`]) into a buffer the worker reuses, then simulates every trial twice on the same
//! words: once on the scenario as given (the "actual" arm, fully tallied) and once with perfect
//! communication (only its pairing with the actual outcome is kept, for the referral gap).
//!
//! **Invariants.** A trial's words depend only on (seed, cohort name, trial index); tallies are
//! integers, merged exactly. Hence the result depends only on (scenario, seed, trials), never on
//! the thread count or on how rayon splits the work. The block size is a constant of the run
//! format recorded in the manifest, never derived from the thread count. Memory per worker is
//! one tally and one block buffer, whatever the number of trials. Nothing here does I/O: progress
//! is reported through a callback.

pub mod stream;

use rayon::prelude::*;

use crate::model::network::Network;
use crate::model::trial::simulate;
use crate::scenario::Scenario;
use crate::stats::{ChannelObserver, CohortTally};
use stream::{CohortStreams, OverflowRng, StreamKey, WINDOW_WORDS};

/// Trials per block.
pub const BLOCK_TRIALS: u64 = 1024;

/// What to run: the scenario's seed and trials, or overrides of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunConfig {
    /// Seed of every stream.
    pub seed: u64,
    /// Trials per cohort.
    pub trials: u64,
}

impl RunConfig {
    /// The scenario's own seed and trials.
    pub fn from_scenario(s: &Scenario) -> RunConfig {
        RunConfig {
            seed: s.seed(),
            trials: s.trials(),
        }
    }
}

/// The tallies of a run, one per cohort in scenario order.
#[derive(Debug, Clone, PartialEq)]
pub struct RunResult {
    /// The configuration that produced the result.
    pub config: RunConfig,
    /// One tally per cohort.
    pub cohorts: Vec<CohortTally>,
}

/// Simulates every cohort of `s`. `progress` is called with the number of trials finished,
/// after every block, from worker threads.
pub fn run(s: &Scenario, config: &RunConfig, progress: &(dyn Fn(u64) + Sync)) -> RunResult {
    let actual = Network::compile(s);
    let perfect = Network::compile(&s.with_perfect_communication());
    let key = StreamKey::new(config.seed);
    let cohorts = s
        .cohorts()
        .iter()
        .enumerate()
        .map(|(c, cohort)| {
            let job = CohortJob {
                actual: &actual,
                perfect: &perfect,
                horizon_days: s.horizon_days(),
                cohort: c,
                key: &key,
                streams: CohortStreams::for_cohort(&cohort.name),
            };
            job.run(cohort.entry.len(), s.channels().len(), config.trials, progress)
        })
        .collect();
    RunResult {
        config: *config,
        cohorts,
    }
}

/// Everything needed to simulate the trials of one cohort.
struct CohortJob<'a> {
    actual: &'a Network,
    perfect: &'a Network,
    horizon_days: Option<f64>,
    cohort: usize,
    key: &'a StreamKey,
    streams: CohortStreams,
}

impl CohortJob<'_> {
    fn run(&self, entries: usize, channels: usize, trials: u64, progress: &(dyn Fn(u64) + Sync)) -> CohortTally {
        let blocks = trials.div_ceil(BLOCK_TRIALS);
        (0..blocks)
            .into_par_iter()
            .fold(
                || (CohortTally::new(entries, channels), Vec::new(), self.key.overflow_rng()),
                |(mut tally, mut buf, mut overflow), b| {
                    let first = b * BLOCK_TRIALS;
                    let n = BLOCK_TRIALS.min(trials - first);
                    self.block(first, n, &mut buf, &mut overflow, &mut tally);
                    progress(n);
                    (tally, buf, overflow)
                },
            )
            .map(|(tally, _, _)| tally)
            .reduce(
                || CohortTally::new(entries, channels),
                |mut a, b| {
                    a.merge(&b);
                    a
                },
            )
    }

    /// Simulates trials `first .. first + n`, reusing `buf` for their windows and `overflow` for
    /// the words beyond them.
    fn block(&self, first: u64, n: u64, buf: &mut Vec<u32>, overflow: &mut OverflowRng, tally: &mut CohortTally) {
        buf.resize(n as usize * WINDOW_WORDS, 0);
        self.key.fill_windows(self.streams, first, buf);
        for (i, window) in buf.chunks_exact(WINDOW_WORDS).enumerate() {
            let trial = first + i as u64;
            let mut draws = self.key.trial(self.streams, trial, window, overflow);
            let actual = simulate(
                self.actual,
                self.cohort,
                &mut draws,
                &mut ChannelObserver(&mut tally.channels),
            );
            let measures = actual.measures(self.horizon_days);
            tally.entries[actual.entry].record(&actual, measures);
            // Without a failed attempt or a degraded file, perfect communication changes nothing:
            // the same words give the same path (see `TrialRecord::communication_failed`).
            let perfect = if actual.communication_failed {
                let mut draws = self.key.trial(self.streams, trial, window, overflow);
                simulate(self.perfect, self.cohort, &mut draws, &mut ()).measures(self.horizon_days)
            } else {
                measures
            };
            tally.record_pair(measures, perfect);
        }
    }
}
