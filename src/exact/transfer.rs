//! Exact outcomes of a transfer matrix (`refgap transfer`): every practice made in every
//! context ([`crate::scenario::variant::transfer`]) solved exactly, in the scenario as given and
//! in sampled worlds.
//!
//! **What is reused across cells.** A matrix has hundreds of cells, each a one-practice change
//! of the same baseline, so the baseline's work is done once ([`Base`]) and each cell redoes
//! only what its change touches:
//! - the per-channel no-dropout transforms (the Laplace transform of each delay, most of a
//!   solve's time) are copied from the baseline for every channel whose delay and sender's
//!   dropout rate are unchanged, and computed only for scaled or added channels;
//! - a cohort whose chain visits no authority the practice changed, and no authority that
//!   sends on a changed or added channel, has exactly the baseline's chain: its baseline solution
//!   is reused as is (every state of a chain is structurally reachable, so a change outside its
//!   authorities cannot reach it);
//! - the perfect-communication solution (for the gap) depends on neither quality nor
//!   fidelity: a practice that changes only those (standard forms, NRM adoption) reuses the
//!   baseline's.
//!
//! What is solved is what [`super::solve_with`] would solve, with the same inputs in the same
//! order, so a cell equals `refgap exact` run on the same practice written as an intervention
//! (a test checks it to 1e-9). Nothing here reads or writes files.

use rayon::prelude::*;

use super::uncertainty::observe;
use super::{Chain, Ctx, ExactCohort, Params, Solver, entry_probabilities, no_dropout, numerical};
use crate::model::Measure;
use crate::scenario::Scenario;
use crate::scenario::graph::ReferralGraph;
use crate::scenario::variant::transfer::Matrix;

/// The measures of a transfer matrix: completed and protected rates, then the referral gap
/// (perfect-communication completed rate minus completed rate).
pub const MEASURES: [&str; 3] = ["completed", "protected", "gap"];

/// Per cohort, the rate of each of [`MEASURES`].
pub type Levels = Vec<[f64; 3]>;

/// A world's baseline solved once, with what every cell of the matrix reuses.
pub struct Base<'a> {
    s: &'a Scenario,
    no_dropout: Vec<f64>,
    solved: Vec<ExactCohort>,
    levels: Levels,
    /// Per cohort, per authority: visited by a state of the cohort's chain, or an entry point.
    visits: Vec<Vec<bool>>,
}

fn levels(s: &Scenario, entries: &[Vec<[f64; Measure::COUNT]>], perfect: &[Vec<[f64; Measure::COUNT]>]) -> Levels {
    s.cohorts()
        .iter()
        .enumerate()
        .map(|(c, cohort)| {
            let p = ExactCohort::aggregate(&entries[c], cohort, |_| true);
            let q = ExactCohort::aggregate(&perfect[c], cohort, |_| true);
            let done = Measure::Completed.index();
            [p[done], p[Measure::Protected.index()], q[done] - p[done]]
        })
        .collect()
}

