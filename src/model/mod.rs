//! The referral model of docs/MODEL.md, "One trial": its vocabulary (outcomes, measures, milestones),
//! the compiled network the hot loop walks, and the trial itself. Services and delay laws are
//! shared with the scenario, so they live lower, in [`crate::vocab`].
//!
//! One trial follows one simulated victim of one cohort:
//!
//! 1. draw the entry authority from the cohort's shares;
//! 2. identification at the entry, or the outcome `unidentified`;
//! 3. `t = 0`, file complete, the entry's services granted;
//! 4. at the current authority, the eligible options are closing (`close > 0`) and every channel
//!    out whose `when` matches the case and that passes the cross-border rule; none: `stalled`;
//! 5. a weighted choice; closing gives `closed`;
//! 6. up to `1 + retries` attempts, each with a delay `d`, a dropout chance
//!    `1 - exp(-dropout_per_day * d)` (`dropped`) and a success chance `quality`; all failing
//!    gives `lost`;
//! 7. the file stays complete with chance `fidelity`;
//! 8. new services are granted with a complete file, or with chance `assist_incomplete` with an
//!    incomplete one, else `misclassified`;
//! 9. `stalled` after `max_hops` hops.
//!
//! This module owns no I/O, no threads and no statistics: [`trial::simulate`] is a pure
//! function of the compiled network and a stream of random words.

pub(crate) mod dropout;
pub mod network;
pub mod perfect;
pub mod trial;

pub use crate::vocab::measure::Measure;

/// How a trial ends: exactly one per trial.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// Not identified at the entry point.
    Unidentified,
    /// The case was closed at an authority (the normal end of a pathway).
    Closed,
    /// Every attempt on a channel failed; attributed to that channel.
    Lost,
    /// The victim left the process while a referral was pending; attributed to the channel.
    Dropped,
    /// An incomplete file led to the victim being treated as a migrant or offender; attributed
    /// to the channel that degraded the file.
    Misclassified,
    /// No eligible option at an authority (a structural hole), or `max_hops` reached; which of
    /// the two is [`TrialRecord::stall`].
    Stalled,
}

/// Why a `stalled` trial stalled (docs/MODEL.md, "One trial", steps 4 and 9).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Stall {
    /// A structural hole: no eligible option (no close, no eligible channel) at the authority.
    Hole,
    /// The hop count reached `max_hops` on arrival at the authority (a long pathway or a trap).
    MaxHops,
}

impl Outcome {
    /// All outcomes, in report order.
    pub const ALL: [Outcome; 6] = [
        Outcome::Unidentified,
        Outcome::Closed,
        Outcome::Lost,
        Outcome::Dropped,
        Outcome::Misclassified,
        Outcome::Stalled,
    ];

    /// The measure that counts this outcome.
    pub fn measure(self) -> Measure {
        match self {
            Outcome::Unidentified => Measure::Unidentified,
            Outcome::Closed => Measure::Closed,
            Outcome::Lost => Measure::Lost,
            Outcome::Dropped => Measure::Dropped,
            Outcome::Misclassified => Measure::Misclassified,
            Outcome::Stalled => Measure::Stalled,
        }
    }
}

/// A timed milestone of `times.csv`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Milestone {
    /// Protection granted.
    Protection,
    /// Return granted.
    Return,
    /// Reintegration granted.
    Reintegration,
    /// The last goal milestone granted (the case is complete).
    Completion,
}

impl Milestone {
    /// All milestones, in report order.
    pub const ALL: [Milestone; 4] = [
        Milestone::Protection,
        Milestone::Return,
        Milestone::Reintegration,
        Milestone::Completion,
    ];

    /// The name used in `times.csv`.
    pub fn name(self) -> &'static str {
        match self {
            Milestone::Protection => "protection",
            Milestone::Return => "return",
            Milestone::Reintegration => "reintegration",
            Milestone::Completion => "completion",
        }
    }

    /// Position in [`Milestone::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }
}

/// What one trial produced.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrialRecord {
    /// Index of the entry point in the cohort's entry list.
    pub entry: usize,
    /// How the trial ended.
    pub outcome: Outcome,
    /// The channel a `lost`, `dropped` or `misclassified` outcome is attributed to.
    pub channel: Option<usize>,
    /// The authority where the trial ended: where it was closed or stalled, the **sending**
    /// authority of a `lost` or `dropped` case (the referral from there was pending), the
    /// receiving authority of a `misclassified` one.
    pub at: usize,
    /// For a `stalled` trial, why; `None` for every other outcome.
    pub stall: Option<Stall>,
    /// Day each service was granted, `NaN` if never (indexed by [`crate::vocab::Service::index`]).
    pub granted_at: [f64; 3],
    /// Day the case completed its goal (the goal of its cohort at its entry point), `NaN` if it
    /// did not. The goal is the one the trial read from [`network::CohortPlan::goal_of`];
    /// [`TrialRecord::goal_reached`] is the one answer to "had the goal been reached" that every
    /// tally uses.
    pub completed_at: f64,
    /// Successful channel traversals.
    pub hops: u32,
    /// Whether communication failed somewhere: an attempt failed or a file was degraded on a
    /// channel that is not a movement (movements stay as they are with perfect communication).
    /// When it did not, the trial would have gone exactly the same way with perfect communication (same
    /// words, same choices), which lets the engine skip simulating that arm.
    pub communication_failed: bool,
}

