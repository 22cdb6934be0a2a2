//! Variants against each other (`pairwise.csv`): which variants are paired, the second pass that
//! pairs them when there are too many to pair during the run, and their 2×2 tables.
//!
//! With common random numbers every arm of a block is simulated on the same words, so two
//! variants' outcomes of one trial form a pair, exactly as a variant and the baseline do. Per
//! pair of variants and measure the engine counts the discordant trials (integers, merged
//! exactly, stored in the later variant's [`CohortTally::versus_variants`]); the concordant
//! cells follow from the two variants' own counts.
//!
//! **The cap.** Pairs grow as the square of the variants, so at most [`PAIR_CAP`] variants are
//! paired: 190 pairs × 12 measures × 2 counters per cohort and worker. With more variants, the
//! run first simulates every arm as usual, then picks the [`PAIR_CAP`] variants with the largest
//! gains in completed victims per year over the baseline (ties: earlier variant first) and
//! simulates those again on the same trials (same words, same trial count per cohort, so the
//! outcomes are the run's own), keeping only their pair counters. That second pass costs at most
//! [`PAIR_CAP`] arms more; the result still depends only on (scenario, seed, trials).
//!
//! Under `--independent` no pairs are counted: each variant has streams of its own, and the
//! 2×2 table of a pair is built from the two margins for the unpaired (Newcombe) interval.

use super::{Arm, BLOCK_TRIALS, CohortJob, RunResult};
use crate::model::Measure;
use crate::scenario::Scenario;
use crate::stats::CohortTally;
use crate::stats::interval::PairTable;

use super::stream::{CohortStreams, StreamKey};

/// At most this many variants are paired with each other.
pub const PAIR_CAP: usize = 20;

/// Gain of each variant in completed victims per year over the baseline, all cohorts.
fn gains(s: &Scenario, result: &RunResult) -> Vec<f64> {
    let completed = |t: &CohortTally| t.entries.iter().map(|e| e.count(Measure::Completed)).sum::<u64>() as f64;
    result
        .variants
        .iter()
        .map(|tallies| {
            s.cohorts()
                .iter()
                .enumerate()
                .map(|(c, cohort)| {
                    let n = result.stops[c].trials.max(1) as f64;
                    cohort.victims * (completed(&tallies[c]) - completed(&result.cohorts[c])) / n
                })
                .sum()
        })
        .collect()
}

/// The variants paired with each other, in variant order: all of them up to [`PAIR_CAP`], else
/// the [`PAIR_CAP`] with the largest gains in completed victims per year (ties: earlier first).
pub fn paired_variants(s: &Scenario, result: &RunResult) -> Vec<usize> {
    let n = result.variants.len();
    if n <= PAIR_CAP {
        return (0..n).collect();
    }
    let g = gains(s, result);
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| g[b].total_cmp(&g[a]).then(a.cmp(&b)));
    order.truncate(PAIR_CAP);
    order.sort_unstable();
    order
}

impl RunResult {
    /// The 2×2 table of measure `m` for variants `a` and `b` (indices into the scenario's
    /// variants, `a != b`) in cohort `c`: arm `a` is variant `a`. Paired counts with common
    /// random numbers (`None` when the pair was not counted: a variant outside the paired ones);
    /// with independent streams, a table with the two margins only (for the unpaired interval).
    pub fn versus_variant(&self, a: usize, b: usize, c: usize, m: Measure) -> Option<PairTable> {
        let (ta, tb) = (&self.variants[a][c], &self.variants[b][c]);
        if self.config.independent {
            let count = |t: &CohortTally| t.entries.iter().map(|e| e.count(m)).sum::<u64>();
            let (ka, kb, n) = (count(ta), count(tb), tb.trials());
            let both = ka.min(kb);
            return Some(PairTable {
                both,
                a_only: ka - both,
                b_only: kb - both,
                neither: n - ka.max(kb),
            });
        }
        if a < b {
            tb.versus_variant(ta, a, m)
        } else {
            ta.versus_variant(tb, b, m).map(|t| PairTable {
                a_only: t.b_only,
                b_only: t.a_only,
                ..t
            })
        }
    }
}

/// Counts the pairs of the variants of [`paired_variants`] by simulating them again on the
/// run's trials, and stores the counters in `result` (used when the run has more than
/// [`PAIR_CAP`] variants). `arms` are the run's compiled arms, baseline first.
pub(super) fn second_pass(s: &Scenario, arms: Vec<Arm>, key: &StreamKey, result: &mut RunResult) {
    let chosen = paired_variants(s, result);
    let sub: Vec<Arm> = arms
        .into_iter()
        .skip(1)
        .enumerate()
        .filter(|(v, _)| chosen.binary_search(v).is_ok())
        .map(|(_, a)| a)
        .collect();
    for (c, cohort) in s.cohorts().iter().enumerate() {
        let job = CohortJob {
            arms: &sub,
            horizon_days: s.horizon_days(),
            cohort: c,
            entries: cohort.entry.len(),
            key,
            streams: vec![CohortStreams::for_cohort(&cohort.name); sub.len()],
            independent: false,
            pairs: chosen.iter().copied().enumerate().collect(),
        };
        let trials = result.stops[c].trials;
        // Everything but the pair counters is discarded: the first chosen variant stands in for
        // the baseline of `CohortJob::block`, which this pass does not need.
        let tallies = job.blocks(0..trials.div_ceil(BLOCK_TRIALS), trials, &|_| {});
        for (t, &v) in tallies.into_iter().zip(&chosen) {
            result.variants[v][c].versus_variants = t.versus_variants;
        }
    }
}
