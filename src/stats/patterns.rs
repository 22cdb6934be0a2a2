//! Measure counts by pattern: the engine's way of counting a trial's measures with one table
//! increment instead of one add per measure.
//!
//! A trial's measures are a 12-bit set ([`TrialRecord::measures`](crate::model::TrialRecord::measures)),
//! and [`GroupTally::counts`] holds, per measure, the trials that have it. Adding the 12 bits one by
//! one costs a dozen adds per trial (3 % of bench100's instructions); trials of a block share few
//! patterns, so [`PatternCounts`] counts how many trials had each (entry point, pattern) and
//! [`PatternCounts::settle`] adds them to the groups' `trials` and `counts` once per arm and block,
//! pattern by pattern. The result is the same integers, whatever the block. The table is `2^12`
//! counters (16 KiB) per entry point, one per worker: each arm settles its block before the next
//! arm uses the table.

use super::GroupTally;
use crate::model::Measure;

/// Patterns of [`Measure::COUNT`] bits.
const PATTERNS: usize = 1 << Measure::COUNT;

/// Trials per (entry point, pattern) since the last [`PatternCounts::settle`], and which of those
/// counters are not zero. A worker's scratch space, reused from block to block.
#[derive(Debug, Clone, Default)]
pub struct PatternCounts {
    /// `PATTERNS` counters per entry point.
    counts: Vec<u32>,
    /// The indices of `counts` that are not zero, each once.
    touched: Vec<usize>,
}

impl PatternCounts {
    /// Counts one trial at entry point `entry` with measure bits `measures`.
    ///
    /// `measures` must have no bit at or above [`Measure::COUNT`] (checked in debug builds: in
    /// release such a bit would count the trial at another entry point). At most `u32::MAX`
    /// trials may be counted between two settles; the engine settles every block (1,024 trials).
    #[inline]
    pub fn add(&mut self, entry: usize, measures: u16) {
        debug_assert!(usize::from(measures) < PATTERNS, "measure bits {measures:#b}");
        let i = entry * PATTERNS + usize::from(measures);
        if i >= self.counts.len() {
            self.counts.resize((entry + 1) * PATTERNS, 0);
        }
        let c = &mut self.counts[i];
        if *c == 0 {
            self.touched.push(i);
        }
        *c += 1;
    }

    /// Adds the trials counted since the last settle to `groups` (indexed by entry point): their
    /// number to `trials` and, per measure, those having it to `counts`; then starts again from
    /// zero.
    pub fn settle(&mut self, groups: &mut [GroupTally]) {
        for &i in &self.touched {
            let n = u64::from(std::mem::take(&mut self.counts[i]));
            let (entry, pattern) = (i / PATTERNS, i % PATTERNS);
            let g = &mut groups[entry];
            g.trials += n;
            for (m, c) in g.counts.iter_mut().enumerate() {
                *c += n * ((pattern >> m) & 1) as u64;
            }
        }
        self.touched.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{RngExt, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    /// Counting by pattern and settling gives the counts of adding every trial's bits one by one,
    /// over several settles and entry points.
    #[test]
    fn settled_counts_are_bit_by_bit_counts() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let entries = 3;
        let mut want = vec![GroupTally::default(); entries];
        let mut got = vec![GroupTally::default(); entries];
        let mut p = PatternCounts::default();
        for block in 0..5 {
            for _ in 0..1_000 {
                let e = rng.random_range(0..entries);
                // Few patterns, as in a real block, and now and then any.
                let m: u16 = if rng.random_bool(0.9) {
                    [0b1, 0b101, 0b1100_0000_0001][rng.random_range(0..3)]
                } else {
                    rng.random_range(0..PATTERNS as u16)
                };
                want[e].trials += 1;
                for (i, c) in want[e].counts.iter_mut().enumerate() {
                    *c += u64::from((m >> i) & 1);
                }
                p.add(e, m);
            }
            if block % 2 == 1 {
                p.settle(&mut got);
            }
        }
        p.settle(&mut got);
        assert_eq!(got, want);
        assert!(p.touched.is_empty() && p.counts.iter().all(|&c| c == 0));
    }
}
