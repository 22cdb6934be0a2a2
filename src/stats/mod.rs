//! Accumulators of simulated trials and the statistics computed from them.
//!
//! Every accumulator here holds **integers only** (counts, fixed-point sums, histogram bins) and
//! has a `merge` method, so combining the tallies of blocks, threads or shards is exact and does
//! not depend on order: this is what makes results independent of the thread count (xsv's
//! `Commute::merge` habit). Intervals live in [`interval`], the histogram in [`histogram`], the
//! gap and inconsistency measures in [`gap`], the chi-square test of homogeneity across entry
//! points in [`homogeneity`]; [`patterns`] counts trials by measure pattern for the engine's
//! block loop (one table increment per trial, settled into the groups' counts once per block).
//! [`sensitivity`] holds the designs and estimators
//! of global sensitivity analysis (Sobol' indices, Morris elementary effects, Latin hypercube);
//! [`world`] the outcomes of one sampled world of an uncertainty run.
//!
//! **Why the tallies derive `Serialize` and `Deserialize`** (the one exception to "only `report`
//! derives `Serialize`, only `scenario::raw` derives `Deserialize`"): a shard file or a
//! checkpoint of a run (`report::shard`) carries the integer tallies of part of the trials, and
//! merging it must be exact. Deriving the encoding on the tally types themselves makes it cover
//! every field from one place: a field added to a tally is in every shard file at once, and a
//! field whose type cannot be encoded fails to compile. `deny_unknown_fields` makes a shard of
//! another tally layout fail to load instead of merging partly. Nothing here does I/O: the
//! derives only describe the data; `report::shard` owns the file format around it.

pub mod gap;
pub mod histogram;
pub mod homogeneity;
pub mod interval;
pub mod patterns;
pub mod sensitivity;
pub mod world;

use gap::{GapEstimate, GapSums, ONE};
use histogram::{Histogram, IntHistogram};
use interval::PairTable;
pub use patterns::PatternCounts;
use serde::{Deserialize, Serialize};

use crate::model::trial::Observer;
use crate::model::{Measure, Milestone, Outcome, Stall, TrialRecord};

/// Quantile `q` of sorted, non-empty `sorted`, interpolating linearly between order statistics
/// (Hyndman & Fan type 7, the default of R and NumPy): the one quantile of sampled values that
/// bootstrap intervals and the uncertainty and transfer tables share.
pub fn quantile(sorted: &[f64], q: f64) -> f64 {
    let h = (sorted.len() - 1) as f64 * q;
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(sorted.len() - 1);
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

/// Tally of the trials that entered at one entry point (the atom of every breakdown).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
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
    /// Adds one trial whose measures are `measures` (see [`TrialRecord::measures`]). The engine
    /// counts `trials` and `counts` by pattern instead ([`PatternCounts`]); this is the plain
    /// per-trial form, which the tests and benches compare with it.
    #[inline]
    pub fn record(&mut self, rec: &TrialRecord, measures: u16) {
        self.trials += 1;
        for (i, c) in self.counts.iter_mut().enumerate() {
            *c += u64::from((measures >> i) & 1);
        }
        self.record_times(rec, measures);
    }

    /// Adds the times and hops of one trial whose measures are `measures`, not the trial itself
    /// (`trials` and `counts`): the engine counts those by pattern ([`PatternCounts`]).
    #[inline]
    pub fn record_times(&mut self, rec: &TrialRecord, measures: u16) {
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
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
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
    /// Of `losses`, the cases that had already reached their goal
    /// ([`TrialRecord::goal_reached`]).
    pub losses_after_goal: u64,
    /// Of `dropouts`, the victims who had already reached their goal.
    pub dropouts_after_goal: u64,
    /// Of `misclassified`, the cases that had already reached their goal.
    pub misclassified_after_goal: u64,
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
        self.losses_after_goal += o.losses_after_goal;
        self.dropouts_after_goal += o.dropouts_after_goal;
        self.misclassified_after_goal += o.misclassified_after_goal;
    }

    /// Cases the channel accounts for: lost on it, dropped while pending on it, or
    /// misclassified because of it.
    pub fn leaked(&self) -> u64 {
        self.losses + self.dropouts + self.misclassified
    }

    /// Of [`ChannelCounts::leaked`], the cases that had already reached their goal: leaks that
    /// cost the victim a later service, not the assistance the goal stands for.
    pub fn leaked_after_goal(&self) -> u64 {
        self.losses_after_goal + self.dropouts_after_goal + self.misclassified_after_goal
    }

    /// Of [`ChannelCounts::leaked`], the cases that had not reached their goal: what the
    /// leak map ranks channels by.
    pub fn leaked_before_goal(&self) -> u64 {
        self.leaked() - self.leaked_after_goal()
    }

    /// Successful deliveries: every attempt either drops out, fails, or delivers and ends the
    /// attempts.
    pub fn delivered(&self) -> u64 {
        self.attempts - self.failures - self.dropouts
    }
}

