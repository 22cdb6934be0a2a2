//! The measures of the results tables: yes/no properties of one trial (an outcome, a milestone
//! reached, identification), named as in `rates.csv`. They live here, below the scenario,
//! because the scenario names them too (`[[observed]]` figures); the model re-exports them.

use super::Service;

/// A measure of `rates.csv`: a yes/no property of one trial.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Measure {
    /// Identified at the entry point.
    Identified,
    /// Outcome `unidentified`.
    Unidentified,
    /// Outcome `closed`.
    Closed,
    /// Outcome `lost`.
    Lost,
    /// Outcome `dropped`.
    Dropped,
    /// Outcome `misclassified`.
    Misclassified,
    /// Outcome `stalled`.
    Stalled,
    /// Protection reached.
    Protected,
    /// Return reached.
    Returned,
    /// Reintegration reached.
    Reintegrated,
    /// Every goal milestone of the cohort reached.
    Completed,
    /// Protection reached no later than `horizon_days` (only with a horizon).
    ProtectedInTime,
}

impl Measure {
    /// All measures, in report order.
    pub const ALL: [Measure; 12] = [
        Measure::Identified,
        Measure::Unidentified,
        Measure::Closed,
        Measure::Lost,
        Measure::Dropped,
        Measure::Misclassified,
        Measure::Stalled,
        Measure::Protected,
        Measure::Returned,
        Measure::Reintegrated,
        Measure::Completed,
        Measure::ProtectedInTime,
    ];

    /// Number of measures.
    pub const COUNT: usize = Measure::ALL.len();

    /// The name used in `rates.csv`.
    pub fn name(self) -> &'static str {
        match self {
            Measure::Identified => "identified",
            Measure::Unidentified => "unidentified",
            Measure::Closed => "closed",
            Measure::Lost => "lost",
            Measure::Dropped => "dropped",
            Measure::Misclassified => "misclassified",
            Measure::Stalled => "stalled",
            Measure::Protected => "protected",
            Measure::Returned => "returned",
            Measure::Reintegrated => "reintegrated",
            Measure::Completed => "completed",
            Measure::ProtectedInTime => "protected_in_time",
        }
    }

    /// The measure named `name` in `rates.csv`.
    pub fn parse(name: &str) -> Option<Measure> {
        Measure::ALL.into_iter().find(|m| m.name() == name)
    }

    /// Position in [`Measure::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }

    /// The measure counting that a service was reached.
    pub fn of_service(s: Service) -> Measure {
        match s {
            Service::Protection => Measure::Protected,
            Service::Return => Measure::Returned,
            Service::Reintegration => Measure::Reintegrated,
        }
    }
}
