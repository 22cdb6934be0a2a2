//! Simulated rates against the exact solution: the z-score of every rate of a simulated arm
//! from its exact probability. `refgap run --check-exact` prints these; nothing here prints.
//!
//! A rate `k/n` against an exact probability `p` has `z = (k/n − p) / sqrt(p(1−p)/n)`, the
//! normal approximation of the binomial. An exact probability of 0 or 1 admits no sampling
//! noise: `z` is 0 when the count matches it and infinite otherwise.

use super::ExactCohort;
use crate::model::Measure;
use crate::scenario::Scenario;
use crate::stats::CohortTally;

/// Largest |z| `--check-exact` accepts. A run checks at most a few thousand rates per arm and
/// cohort family; a correct rate exceeds |z| = 6 with probability 2·10⁻⁹, so even 10⁶ rates give
/// a false alarm with probability below 0.2 %: a failure points at a real disagreement.
pub const Z_FAIL: f64 = 6.0;

/// One simulated rate of a cohort (all entry points together) against its exact value.
#[derive(Debug, Clone, PartialEq)]
pub struct RateCheck {
    /// The measure.
    pub measure: Measure,
    /// Victims of the cohort with the measure, among `trials`.
    pub count: u64,
    /// Trials simulated.
    pub trials: u64,
    /// The exact probability.
    pub exact: f64,
    /// Distance in standard errors (see the module doc).
    pub z: f64,
}

/// The check of one cohort of one arm.
#[derive(Debug, Clone, PartialEq)]
pub struct CohortCheck {
    /// The cohort's name.
    pub cohort: String,
    /// Every measure that the chain solves (`protected_in_time` needs a clock and is left out).
    pub rates: Vec<RateCheck>,
    /// Probability of more than `max_hops` hops, which the simulation stalls and the chain
    /// does not: it bounds their difference.
    pub beyond_max_hops: f64,
}

impl CohortCheck {
    /// The rate farthest from its exact value.
    pub fn worst(&self) -> Option<&RateCheck> {
        self.rates.iter().max_by(|a, b| a.z.abs().total_cmp(&b.z.abs()))
    }
}

/// `z` of `count` successes in `trials` against probability `p` (see the module doc).
pub fn z_score(count: u64, trials: u64, p: f64) -> f64 {
    let n = trials as f64;
    if p <= 0.0 || p >= 1.0 {
        if (count as f64 - p.clamp(0.0, 1.0) * n).abs() < 0.5 {
            0.0
        } else {
            f64::INFINITY
        }
    } else {
        (count as f64 / n - p) / (p * (1.0 - p) / n).sqrt()
    }
}

/// Checks the simulated tallies of one arm of `s` (one per cohort, in scenario order) against
/// the exact solution of the same network. Cohorts without trials are left out.
pub fn check_arm(s: &Scenario, tallies: &[CohortTally], exact: &[ExactCohort]) -> Vec<CohortCheck> {
    s.cohorts()
        .iter()
        .zip(tallies)
        .zip(exact)
        .filter_map(|((cohort, tally), ex)| {
            let total = tally.total();
            if total.trials == 0 {
                return None;
            }
            let p = ExactCohort::aggregate(&ex.entries, cohort, |_| true);
            let rates = Measure::ALL
                .into_iter()
                .filter(|m| *m != Measure::ProtectedInTime)
                .map(|m| {
                    let (count, exact) = (total.count(m), p[m.index()]);
                    RateCheck {
                        measure: m,
                        count,
                        trials: total.trials,
                        exact,
                        z: z_score(count, total.trials, exact),
                    }
                })
                .collect();
            Some(CohortCheck {
                cohort: cohort.name.clone(),
                rates,
                beyond_max_hops: ex.beyond_max_hops,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn z_scores_by_hand() {
        // 60 of 100 against 0.5: (0.6 − 0.5) / sqrt(0.25 / 100) = 0.1 / 0.05 = 2.
        assert!((z_score(60, 100, 0.5) - 2.0).abs() < 1e-12);
        assert!((z_score(40, 100, 0.5) + 2.0).abs() < 1e-12);
        // Certain outcomes admit no noise.
        assert_eq!(z_score(0, 100, 0.0), 0.0);
        assert_eq!(z_score(100, 100, 1.0), 0.0);
        assert_eq!(z_score(1, 100, 0.0), f64::INFINITY);
        assert_eq!(z_score(99, 100, 1.0), f64::INFINITY);
    }
}