/// What happened at one authority to the cases of one cohort (`authorities.csv`). Every visit of
/// a case to an authority (its entry, or a delivery by a channel) ends in exactly one of: a
/// delivery onward (counted on the channel, [`ChannelCounts::delivered`]), `closed`, a stall,
/// `dropped` or `lost` (on a referral sent from here), or `misclassified` (on arrival here).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthorityCounts {
    /// Identified cases that entered here.
    pub entered: u64,
    /// Deliveries of a case here by a channel (a case that comes back counts again).
    pub arrivals: u64,
    /// Cases closed here.
    pub closed: u64,
    /// Cases stalled here for want of any eligible option (a structural hole).
    pub stalled_hole: u64,
    /// Cases stalled here because their hop count reached `max_hops` on arrival.
    pub stalled_max_hops: u64,
    /// Victims who dropped out while a referral sent from here was pending.
    pub dropped: u64,
    /// Cases lost on a referral sent from here (every attempt failed).
    pub lost: u64,
    /// Cases misclassified on arrival here.
    pub misclassified: u64,
}

impl AuthorityCounts {
    /// Adds another counter.
    pub fn merge(&mut self, o: &AuthorityCounts) {
        self.entered += o.entered;
        self.arrivals += o.arrivals;
        self.closed += o.closed;
        self.stalled_hole += o.stalled_hole;
        self.stalled_max_hops += o.stalled_max_hops;
        self.dropped += o.dropped;
        self.lost += o.lost;
        self.misclassified += o.misclassified;
    }
}

/// Records the events of a trial into a cohort's channel and authority counters (the
/// [`Observer`] of the actual arm; the outcome itself is added by [`CohortTally::record_end`]).
#[derive(Debug)]
pub struct ChannelObserver<'a> {
    /// Channel counters, indexed by channel.
    pub channels: &'a mut [ChannelCounts],
    /// Authority counters, indexed by authority.
    pub authorities: &'a mut [AuthorityCounts],
}

impl Observer for ChannelObserver<'_> {
    #[inline]
    fn arrival(&mut self, a: usize) {
        self.authorities[a].arrivals += 1;
    }
    #[inline]
    fn attempt(&mut self, c: usize) {
        self.channels[c].attempts += 1;
    }
    #[inline]
    fn failure(&mut self, c: usize) {
        self.channels[c].failures += 1;
    }
    #[inline]
    fn loss(&mut self, c: usize) {
        self.channels[c].losses += 1;
    }
    #[inline]
    fn dropout(&mut self, c: usize) {
        self.channels[c].dropouts += 1;
    }
    #[inline]
    fn degraded(&mut self, c: usize) {
        self.channels[c].degraded += 1;
    }
    #[inline]
    fn misclassified(&mut self, c: usize) {
        self.channels[c].misclassified += 1;
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

/// For one variant of a run, its pairing with one *earlier* variant (in the scenario's variant
/// order) on the same trials: the variant pairs of `pairwise.csv`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VersusVariant {
    /// Index of the earlier variant in [`crate::scenario::Scenario::variants`].
    pub variant: usize,
    /// Per measure, the discordant pairs (earlier variant only, this variant only).
    pub discordant: [(u64, u64); Measure::COUNT],
}

/// The encoding of a cohort's channel and authority counters in shard files: the number of
/// elements and only the counters of elements with some event (a shard of a few blocks touches
/// few of a large network's channels and authorities).
mod sparse {
    use serde::de::DeserializeOwned;
    use serde::{Deserialize, Deserializer, Serialize, Serializer, de::Error};

