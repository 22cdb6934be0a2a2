//! Running part of a run: a range of its **work items**, for shards of a run spread over a
//! cluster and for the checkpoints of a run that can be resumed.
//!
//! A run's work items are the blocks of [`BLOCK_TRIALS`] trials of each cohort, numbered cohort
//! after cohort: item `c · B + b` is block `b` of cohort `c`, where `B = ceil(trials /
//! BLOCK_TRIALS)` ([`WorkItems`]). Any partition of the items into ranges gives, once the
//! ranges' tallies are merged ([`merge_parts`]), exactly the tallies of the whole run: a block's
//! trials draw from the streams of (seed, cohort, trial index) whoever runs them, and tallies
//! are integers. [`finish`] then turns the merged tallies into the [`RunResult`] that [`run`]
//! returns, so a results folder made from parts is byte-identical to a one-machine run.
//!
//! A run with a target precision cannot be cut this way: its stopping rule reads the whole
//! cohort's tallies at each stage end, so which blocks exist depends on all the blocks before
//! them. [`run_part`] therefore refuses a configuration with `precision` set.
//!
//! [`run`]: super::run

use std::ops::Range;

use super::{
    BLOCK_TRIALS, CohortStop, RunConfig, RunResult, Stop, StreamKey, cohort_job, compile_arms, max_half_width,
};
use crate::scenario::Scenario;
use crate::stats::CohortTally;

/// The work items of a run: `cohorts` cohorts of `blocks_per_cohort` blocks each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WorkItems {
    /// Cohorts of the scenario.
    pub cohorts: u64,
    /// Blocks of each cohort: `ceil(trials / BLOCK_TRIALS)`.
    pub blocks_per_cohort: u64,
    /// Trials per cohort.
    pub trials: u64,
}

impl WorkItems {
    /// The work items of a run of `s` with `trials` trials per cohort.
    pub fn new(s: &Scenario, trials: u64) -> WorkItems {
        WorkItems {
            cohorts: s.cohorts().len() as u64,
            blocks_per_cohort: trials.div_ceil(BLOCK_TRIALS),
            trials,
        }
    }

    /// Number of items.
    pub fn len(&self) -> u64 {
        self.cohorts * self.blocks_per_cohort
    }

    /// Whether there is no item.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The items of part `index` of `count` equal parts (sizes differ by at most one item):
    /// items `floor(index · len / count) .. floor((index + 1) · len / count)`.
    pub fn part(&self, index: u64, count: u64) -> Range<u64> {
        split(self.len(), index, count)
    }

    /// The pieces of `items` that fall in each cohort: `(cohort, trial range)`, in order.
    pub fn cohort_trials(&self, items: Range<u64>) -> Vec<(usize, Range<u64>)> {
        (0..self.cohorts)
            .filter_map(|c| {
                let blocks = self.cohort_blocks(c, &items);
                (!blocks.is_empty()).then(|| {
                    let first = blocks.start * BLOCK_TRIALS;
                    (c as usize, first..(blocks.end * BLOCK_TRIALS).min(self.trials))
                })
            })
            .collect()
    }

    /// The blocks of cohort `c` among `items` (possibly empty).
    fn cohort_blocks(&self, c: u64, items: &Range<u64>) -> Range<u64> {
        let lo = c * self.blocks_per_cohort;
        let hi = lo + self.blocks_per_cohort;
        let start = items.start.clamp(lo, hi) - lo;
        let end = items.end.clamp(lo, hi) - lo;
        start..end.max(start)
    }
}

/// Part `index` of `count` equal parts of `len` items (sizes differ by at most one):
/// `floor(index · len / count) .. floor((index + 1) · len / count)`. Runs split their blocks
/// this way, uncertainty runs the points of their design.
pub fn split(len: u64, index: u64, count: u64) -> Range<u64> {
    assert!(index < count, "part {index} of {count}");
    let at = |i: u64| (u128::from(i) * u128::from(len) / u128::from(count)) as u64;
    at(index)..at(index + 1)
}

/// Simulates the work items `items` of a run of `s` (see [`WorkItems`]) in every arm, and
/// returns the tallies per arm (baseline first), per cohort; cohorts with no item in the range
/// get empty tallies. `progress` is called as in [`run`](super::run). To run many parts of one
/// run, [`Parts`] compiles the networks once.
///
/// # Panics
///
/// If `config.precision` is set (see the module docs); the command line refuses that earlier.
pub fn run_part(
    s: &Scenario,
    config: &RunConfig,
    items: Range<u64>,
    progress: &(dyn Fn(u64) + Sync),
) -> Vec<Vec<CohortTally>> {
    Parts::new(s, config).run(items, progress)
}

