//! Exact outcomes of sampled worlds (`refgap uncertainty`): for each point of a design over the
//! scenario's uncertain factors, the world it makes ([`Scenario::world`]) solved exactly, in the
//! baseline and in every intervention, with perfect communication for the gap.
//!
//! A point is a vector of quantiles in [0, 1], one per factor; each factor maps its quantile to
//! a value on its range ([`crate::scenario::variant::factor::Factor::value`]). Points are
//! evaluated in parallel and returned in design order, so results do not depend on the thread
//! count. Nothing here reads or writes files.

use rayon::prelude::*;

use super::{ExactCohort, Solver, solve_reusing_perfect, solve_with};
use crate::model::Measure;
use crate::scenario::Scenario;
use crate::scenario::diff::same_with_perfect_communication;
use crate::scenario::observed::Observation;
pub use crate::stats::world::{Arm, MEASURES, OUTCOME_NAMES, Sample};

/// The value of observation `o` in a world `s` solved as `solved` ([`Observation::value`] of the
/// exact probabilities of each entry point).
pub fn observe(s: &Scenario, solved: &[ExactCohort], o: &Observation) -> f64 {
    o.value(s, |c| &solved[c].entries)
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
        // An intervention that only changes channel quality and fidelity has the baseline's
        // perfect-communication chains: its gap is read from them instead of solving them again
        // (the same numbers; about half the work of such an arm).
        let perfect = same_with_perfect_communication(&world, &v.scenario).then_some(solved.as_slice());
        arms.push(arm(&v.scenario, &solve_reusing_perfect(&v.scenario, solver, perfect)?));
    }
    Ok(Sample {
        values,
        clamped,
        arms,
        in_time: Vec::new(),
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
