//! [`ExactCohort`]: the exact probabilities of one cohort, per entry point, as actually
//! referred and with perfect communication, and how they combine over entry points.

use crate::model::Measure;
use crate::scenario::Cohort;

/// Exact probabilities of one cohort.
#[derive(Debug, Clone, PartialEq)]
pub struct ExactCohort {
    /// Per entry point (cohort order), the probability of each measure ([`Measure::ALL`] order;
    /// `protected_in_time` is `NaN`: the chain has no clock).
    pub entries: Vec<[f64; Measure::COUNT]>,
    /// The same with perfect communication (every quality and fidelity 1, movements as given).
    pub perfect: Vec<[f64; Measure::COUNT]>,
    /// Transient states of the chain: every structurally possible one, including states reached
    /// with probability 0 (e.g. an incomplete file behind channels of fidelity 1), so that all
    /// variants share one state space.
    pub states: usize,
    /// States that never get absorbed by the model's rules and count as `stalled` (counted the
    /// same way).
    pub trapped: usize,
    /// Probability that a case is still being referred after `max_hops` hops (not yet closed,
    /// lost, dropped, misclassified or stalled): the simulation stalls it there, the chain does
    /// not, so this bounds their difference. Trapped states are excluded (both stall them).
    pub beyond_max_hops: f64,
    /// How the chain's linear system was solved: `lu` (sparse LU) or `iterative` (the actual
    /// chain's; the perfect chain, of the same size, is solved the same way).
    pub solver: &'static str,
}

impl ExactCohort {
    /// Share-weighted probability over a set of entry points (`None`: all of them).
    pub fn aggregate(
        probs: &[[f64; Measure::COUNT]],
        cohort: &Cohort,
        keep: impl Fn(usize) -> bool,
    ) -> [f64; Measure::COUNT] {
        let mut out = [0.0; Measure::COUNT];
        let mut weight = 0.0;
        for (k, p) in probs.iter().enumerate().filter(|(k, _)| keep(*k)) {
            let w = cohort.entry[k].1;
            weight += w;
            for (o, x) in out.iter_mut().zip(p) {
                *o += w * x;
            }
        }
        out.map(|x| x / weight)
    }
}