impl<'a> Base<'a> {
    /// Solves the baseline of `s` (as given and with perfect communication).
    pub fn new(s: &'a Scenario, solver: Solver) -> crate::Result<Base<'a>> {
        let graph = ReferralGraph::new(s);
        let nd = no_dropout(s);
        let base = Params::of(s);
        let mut visits = Vec::new();
        for cohort in s.cohorts() {
            let ctx = Ctx::new(s, cohort, &graph, &nd);
            let chain = Chain::build(&ctx, &base);
            let mut seen = vec![false; s.authorities().len()];
            for st in &chain.states {
                seen[st.node as usize] = true;
            }
            for &(a, _) in &cohort.entry {
                seen[a] = true;
            }
            visits.push(seen);
        }
        let solved = super::solve_with(s, solver)?;
        let entries: Vec<_> = solved.iter().map(|c| c.entries.clone()).collect();
        let perfect: Vec<_> = solved.iter().map(|c| c.perfect.clone()).collect();
        Ok(Base {
            levels: levels(s, &entries, &perfect),
            s,
            no_dropout: nd,
            solved,
            visits,
        })
    }

    /// The baseline's levels.
    pub fn levels(&self) -> &Levels {
        &self.levels
    }

    /// The baseline's exact solution.
    pub fn solved(&self) -> &[ExactCohort] {
        &self.solved
    }

    /// The levels of `v`, a variant of this baseline (same countries, authorities in the same
    /// order, the baseline's channels first), reusing what its change leaves untouched.
    pub fn solve(&self, v: &Scenario, solver: Solver) -> crate::Result<Levels> {
        let s = self.s;
        let (sa, va) = (s.authorities(), v.authorities());
        let (sc, vc) = (s.channels(), v.channels());
        let aligned = sa.len() == va.len()
            && vc.len() >= sc.len()
            && sc.iter().zip(vc).all(|(a, b)| a.from == b.from && a.to == b.to);
        if !aligned {
            // Not a change of this baseline (authorities or channels removed): solve it whole.
            let solved = super::solve_with(v, solver)?;
            let entries: Vec<_> = solved.iter().map(|c| c.entries.clone()).collect();
            let perfect: Vec<_> = solved.iter().map(|c| c.perfect.clone()).collect();
            return Ok(levels(v, &entries, &perfect));
        }
        let nd: Vec<f64> = vc
            .iter()
            .enumerate()
            .map(|(e, c)| {
                let same =
                    e < sc.len() && sc[e].delay == c.delay && sa[c.from].dropout_per_day == va[c.from].dropout_per_day;
                if same {
                    self.no_dropout[e]
                } else {
                    c.delay.laplace(va[c.from].dropout_per_day)
                }
            })
            .collect();
        // Authorities the change touches: changed ones and senders of changed or added channels.
        let mut touched = vec![false; va.len()];
        for (a, (x, y)) in sa.iter().zip(va).enumerate() {
            touched[a] |= x != y;
        }
        for (e, c) in vc.iter().enumerate() {
            if e >= sc.len() || sc[e] != *c {
                touched[c.from] = true;
            }
        }
        // Perfect communication sets every quality and fidelity to 1: a change of those alone
        // leaves it as it was.
        let same_perfect = sa == va
            && vc.len() == sc.len()
            && sc.iter().zip(vc).all(|(a, b)| {
                a.delay == b.delay
                    && a.weight == b.weight
                    && a.retries == b.retries
                    && a.when_victims == b.when_victims
                    && a.when_age == b.when_age
                    && a.any_origin == b.any_origin
            });
        let graph = ReferralGraph::new(v);
        let (params, perfect) = (Params::of(v), Params::perfect(v));
        v.cohorts()
            .iter()
            .enumerate()
            .map(|(c, cohort)| {
                let hit = self.visits[c].iter().zip(&touched).any(|(seen, t)| *seen && *t);
                if !hit {
                    return Ok(self.levels[c]);
                }
                let ctx = Ctx::new(v, cohort, &graph, &nd);
                let solve = |p: &Params| {
                    let chain = Chain::build(&ctx, p);
                    entry_probabilities(&ctx, &chain, solver).map_err(|e| numerical(v, cohort, e))
                };
                let entries = solve(&params)?;
                let p = ExactCohort::aggregate(&entries, cohort, |_| true);
                let done = Measure::Completed.index();
                let perfect_done = if same_perfect {
                    self.levels[c][0] + self.levels[c][2]
                } else {
                    ExactCohort::aggregate(&solve(&perfect)?, cohort, |_| true)[done]
                };
                Ok([p[done], p[Measure::Protected.index()], perfect_done - p[done]])
            })
            .collect()
    }
}

/// One world (or the scenario as given) solved for every cell of a matrix.
#[derive(Debug, Clone)]
pub struct Solved {
    /// The baseline's levels.
    pub base: Levels,
    /// Per cell (matrix order), the levels with the practice made there (`None`: it finds
    /// nothing to act on, so the baseline's).
    pub cells: Vec<Option<Levels>>,
    /// Whether the world reproduces every observed figure (always `true` without them).
    pub plausible: bool,
}

/// Every cell of `m` in the scenario as given, cells in parallel (results in matrix order, so
/// they do not depend on the thread count); `progress` is called once per cell.
pub fn evaluate(s: &Scenario, m: &Matrix, solver: Solver, progress: &(dyn Fn() + Sync)) -> crate::Result<Solved> {
    let base = Base::new(s, solver)?;
    let cells = m
        .cells
        .par_iter()
        .map(|cell| {
            let out = cell.variant.as_ref().map(|v| base.solve(v, solver)).transpose();
            progress();
            out
        })
        .collect::<crate::Result<Vec<_>>>()?;
    Ok(Solved {
        plausible: plausible(s, &base),
        base: base.levels,
        cells,
    })
}

/// Every cell of `m` in the sampled world at quantiles `point` of `s`'s factors.
pub fn evaluate_world(
    s: &Scenario,
    m: &Matrix,
    point: &[f64],
    solver: Solver,
    progress: &(dyn Fn() + Sync),
) -> crate::Result<Solved> {
    let values: Vec<f64> = s.factors().iter().zip(point).map(|(f, &u)| f.value(u)).collect();
    let (world, _) = s.world(&values)?;
    let base = Base::new(&world, solver)?;
    let cells = m
        .cells
        .par_iter()
        .map(|cell| {
            let out = match cell.in_world(&world)? {
                Some(v) => base.solve(&v, solver).map(Some),
                None => Ok(None),
            };
            progress();
            out
        })
        .collect::<crate::Result<Vec<_>>>()?;
    Ok(Solved {
        plausible: plausible(s, &base),
        base: base.levels,
        cells,
    })
}

/// Whether the baseline of a world reproduces every observed figure of `s`.
fn plausible(s: &Scenario, base: &Base<'_>) -> bool {
    s.observed().iter().all(|o| {
        let v = observe(base.s, &base.solved, o);
        (o.lo..=o.hi).contains(&v)
    })
}
