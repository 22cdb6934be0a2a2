//! Accumulators of simulated trials and the statistics computed from them.
//!
//! Every accumulator here holds **integers only** (counts, fixed-point sums, histogram bins) and
//! has a `merge` method, so combining the tallies of blocks, threads or shards is exact and does
//! not depend on order: this is what makes results independent of the thread count (xsv's
//! `Commute::merge` habit). Intervals live in [`interval`], the histogram in [`histogram`], the
//! gap and inconsistency measures in [`gap`]. [`sensitivity`] holds the designs and estimators
//! of global sensitivity analysis (Sobol' indices, Morris elementary effects, Latin hypercube);
//! [`world`] the outcomes of one sampled world of an uncertainty run.

pub mod gap;
pub mod histogram;
pub mod interval;
pub mod sensitivity;
pub mod world;

use histogram::{Histogram, IntHistogram};
use interval::PairTable;

use crate::model::trial::Observer;
use crate::model::{Measure, Milestone, TrialRecord};

/// Tally of the trials that entered at one entry point (the atom of every breakdown).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GroupTally {
    /// Trials.
    pub trials: u64,
    /// Trials having each measure, indexed by [`Measure::index`].
    pub counts: [u64; Measure::COUNT],
    /// Day each milestone was reached, indexed by [`Milestone::index`].
    pub times: [Histogram; 4],
    /// Hops of identified cases.
    pub hops: IntHistogram,
}

impl GroupTally {
    /// Adds one trial whose measures are `measures` (see [`TrialRecord::measures`]).
    #[inline]
    pub fn record(&mut self, rec: &TrialRecord, measures: u16) {
        self.trials += 1;
        for (i, c) in self.counts.iter_mut().enumerate() {
            *c += u64::from((measures >> i) & 1);
        }
        for m in Milestone::ALL {
            if let Some(t) = rec.time_of(m) {
                self.times[m.index()].add(t);
            }
        }
        if measures & (1 << Measure::Identified.index()) != 0 {
            self.hops.add(rec.hops);
        }
    }

    /// Adds another tally.
    pub fn merge(&mut self, o: &GroupTally) {
        self.trials += o.trials;
        for (a, b) in self.counts.iter_mut().zip(&o.counts) {
            *a += b;
        }
        for (a, b) in self.times.iter_mut().zip(&o.times) {
            a.merge(b);
        }
        self.hops.merge(&o.hops);
    }

    /// Trials having `m`.
    pub fn count(&self, m: Measure) -> u64 {
        self.counts[m.index()]
    }
}

/// Events on one channel, for the leak map.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ChannelCounts {
    /// Attempts made.
    pub attempts: u64,
    /// Attempts that failed.
    pub failures: u64,
    /// Cases lost (every attempt failed).
    pub losses: u64,
    /// Victims who dropped out while a referral on the channel was pending.
    pub dropouts: u64,
    /// Files the channel delivered incomplete.
    pub degraded: u64,
    /// Cases misclassified because this channel degraded their file.
    pub misclassified: u64,
}

impl ChannelCounts {
    /// Adds another counter.
    pub fn merge(&mut self, o: &ChannelCounts) {
        self.attempts += o.attempts;
        self.failures += o.failures;
        self.losses += o.losses;
        self.dropouts += o.dropouts;
        self.degraded += o.degraded;
        self.misclassified += o.misclassified;
    }

    /// Cases the channel accounts for: lost on it, dropped while pending on it, or
    /// misclassified because of it.
    pub fn leaked(&self) -> u64 {
        self.losses + self.dropouts + self.misclassified
    }
}

/// Records channel events of a trial into a slice of counters.
#[derive(Debug)]
pub struct ChannelObserver<'a>(pub &'a mut [ChannelCounts]);

impl Observer for ChannelObserver<'_> {
    #[inline]
    fn attempt(&mut self, c: usize) {
        self.0[c].attempts += 1;
    }
    #[inline]
    fn failure(&mut self, c: usize) {
        self.0[c].failures += 1;
    }
    #[inline]
    fn loss(&mut self, c: usize) {
        self.0[c].losses += 1;
    }
    #[inline]
    fn dropout(&mut self, c: usize) {
        self.0[c].dropouts += 1;
    }
    #[inline]
    fn degraded(&mut self, c: usize) {
        self.0[c].degraded += 1;
    }
    #[inline]
    fn misclassified(&mut self, c: usize) {
        self.0[c].misclassified += 1;
    }
}