impl TrialRecord {
    /// Whether the trial has `measure`, given the scenario's horizon.
    pub fn has(&self, measure: Measure, horizon_days: Option<f64>) -> bool {
        match measure {
            Measure::Identified => self.outcome != Outcome::Unidentified,
            Measure::Unidentified => self.outcome == Outcome::Unidentified,
            Measure::Closed => self.outcome == Outcome::Closed,
            Measure::Lost => self.outcome == Outcome::Lost,
            Measure::Dropped => self.outcome == Outcome::Dropped,
            Measure::Misclassified => self.outcome == Outcome::Misclassified,
            Measure::Stalled => self.outcome == Outcome::Stalled,
            Measure::Protected => !self.granted_at[0].is_nan(),
            Measure::Returned => !self.granted_at[1].is_nan(),
            Measure::Reintegrated => !self.granted_at[2].is_nan(),
            Measure::Completed => self.goal_reached(),
            Measure::ProtectedInTime => horizon_days.is_some_and(|h| self.granted_at[0] <= h),
        }
    }

    /// Whether the case had reached its goal by the end of the trial. Since a trial ends with its
    /// outcome, a `lost`, `dropped` or `misclassified` case with its goal reached leaked **after**
    /// its goal (docs/MODEL.md, "Outputs", `channels.csv`).
    #[inline]
    pub fn goal_reached(&self) -> bool {
        !self.completed_at.is_nan()
    }

    /// Every measure of the trial as a bit set (bit [`Measure::index`]), computed once so that
    /// tallies need not ask [`TrialRecord::has`] measure by measure.
    #[inline]
    ///
    /// The same bits as [`TrialRecord::has`] for every measure (unit test
    /// `measures_are_has_for_every_measure`): the outcome's from one table lookup, the times'
    /// from their NaN tests.
    pub fn measures(&self, horizon_days: Option<f64>) -> u16 {
        let bit = |m: Measure| 1u16 << m.index();
        let identified = bit(Measure::Identified);
        let by_outcome = match self.outcome {
            Outcome::Unidentified => bit(Measure::Unidentified),
            Outcome::Closed => identified | bit(Measure::Closed),
            Outcome::Lost => identified | bit(Measure::Lost),
            Outcome::Dropped => identified | bit(Measure::Dropped),
            Outcome::Misclassified => identified | bit(Measure::Misclassified),
            Outcome::Stalled => identified | bit(Measure::Stalled),
        };
        let when = |t: f64, m: Measure| u16::from(!t.is_nan()) << m.index();
        let in_time = horizon_days.is_some_and(|h| self.granted_at[0] <= h);
        by_outcome
            | when(self.granted_at[0], Measure::Protected)
            | when(self.granted_at[1], Measure::Returned)
            | when(self.granted_at[2], Measure::Reintegrated)
            | when(self.completed_at, Measure::Completed)
            | (u16::from(in_time) << Measure::ProtectedInTime.index())
    }

    /// Day the milestone was reached, `None` if it was not.
    pub fn time_of(&self, m: Milestone) -> Option<f64> {
        let t = match m {
            Milestone::Protection => self.granted_at[0],
            Milestone::Return => self.granted_at[1],
            Milestone::Reintegration => self.granted_at[2],
            Milestone::Completion => self.completed_at,
        };
        (!t.is_nan()).then_some(t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `measures` sets bit `m` exactly when `has(m)` holds: every outcome, every pattern of
    /// reached times (and times on either side of the horizon), with and without a horizon.
    #[test]
    fn measures_are_has_for_every_measure() {
        let times = [f64::NAN, 0.0, 5.0, 30.0];
        let mut checked = 0;
        for outcome in Outcome::ALL {
            for (p, r, i, c) in time_patterns(&times) {
                let rec = TrialRecord {
                    entry: 0,
                    outcome,
                    channel: None,
                    at: 0,
                    stall: None,
                    granted_at: [p, r, i],
                    completed_at: c,
                    hops: 0,
                    communication_failed: false,
                };
                for horizon in [None, Some(10.0), Some(0.0)] {
                    let bits = rec.measures(horizon);
                    for m in Measure::ALL {
                        assert_eq!(
                            bits >> m.index() & 1 == 1,
                            rec.has(m, horizon),
                            "{outcome:?} {m:?} {horizon:?}"
                        );
                    }
                    checked += 1;
                }
            }
        }
        assert_eq!(checked, 6 * 256 * 3);
    }

    fn time_patterns(t: &[f64; 4]) -> impl Iterator<Item = (f64, f64, f64, f64)> + '_ {
        (0..256).map(move |k| (t[k & 3], t[(k >> 2) & 3], t[(k >> 4) & 3], t[(k >> 6) & 3]))
    }
}