    #[derive(Serialize, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Sparse<T> {
        len: usize,
        used: Vec<(usize, T)>,
    }

    pub fn serialize<S, T>(items: &[T], s: S) -> Result<S::Ok, S::Error>
    where
        S: Serializer,
        T: Serialize + Default + PartialEq + Copy,
    {
        let used = items
            .iter()
            .enumerate()
            .filter(|(_, c)| **c != T::default())
            .map(|(i, c)| (i, *c))
            .collect();
        Sparse { len: items.len(), used }.serialize(s)
    }

    pub fn deserialize<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
    where
        D: Deserializer<'de>,
        T: DeserializeOwned + Default + PartialEq + Copy,
    {
        let sparse = Sparse::<T>::deserialize(d)?;
        if sparse.len > 1 << 24 {
            return Err(D::Error::custom(format!(
                "{} elements is more than any network has",
                sparse.len
            )));
        }
        let mut items = vec![T::default(); sparse.len];
        for (i, c) in sparse.used {
            match items.get_mut(i) {
                Some(slot) if *slot == T::default() => *slot = c,
                _ => return Err(D::Error::custom(format!("element {i} is out of range or repeated"))),
            }
        }
        Ok(items)
    }
}

/// Everything measured for one cohort in one run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CohortTally {
    /// One tally per entry point, in the cohort's entry order.
    pub entries: Vec<GroupTally>,
    /// Channel events, indexed by channel.
    #[serde(with = "sparse")]
    pub channels: Vec<ChannelCounts>,
    /// Authority events, indexed by authority.
    #[serde(with = "sparse")]
    pub authorities: Vec<AuthorityCounts>,
    /// Whether the perfect-communication arm was simulated (else its probability of completing
    /// was looked up: docs/MODEL.md, "The perfect arm by conditioning").
    pub perfect_simulated: bool,
    /// The per-trial referral gap's sums (either way); see [`CohortTally::gap`].
    pub gap: GapSums,
    /// With a simulated perfect arm, per measure, the discordant pairs of (actual, perfect
    /// communication) outcomes of the same trials: (actual only, perfect only). The concordant
    /// cells follow from the actual counts, so only disagreements, which are rare, cost anything
    /// per trial; see [`CohortTally::perfect`]. Zero otherwise.
    pub discordant: [(u64, u64); Measure::COUNT],
    /// For a variant: per measure, the discordant pairs of (baseline, this variant) outcomes of
    /// the same trials: (baseline only, variant only); see [`CohortTally::versus_baseline`].
    /// Zero for the baseline itself.
    pub versus: [(u64, u64); Measure::COUNT],
    /// For a variant among the paired ones (at most `engine::pairs::PAIR_CAP`, and only with
    /// common random numbers): its pairing with each earlier paired variant, in variant order;
    /// see [`CohortTally::versus_variant`]. Empty otherwise.
    pub versus_variants: Vec<VersusVariant>,
}

impl CohortTally {
    /// An empty tally for a cohort with `entries` entry points in a network of `channels`
    /// channels and `authorities` authorities.
    /// `perfect_simulated` says how its perfect-communication arm will be recorded.
    pub fn new(entries: usize, channels: usize, authorities: usize, perfect_simulated: bool) -> CohortTally {
        CohortTally {
            entries: vec![GroupTally::default(); entries],
            channels: vec![ChannelCounts::default(); channels],
            authorities: vec![AuthorityCounts::default(); authorities],
            perfect_simulated,
            gap: GapSums::default(),
            discordant: [(0, 0); Measure::COUNT],
            versus: [(0, 0); Measure::COUNT],
            versus_variants: Vec::new(),
        }
    }

    /// Adds another tally of the same cohort.
    pub fn merge(&mut self, o: &CohortTally) {
        debug_assert_eq!(self.perfect_simulated, o.perfect_simulated);
        self.gap.merge(&o.gap);
        for (a, b) in self.entries.iter_mut().zip(&o.entries) {
            a.merge(b);
        }
        for (a, b) in self.channels.iter_mut().zip(&o.channels) {
            a.merge(b);
        }
        for (a, b) in self.authorities.iter_mut().zip(&o.authorities) {
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
        if self.versus_variants.is_empty() {
            self.versus_variants.clone_from(&o.versus_variants);
        } else if !o.versus_variants.is_empty() {
            debug_assert_eq!(self.versus_variants.len(), o.versus_variants.len());
            for (a, b) in self.versus_variants.iter_mut().zip(&o.versus_variants) {
                debug_assert_eq!(a.variant, b.variant);
                for (x, y) in a.discordant.iter_mut().zip(&b.discordant) {
                    x.0 += y.0;
                    x.1 += y.1;
                }
            }
        }
    }

    /// The observer that records a trial's channel events and arrivals into this tally.
    pub fn observer(&mut self) -> ChannelObserver<'_> {
        ChannelObserver {
            channels: &mut self.channels,
            authorities: &mut self.authorities,
        }
    }

