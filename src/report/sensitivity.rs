//! `sensitivity.csv` of `refgap uncertainty`: which uncertain factors drive the decision.
//!
//! Targets, all over every cohort (victims per year): `level`, the baseline's completed and
//! protected victims; `gain`, each intervention's completed and protected victims gained over
//! the baseline in the same world; `gap`, the baseline's referral gap. With a Sobol design each
//! factor gets its first-order (`S1`) and total (`ST`) index, with a Morris design `mu_star`
//! (with its interval) and `sigma`; a Latin hypercube gives no indices. Estimators and intervals
//! are [`crate::stats::sensitivity`]'s (bootstrap percentile, [`RESAMPLES`] resamples drawn from
//! the run's seed).

use serde::Serialize;

use super::ALL_COHORTS;
use super::csv::CsvRow;
use crate::stats::sensitivity::{Morris, Saltelli, morris_indices, sobol_indices};

/// Bootstrap resamples of every interval.
pub const RESAMPLES: usize = 1000;

/// The design of an uncertainty run: its points in the unit cube, and what the indices need.
#[derive(Debug, Clone)]
pub enum Design {
    /// A Latin hypercube (no indices).
    Lhs(Vec<Vec<f64>>),
    /// Saltelli's design for Sobol indices.
    Sobol(Saltelli),
    /// Morris trajectories.
    Morris(Morris),
}

impl Design {
    /// `lhs`, `sobol` or `morris`.
    pub fn name(&self) -> &'static str {
        match self {
            Design::Lhs(_) => "lhs",
            Design::Sobol(_) => "sobol",
            Design::Morris(_) => "morris",
        }
    }

    /// The points, in evaluation order.
    pub fn points(&self) -> &[Vec<f64>] {
        match self {
            Design::Lhs(p) => p,
            Design::Sobol(d) => &d.points,
            Design::Morris(d) => &d.points,
        }
    }
}

/// A row of `sensitivity.csv`.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SensitivityRow {
    /// `sobol` or `morris`.
    pub method: &'static str,
    /// `level`, `gain` or `gap`.
    pub target: &'static str,
    /// `baseline` or an intervention.
    pub variant: String,
    /// `*` (all cohorts).
    pub cohort: &'static str,
    /// `completed`, `protected` or `gap`.
    pub measure: &'static str,
    /// The factor.
    pub factor: String,
    /// `S1`, `ST`, `mu_star` or `sigma`.
    pub index: &'static str,
    /// Point estimate.
    pub estimate: f64,
    /// Lower end of its 95 % bootstrap interval (empty for `sigma`).
    pub ci_low: Option<f64>,
    /// Upper end.
    pub ci_high: Option<f64>,
}

impl CsvRow for SensitivityRow {
    const FILE: &'static str = "sensitivity.csv";
    const HEADER: &'static [&'static str] = &[
        "method", "target", "variant", "cohort", "measure", "factor", "index", "estimate", "ci_low", "ci_high",
    ];
}

/// The rows for one output `y` (one value per design point).
fn rows_of(
    design: &Design,
    target: (&'static str, &str, &'static str),
    factors: &[String],
    y: &[f64],
    seed: u64,
) -> Vec<SensitivityRow> {
    let (target, variant, measure) = target;
    let row = |factor: &String, method, index, estimate, ci: Option<(f64, f64)>| SensitivityRow {
        method,
        target,
        variant: variant.to_owned(),
        cohort: ALL_COHORTS,
        measure,
        factor: factor.clone(),
        index,
        estimate,
        ci_low: ci.map(|c| c.0),
        ci_high: ci.map(|c| c.1),
    };
    let mut out = Vec::new();
    match design {
        Design::Lhs(_) => {}
        Design::Sobol(d) => {
            for (f, ix) in factors.iter().zip(sobol_indices(d, y, RESAMPLES, seed)) {
                out.push(row(f, "sobol", "S1", ix.s1, Some(ix.s1_ci)));
                out.push(row(f, "sobol", "ST", ix.st, Some(ix.st_ci)));
            }
        }
        Design::Morris(d) => {
            for (f, ix) in factors.iter().zip(morris_indices(d, y, RESAMPLES, seed)) {
                out.push(row(f, "morris", "mu_star", ix.mu_star, Some(ix.mu_star_ci)));
                out.push(row(f, "morris", "sigma", ix.sigma, None));
            }
        }
    }
    out
}

/// Every row of `sensitivity.csv`. `totals[point][arm]` holds the all-cohort victims per year
/// of each outcome (`identified, protected, returned, reintegrated, completed, gap`); arm 0 is
/// the baseline, `arms` names them.
pub fn rows(
    design: &Design,
    arms: &[String],
    factors: &[String],
    totals: &[Vec<[f64; 6]>],
    seed: u64,
) -> Vec<SensitivityRow> {
    const PROTECTED: usize = 1;
    const COMPLETED: usize = 4;
    const GAP: usize = 5;
    let mut out = Vec::new();
    let series = |f: &dyn Fn(&Vec<[f64; 6]>) -> f64| totals.iter().map(f).collect::<Vec<f64>>();
    for (measure, m) in [("completed", COMPLETED), ("protected", PROTECTED)] {
        let y = series(&|t| t[0][m]);
        out.extend(rows_of(design, ("level", &arms[0], measure), factors, &y, seed));
    }
    for (a, name) in arms.iter().enumerate().skip(1) {
        for (measure, m) in [("completed", COMPLETED), ("protected", PROTECTED)] {
            let y = series(&|t| t[a][m] - t[0][m]);
            out.extend(rows_of(design, ("gain", name, measure), factors, &y, seed));
        }
    }
    let y = series(&|t| t[0][GAP]);
    out.extend(rows_of(design, ("gap", &arms[0], "gap"), factors, &y, seed));
    out
}
