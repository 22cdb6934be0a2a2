//! Exact outcomes of sampled worlds (`refgap uncertainty`): for each point of a design over the
//! scenario's uncertain factors, the world it makes ([`Scenario::world`]) solved exactly, in the
//! baseline and in every intervention, with perfect communication for the gap.
//!
//! A point is a vector of quantiles in [0, 1], one per factor; each factor maps its quantile to
//! a value on its range ([`crate::scenario::variant::factor::Factor::value`]). Points are
//! evaluated in parallel and returned in design order, so results do not depend on the thread
//! count. Nothing here reads or writes files.

use rayon::prelude::*;

use super::{ExactCohort, Solver, solve_with};
use crate::model::Measure;
use crate::scenario::Scenario;
use crate::scenario::observed::Observation;

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
#[derive(Debug, Clone)]
pub struct Sample {
    /// The value of each factor.
    pub values: Vec<f64>,
    /// Values clamped to their parameter's range while the world was made.
    pub clamped: usize,
    /// The baseline, then each intervention in [`Scenario::variants`] order.
    pub arms: Vec<Arm>,
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

/// The value of observation `o` in a world `s` solved as `solved` (see
/// [`crate::scenario::observed`]): entry points weighted by victims × share, the rate of
/// `o.measure` among them (or among those with `o.given`), or victims per year with it.
pub fn observe(s: &Scenario, solved: &[ExactCohort], o: &Observation) -> f64 {
    let (mut with, mut given, mut all) = (0.0, 0.0, 0.0);
    let cohorts: Vec<usize> = o.cohort.map_or_else(|| (0..s.cohorts().len()).collect(), |c| vec![c]);
    for c in cohorts {
        let cohort = &s.cohorts()[c];
        // One cohort's rate does not depend on its victims: weigh by shares if it has none.
        let victims = if cohort.victims > 0.0 || o.per_year {
            cohort.victims
        } else {
            1.0
        };
        for (k, p) in solved[c].entries.iter().enumerate() {
            if o.keeps(s, c, k) {
                let w = victims * cohort.entry[k].1;
                all += w;
                with += w * p[o.measure.index()];
                given += o.given.map_or(0.0, |g| w * p[g.index()]);
            }
        }
    }
    let value = if o.per_year {
        with
    } else if o.given.is_some() {
        with / given
    } else {
        with / all
    };
    if value.is_finite() { value } else { 0.0 }
}

/// The rates of one solved arm.
fn arm(s: &Scenario, solved: &[ExactCohort]) -> Arm {
    s.cohorts()
        .iter()
        .zip(solved)
        .map(|(cohort, ex)| {
            let p = ExactCohort::aggregate(&ex.entries, cohort, |_| true);
            let perfect = ExactCohort::aggregate(&ex.perfect, cohort, |_| true);
            let done = Measure::Completed.index();
            let mut out = [0.0; 6];
            for (o, m) in out.iter_mut().zip(MEASURES) {
                *o = p[m.index()];
            }
            out[5] = perfect[done] - p[done];
            out
        })
        .collect()
}

/// Evaluates one point: its world, solved in every arm.
pub fn evaluate(s: &Scenario, point: &[f64], solver: Solver) -> crate::Result<Sample> {
    let values: Vec<f64> = s.factors().iter().zip(point).map(|(f, &u)| f.value(u)).collect();
    let (world, clamped) = s.world(&values)?;
    let solved = solve_with(&world, solver)?;
    let observed = s.observed().iter().map(|o| observe(&world, &solved, o)).collect();
    let mut arms = vec![arm(&world, &solved)];
    for v in world.variants() {
        arms.push(arm(&v.scenario, &solve_with(&v.scenario, solver)?));
    }
    Ok(Sample {
        values,
        clamped,
        arms,
        observed,
    })
}

/// Evaluates every point of a design, in parallel, in design order; `progress` is called once
/// per point.
pub fn evaluate_all(
    s: &Scenario,
    points: &[Vec<f64>],
    solver: Solver,
    progress: &(dyn Fn() + Sync),
) -> crate::Result<Vec<Sample>> {
    points
        .par_iter()
        .map(|p| {
            let out = evaluate(s, p, solver);
            progress();
            out
        })
        .collect()
}
