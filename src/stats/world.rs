//! The outcomes of one sampled world of `refgap uncertainty`, whichever way it was evaluated:
//! solved exactly ([`crate::exact::uncertainty`]) or simulated on common random numbers
//! ([`crate::engine::world`]). Plain data, shared by both so that the report reads one type.

use crate::model::Measure;
use crate::scenario::Scenario;

/// The measures of an uncertainty run, then the gap (perfect minus actual completed rate).
pub const MEASURES: [Measure; 5] = [
    Measure::Identified,
    Measure::Protected,
    Measure::Returned,
    Measure::Reintegrated,
    Measure::Completed,
];

/// Names of the outcome columns: the measures of [`MEASURES`], then `gap`.
pub const OUTCOME_NAMES: [&str; 6] = [
    "identified",
    "protected",
    "returned",
    "reintegrated",
    "completed",
    "gap",
];

/// One arm (baseline or intervention) of one world: per cohort, the rate of each outcome of
/// [`OUTCOME_NAMES`].
pub type Arm = Vec<[f64; 6]>;

/// One evaluated point of the design.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    /// The value of each factor.
    pub values: Vec<f64>,
    /// Values clamped to their parameter's range while the world was made.
    pub clamped: usize,
    /// The baseline, then each intervention in [`Scenario::variants`] order.
    pub arms: Vec<Arm>,
    /// Per arm, per cohort, the rate of `protected_in_time`: only when the world was simulated
    /// and the scenario has a horizon (the exact solver has no clock); empty otherwise.
    pub in_time: Vec<Vec<f64>>,
    /// The value of each observed figure ([`Scenario::observed`]) in this world's baseline.
    pub observed: Vec<f64>,
}

impl Sample {
    /// Whether every observed figure falls in its range: the world is plausible.
    pub fn plausible(&self, s: &Scenario) -> bool {
        s.observed()
            .iter()
            .zip(&self.observed)
            .all(|(o, v)| (o.lo..=o.hi).contains(v))
    }
}