/// Adds the disagreements of two trials' measure bits to `(a only, b only)` counters.
#[inline]
fn count_discordant(counts: &mut [(u64, u64); Measure::COUNT], a: u16, b: u16) {
    let mut diff = a ^ b;
    while diff != 0 {
        let i = diff.trailing_zeros() as usize;
        if a & (1 << i) != 0 {
            counts[i].0 += 1;
        } else {
            counts[i].1 += 1;
        }
        diff &= diff - 1;
    }
}

/// The 2×2 table of `n` pairs whose arm `a` has `a_count` yes and `(a only, b only)`
/// disagreements: the concordant cells follow.
fn pair_table(n: u64, a_count: u64, (a_only, b_only): (u64, u64)) -> PairTable {
    let both = a_count - a_only;
    PairTable {
        both,
        a_only,
        b_only,
        neither: n - both - a_only - b_only,
    }
}

/// Everything measured for one cohort in one run.
#[derive(Debug, Clone, PartialEq)]
pub struct CohortTally {
    /// One tally per entry point, in the cohort's entry order.
    pub entries: Vec<GroupTally>,
    /// Channel events, indexed by channel.
    pub channels: Vec<ChannelCounts>,
    /// Per measure, the discordant pairs of (actual, perfect communication) outcomes of the same
    /// trials: (actual only, perfect only). The concordant cells follow from the actual counts,
    /// so only disagreements, which are rare, cost anything per trial; see
    /// [`CohortTally::perfect`].
    pub discordant: [(u64, u64); Measure::COUNT],
    /// For a variant: per measure, the discordant pairs of (baseline, this variant) outcomes of
    /// the same trials: (baseline only, variant only); see [`CohortTally::versus_baseline`].
    /// Zero for the baseline itself.
    pub versus: [(u64, u64); Measure::COUNT],
}

impl CohortTally {
    /// An empty tally for a cohort with `entries` entry points in a network of `channels`.
    pub fn new(entries: usize, channels: usize) -> CohortTally {
        CohortTally {
            entries: vec![GroupTally::default(); entries],
            channels: vec![ChannelCounts::default(); channels],
            discordant: [(0, 0); Measure::COUNT],
            versus: [(0, 0); Measure::COUNT],
        }
    }

    /// Adds another tally of the same cohort.
    pub fn merge(&mut self, o: &CohortTally) {
        for (a, b) in self.entries.iter_mut().zip(&o.entries) {
            a.merge(b);
        }
        for (a, b) in self.channels.iter_mut().zip(&o.channels) {
            a.merge(b);
        }
        for (a, b) in self
            .discordant
            .iter_mut()
            .zip(&o.discordant)
            .chain(self.versus.iter_mut().zip(&o.versus))
        {
            a.0 += b.0;
            a.1 += b.1;
        }
    }

    /// Records the pair (actual, perfect) of the same trial, given both trials' measure bits.
    #[inline]
    pub fn record_pair(&mut self, actual: u16, perfect: u16) {
        count_discordant(&mut self.discordant, actual, perfect);
    }

    /// Records the pair (baseline, this variant) of the same trial.
    #[inline]
    pub fn record_versus(&mut self, baseline: u16, variant: u16) {
        count_discordant(&mut self.versus, baseline, variant);
    }

    /// The paired 2×2 table of measure `m`: arm `a` is the scenario as given, arm `b` perfect
    /// communication, on the same trials.
    pub fn perfect(&self, m: Measure) -> PairTable {
        let actual: u64 = self.entries.iter().map(|e| e.count(m)).sum();
        pair_table(self.trials(), actual, self.discordant[m.index()])
    }

    /// The paired 2×2 table of measure `m` of this variant against `baseline` (the baseline's
    /// tally of the same cohort and trials): arm `a` is the baseline, arm `b` this variant.
    pub fn versus_baseline(&self, baseline: &CohortTally, m: Measure) -> PairTable {
        let base: u64 = baseline.entries.iter().map(|e| e.count(m)).sum();
        pair_table(self.trials(), base, self.versus[m.index()])
    }

    /// The tally of all entry points together.
    pub fn total(&self) -> GroupTally {
        let mut t = GroupTally::default();
        for e in &self.entries {
            t.merge(e);
        }
        t
    }

    /// Trials of the cohort.
    pub fn trials(&self) -> u64 {
        self.entries.iter().map(|e| e.trials).sum()
    }
}