    /// Records where the trial `rec` ended, for the leak map and the authority table: its
    /// outcome at [`TrialRecord::at`], its entry at `entered_at` (the entry authority), and for
    /// a leak on a channel whether the case had reached its goal. Outcome events are read from
    /// the record, not observed, because only the finished record knows the goal was reached.
    #[inline]
    pub fn record_end(&mut self, rec: &TrialRecord, entered_at: usize) {
        if rec.outcome == Outcome::Unidentified {
            return;
        }
        self.authorities[entered_at].entered += 1;
        let at = &mut self.authorities[rec.at];
        match rec.outcome {
            Outcome::Unidentified => {}
            Outcome::Closed => at.closed += 1,
            Outcome::Stalled => match rec.stall {
                Some(Stall::MaxHops) => at.stalled_max_hops += 1,
                Some(Stall::Hole) | None => at.stalled_hole += 1,
            },
            Outcome::Lost => at.lost += 1,
            Outcome::Dropped => at.dropped += 1,
            Outcome::Misclassified => at.misclassified += 1,
        }
        if let (Some(e), true) = (rec.channel, rec.goal_reached()) {
            let c = &mut self.channels[e];
            match rec.outcome {
                Outcome::Lost => c.losses_after_goal += 1,
                Outcome::Dropped => c.dropouts_after_goal += 1,
                Outcome::Misclassified => c.misclassified_after_goal += 1,
                _ => {}
            }
        }
    }

    /// Records the pair (actual, perfect) of the same trial, given both trials' measure bits
    /// (a simulated perfect arm).
    #[inline]
    pub fn record_pair(&mut self, actual: u16, perfect: u16) {
        count_discordant(&mut self.discordant, actual, perfect);
        let done = |bits: u16| bits & (1 << Measure::Completed.index()) != 0;
        self.gap.record(done(actual), if done(perfect) { ONE } else { 0 });
    }

    /// Records a trial whose perfect arm was looked up at its first communication failure: whether
    /// the actual arm completed, and the perfect arm's probability of completing in fixed point
    /// ([`gap::fixed`]). A trial without a failure has a gap of 0 and needs no record (the
    /// trial count comes from the entry tallies).
    #[inline]
    pub fn record_conditional(&mut self, actual_completed: bool, perfect: u64) {
        self.gap.record(actual_completed, perfect);
    }

    /// The referral gap (perfect arm's completed rate minus this arm's) with its interval at
    /// normal quantile `z` ([`GapSums::estimate`]), and this arm's completed rate.
    pub fn gap(&self, z: f64) -> (GapEstimate, f64) {
        let n = self.trials();
        let done: u64 = self.entries.iter().map(|e| e.count(Measure::Completed)).sum();
        (
            self.gap.estimate(n, z),
            if n == 0 { 0.0 } else { done as f64 / n as f64 },
        )
    }

    /// Records the pair (baseline, this variant) of the same trial.
    #[inline]
    pub fn record_versus(&mut self, baseline: u16, variant: u16) {
        count_discordant(&mut self.versus, baseline, variant);
    }

    /// Records the pair (earlier variant, this variant) of the same trial, for the `j`-th entry
    /// of [`CohortTally::versus_variants`].
    #[inline]
    pub fn record_versus_variant(&mut self, j: usize, earlier: u16, this: u16) {
        count_discordant(&mut self.versus_variants[j].discordant, earlier, this);
    }

    /// The paired 2×2 table of measure `m` of this variant against the earlier variant of index
    /// `variant`, whose tally of the same cohort and trials is `earlier`: arm `a` is the earlier
    /// variant, arm `b` this one. `None` when the pair was not counted.
    pub fn versus_variant(&self, earlier: &CohortTally, variant: usize, m: Measure) -> Option<PairTable> {
        let v = self.versus_variants.iter().find(|v| v.variant == variant)?;
        let a: u64 = earlier.entries.iter().map(|e| e.count(m)).sum();
        Some(pair_table(self.trials(), a, v.discordant[m.index()]))
    }

    /// The paired 2×2 table of measure `m`: arm `a` is the scenario as given, arm `b` perfect
    /// communication, on the same trials. `None` unless the perfect arm was simulated.
    pub fn perfect(&self, m: Measure) -> Option<PairTable> {
        let actual: u64 = self.entries.iter().map(|e| e.count(m)).sum();
        self.perfect_simulated
            .then(|| pair_table(self.trials(), actual, self.discordant[m.index()]))
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