/// The parts of one run of a scenario, with its networks compiled once.
pub struct Parts<'a> {
    s: &'a Scenario,
    config: RunConfig,
    arms: Vec<super::Arm>,
    key: StreamKey,
    work: WorkItems,
}

impl<'a> Parts<'a> {
    /// The parts of a run of `s` under `config` (see [`run_part`] for the panic).
    pub fn new(s: &'a Scenario, config: &RunConfig) -> Parts<'a> {
        assert!(
            config.precision.is_none(),
            "a run with a target precision cannot be cut into parts"
        );
        Parts {
            s,
            config: *config,
            arms: compile_arms(s, config),
            key: StreamKey::new(config.seed),
            work: WorkItems::new(s, config.trials),
        }
    }

    /// The result of this run once `per_arm` holds every work item merged: [`finish`], reusing
    /// the networks compiled here.
    pub fn finish(self, per_arm: Vec<Vec<CohortTally>>) -> RunResult {
        finish_with(self.s, &self.config, per_arm, || self.arms)
    }

    /// The run's work items.
    pub fn work(&self) -> WorkItems {
        self.work
    }

    /// Simulates the work items `items`, as [`run_part`].
    pub fn run(&self, items: Range<u64>, progress: &(dyn Fn(u64) + Sync)) -> Vec<Vec<CohortTally>> {
        let mut per_arm: Vec<Vec<CohortTally>> = vec![Vec::new(); self.arms.len()];
        for c in 0..self.s.cohorts().len() {
            let job = cohort_job(self.s, &self.arms, &self.key, c, &self.config);
            let blocks = self.work.cohort_blocks(c as u64, &items);
            let tallies = if blocks.is_empty() {
                job.empty()
            } else {
                job.blocks(blocks, self.config.trials, progress)
            };
            for (v, t) in tallies.into_iter().enumerate() {
                per_arm[v].push(t);
            }
        }
        per_arm
    }
}

/// Adds the tallies of `part` (per arm, per cohort) to `into`.
pub fn merge_parts(into: &mut [Vec<CohortTally>], part: &[Vec<CohortTally>]) {
    for (a, b) in into.iter_mut().zip(part) {
        for (x, y) in a.iter_mut().zip(b) {
            x.merge(y);
        }
    }
}

/// The result of a run of `s` whose tallies, per arm and per cohort, are `per_arm` (every work
/// item merged): exactly what [`run`](super::run) returns for the same configuration.
pub fn finish(s: &Scenario, config: &RunConfig, per_arm: Vec<Vec<CohortTally>>) -> RunResult {
    finish_with(s, config, per_arm, || compile_arms(s, config))
}

/// [`finish`], taking the compiled arms from `compiled` only when the variant pairs need a second
/// pass (so a run that already compiled them does not compile them again).
fn finish_with(
    s: &Scenario,
    config: &RunConfig,
    per_arm: Vec<Vec<CohortTally>>,
    compiled: impl FnOnce() -> Vec<super::Arm>,
) -> RunResult {
    let stops = (0..s.cohorts().len())
        .map(|c| {
            let tallies: Vec<CohortTally> = per_arm.iter().map(|arm| arm[c].clone()).collect();
            CohortStop {
                trials: config.trials,
                reason: Stop::Trials,
                half_width: max_half_width(&tallies, s.horizon_days().is_some(), config.independent),
            }
        })
        .collect();
    let arm_count = per_arm.len();
    let mut arms = per_arm.into_iter();
    let mut result = RunResult {
        config: *config,
        cohorts: arms.next().unwrap_or_default(),
        variants: arms.collect(),
        stops,
    };
    // With more variants than are paired during the run, the chosen ones are paired after it,
    // as `run` does: here that re-simulates them on every trial (a merge of such a run costs
    // up to `PAIR_CAP` arms of simulation).
    if super::needs_second_pass(config, arm_count) {
        super::pairs::second_pass(s, compiled(), &StreamKey::new(config.seed), &mut result);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_cover_every_item_once_in_order() {
        let w = WorkItems {
            cohorts: 3,
            blocks_per_cohort: 5,
            trials: 5000,
        };
        for count in 1..=20 {
            let mut next = 0;
            for i in 0..count {
                let r = w.part(i, count);
                assert_eq!(r.start, next);
                next = r.end;
            }
            assert_eq!(next, w.len());
        }
        let pieces = w.cohort_trials(4..11);
        assert_eq!(pieces, vec![(0, 4096..5000), (1, 0..5000), (2, 0..1024)]);
    }
}
