//! Exact analysis: a cohort's referral process as an absorbing Markov chain, solved with a
//! sparse LU factorisation, giving every outcome and milestone probability without sampling
//! noise (docs/MODEL.md, "Exact analysis").
//!
//! **States.** After identification, a case is in a transient state (authority, file complete?,
//! services granted). From a state, docs/MODEL.md ("One trial") gives the next state or an absorbing
//! class (outcome, services granted) in closed form: a channel with quality `q`, `r` retries and
//! per-attempt no-dropout probability `s` (the Laplace transform of its delay at the sending
//! authority's dropout rate, [`crate::vocab::delay::Delay::laplace`]) delivers with probability
//! `G s q`, loses the case with `(s(1-q))^(r+1)` and loses the victim to dropout with `G (1-s)`,
//! where `G = sum_{k<=r} (s(1-q))^k`. Delivery keeps a complete file with probability `fidelity`;
//! arriving with new services and an incomplete file grants them with probability
//! `assist_incomplete`, else absorbs as `misclassified`. Only states reachable from the entry
//! points are built, over every structurally possible branch (so a variant that makes a channel
//! perfect or cuts it lives in the same state space). With `A = I - Q` (transient part) and `R`
//! (absorbing part), absorption probabilities from the start states are `(A^-T π)^T R`.
//!
//! **Cycles and holes.** A case may bounce between authorities: the chain sums over every number
//! of bounces. A closed class of transient states that can never be absorbed (a loop of perfect
//! channels with no close and no dropout) is where the simulation stalls at `max_hops`; those
//! states are made absorbing as `stalled`, so `A` stays invertible. A state with no eligible
//! option absorbs as `stalled` (a structural hole).
//!
//! **What the chain ignores.** It has no clock, so `protected_in_time` is not computed (left
//! empty). It ignores `max_hops`: each transition is one hop, so `π Q^max_hops 1`, the
//! probability that a case is still being referred after `max_hops` hops, is exactly the mass
//! the simulation stalls there and the chain carries on; it bounds (in total variation) the
//! difference between the two and is computed and reported for every cohort.
//!
//! **Solver choice.** `I - Q` is square, sparse and not symmetric. `nalgebra-sparse` offers
//! Cholesky only (symmetric positive definite matrices), so refgap uses `faer`'s sparse LU with
//! partial pivoting, whose transposed solve gives the expected visits `A^-T π` directly.
//!
//! This module shares the scenario, the graph and the delay transforms, but never calls
//! `model::trial` or `engine`: it is an independent check of the simulation. Channel ranking is
//! in [`rank`].

pub mod check;
mod cohort;
pub mod estimate;
pub mod iterative;
pub mod rank;
pub mod transfer;
pub mod uncertainty;

use std::collections::HashMap;

use faer::linalg::solvers::Solve;
use faer::sparse::linalg::solvers::Lu;
use faer::sparse::{SparseColMat, Triplet};
use faer::{Mat, MatMut};

use crate::model::Measure;
use crate::scenario::graph::ReferralGraph;
use crate::scenario::{Cohort, Scenario};
use crate::vocab::{Service, Services};
pub use cohort::ExactCohort;

/// Absorbing outcomes of an identified case, in class order.
const OUTCOMES: [Measure; 5] = [
    Measure::Closed,
    Measure::Lost,
    Measure::Dropped,
    Measure::Misclassified,
    Measure::Stalled,
];
const CLOSED: usize = 0;
const LOST: usize = 1;
const DROPPED: usize = 2;
const MISCLASSIFIED: usize = 3;
const STALLED: usize = 4;
/// Absorbing classes: outcome × services granted (8 sets).
pub(crate) const CLASSES: usize = OUTCOMES.len() * 8;

fn class(outcome: usize, granted: Services) -> usize {
    outcome * 8 + granted.bits() as usize
}

/// A transient state of the chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct State {
    node: u32,
    complete: bool,
    granted: Services,
}

/// The channel parameters of one variant of a scenario.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Params {
    quality: Vec<f64>,
    fidelity: Vec<f64>,
    /// Which channels are movements (never made perfect).
    movement: Vec<bool>,
    cut: Option<usize>,
}

impl Params {
    /// The scenario as given.
    pub(crate) fn of(s: &Scenario) -> Params {
        Params {
            quality: s.channels().iter().map(|c| c.quality).collect(),
            fidelity: s.channels().iter().map(|c| c.fidelity).collect(),
            movement: s.channels().iter().map(|c| c.movement).collect(),
            cut: None,
        }
    }

    /// Perfect communication: every channel that is not a movement perfect (quality and
    /// fidelity 1); movements as given (the victim's own journey is not communication).
    pub(crate) fn perfect(s: &Scenario) -> Params {
        let mut p = Params::of(s);
        for e in 0..p.quality.len() {
            p.make_perfect(e);
        }
        p
    }

    /// Makes channel `e` perfect, unless it is a movement.
    fn make_perfect(&mut self, e: usize) {
        if !self.movement[e] {
            self.quality[e] = 1.0;
            self.fidelity[e] = 1.0;
        }
    }

    /// The same, with channel `e` perfect (unchanged if it is a movement).
    pub(crate) fn with_perfect(&self, e: usize) -> Params {
        let mut p = self.clone();
        p.make_perfect(e);
        p
    }

    /// The same, with channel `e` removed.
    pub(crate) fn with_cut(&self, e: usize) -> Params {
        let mut p = self.clone();
        p.cut = Some(e);
        p
    }
}

/// What does not change between variants of one cohort: routing options and no-dropout factors.
pub(crate) struct Ctx<'a> {
    s: &'a Scenario,
    cohort: &'a Cohort,
    /// Eligible channels per authority, in channel order.
    options: Vec<Vec<usize>>,
    /// Per channel: probability that the victim is still there when one attempt ends (shared by
    /// every cohort: see [`no_dropout`]).
    no_dropout: &'a [f64],
}

/// Per channel, the probability that the victim is still there when one attempt ends: the
/// Laplace transform of its delay at its sender's dropout rate. It depends on neither the cohort
/// nor the variant's qualities, so it is computed once per scenario (it was once per cohort, and
/// was most of the time of a solve: `exp` and the lognormal quadrature).
pub(crate) fn no_dropout(s: &Scenario) -> Vec<f64> {
    s.channels()
        .iter()
        .map(|c| c.delay.laplace(s.authorities()[c.from].dropout_per_day))
        .collect()
}

/// One row of the chain: successor states with probabilities, and absorbing probabilities.
type Row = (Vec<(State, f64)>, [f64; CLASSES]);

impl<'a> Ctx<'a> {
    pub(crate) fn new(s: &'a Scenario, cohort: &'a Cohort, graph: &ReferralGraph, no_dropout: &'a [f64]) -> Ctx<'a> {
        Ctx {
            s,
            cohort,
            options: (0..s.authorities().len())
                .map(|a| graph.eligible_channels(s, cohort, a))
                .collect(),
            no_dropout,
        }
    }

    /// The start state of entry point `k` (`None` when nobody is identified there).
    fn start(&self, k: usize) -> Option<State> {
        let (a, _) = self.cohort.entry[k];
        let auth = &self.s.authorities()[a];
        (auth.identification > 0.0).then_some(State {
            node: a as u32,
            complete: true,
            granted: auth.provides,
        })
    }

    /// The transitions out of `st` under `p`. Every structurally possible successor is listed,
    /// even with probability 0, so that all variants share one state space.
    pub(crate) fn row(&self, st: State, p: &Params) -> Row {
        let mut next = Vec::new();
        let mut absorb = [0.0; CLASSES];
        let v = st.node as usize;
        let close = self.s.authorities()[v].close;
        let channels: Vec<usize> = self.options[v].iter().copied().filter(|&e| Some(e) != p.cut).collect();
        let total: f64 = close + channels.iter().map(|&e| self.s.channels()[e].weight).sum::<f64>();
        if total == 0.0 {
            absorb[class(STALLED, st.granted)] = 1.0;
            return (next, absorb);
        }
        absorb[class(CLOSED, st.granted)] += close / total;
        for e in channels {
            let ch = &self.s.channels()[e];
            let pick = ch.weight / total;
            let (s, q) = (self.no_dropout[e], p.quality[e]);
            let fail = s * (1.0 - q);
            let attempts = ch.retries as i32 + 1;
            let geometric = if fail == 1.0 {
                f64::from(attempts)
            } else {
                (1.0 - fail.powi(attempts)) / (1.0 - fail)
            };
            absorb[class(LOST, st.granted)] += pick * fail.powi(attempts);
            absorb[class(DROPPED, st.granted)] += pick * geometric * (1.0 - s);
            let delivered = pick * geometric * s * q;
            let w = ch.to;
            let auth = &self.s.authorities()[w];
            let new = auth.provides.without(st.granted);
            let files: [(bool, f64); 2] = if st.complete {
                [(true, p.fidelity[e]), (false, 1.0 - p.fidelity[e])]
            } else {
                [(false, 1.0), (false, 0.0)]
            };
            for (complete, pf) in files.into_iter().take(if st.complete { 2 } else { 1 }) {
                let mass = delivered * pf;
                let arrive = |granted| State {
                    node: w as u32,
                    complete,
                    granted,
                };
                if new.is_empty() {
                    next.push((arrive(st.granted), mass));
                } else if complete {
                    next.push((arrive(st.granted.union(new)), mass));
                } else {
                    next.push((arrive(st.granted.union(new)), mass * auth.assist_incomplete));
                    absorb[class(MISCLASSIFIED, st.granted)] += mass * (1.0 - auth.assist_incomplete);
                }
            }
        }
        (next, absorb)
    }
}

/// A chain built for one cohort and one variant.
pub(crate) struct Chain {
    pub(crate) states: Vec<State>,
    pub(crate) index: HashMap<State, usize>,
    /// Transient transitions by row: (column, probability), merged, zeros dropped.
    pub(crate) q: Vec<Vec<(usize, f64)>>,
    /// Absorbing probabilities by row.
    pub(crate) r: Vec<[f64; CLASSES]>,
    /// Start state of each entry point.
    pub(crate) starts: Vec<Option<usize>>,
    /// States made absorbing as `stalled` because they can never be absorbed otherwise.
    pub(crate) trapped: Vec<bool>,
}

impl Chain {
    /// Builds the reachable states and their transitions.
    pub(crate) fn build(ctx: &Ctx<'_>, p: &Params) -> Chain {
        let mut states = Vec::new();
        let mut index = HashMap::new();
        let mut rows = Vec::new();
        let mut starts = Vec::new();
        let mut queue = std::collections::VecDeque::new();
        let mut intern = |st: State, states: &mut Vec<State>, queue: &mut std::collections::VecDeque<usize>| {
            *index.entry(st).or_insert_with(|| {
                states.push(st);
                queue.push_back(states.len() - 1);
                states.len() - 1
            })
        };
        for k in 0..ctx.cohort.entry.len() {
            starts.push(ctx.start(k).map(|st| intern(st, &mut states, &mut queue)));
        }
        while let Some(i) = queue.pop_front() {
            let (next, absorb) = ctx.row(states[i], p);
            let cols: Vec<(usize, f64)> = next
                .into_iter()
                .map(|(st, m)| (intern(st, &mut states, &mut queue), m))
                .collect();
            if rows.len() <= i {
                rows.resize_with(i + 1, || (Vec::new(), [0.0; CLASSES]));
            }
            rows[i] = (cols, absorb);
        }
        let (q, r): (Vec<_>, Vec<_>) = rows.into_iter().map(|(cols, absorb)| (merge(cols), absorb)).unzip();
        let mut chain = Chain {
            trapped: vec![false; states.len()],
            states,
            index,
            q,
            r,
            starts,
        };
        chain.absorb_traps();
        chain
    }

    /// Makes every closed class of never-absorbed states absorbing as `stalled`.
    fn absorb_traps(&mut self) {
        let n = self.states.len();
        let mut g = petgraph::graph::DiGraph::<(), ()>::with_capacity(n, 0);
        for _ in 0..n {
            g.add_node(());
        }
        for (i, row) in self.q.iter().enumerate() {
            for &(j, _) in row {
                g.add_edge(
                    petgraph::graph::NodeIndex::new(i),
                    petgraph::graph::NodeIndex::new(j),
                    (),
                );
            }
        }
        for scc in petgraph::algo::tarjan_scc(&g) {
            let members: std::collections::HashSet<usize> = scc.iter().map(|n| n.index()).collect();
            let closed = members
                .iter()
                .all(|&i| self.r[i].iter().all(|&x| x == 0.0) && self.q[i].iter().all(|(j, _)| members.contains(j)));
            if closed {
                for &i in &members {
                    self.q[i].clear();
                    self.r[i] = [0.0; CLASSES];
                    self.r[i][class(STALLED, self.states[i].granted)] = 1.0;
                    self.trapped[i] = true;
                }
            }
        }
    }

    /// `I - Q` as a sparse matrix.
    fn matrix(&self) -> SparseColMat<usize, f64> {
        let mut t = Vec::with_capacity(self.states.len() + self.q.iter().map(Vec::len).sum::<usize>());
        for (i, row) in self.q.iter().enumerate() {
            let mut diag = 1.0;
            for &(j, p) in row {
                if j == i {
                    diag -= p;
                } else {
                    t.push(Triplet::new(i, j, -p));
                }
            }
            t.push(Triplet::new(i, i, diag));
        }
        SparseColMat::try_new_from_triplets(self.states.len(), self.states.len(), &t)
            .expect("triplets are in range and merged")
    }

    /// Factorises `I - Q`.
    pub(crate) fn factorise(&self) -> Result<Lu<usize, f64>, String> {
        self.matrix().sp_lu().map_err(|e| format!("{e:?}"))
    }
}

/// Sums duplicate columns and drops zeros.
fn merge(mut cols: Vec<(usize, f64)>) -> Vec<(usize, f64)> {
    cols.sort_by_key(|c| c.0);
    let mut out: Vec<(usize, f64)> = Vec::with_capacity(cols.len());
    for (j, p) in cols {
        match out.last_mut() {
            Some(last) if last.0 == j => last.1 += p,
            _ => out.push((j, p)),
        }
    }
    out.retain(|c| c.1 != 0.0);
    out
}

/// Solves `A x = b` (or `A^T x = b`) for the columns of `b`, in place.
pub(crate) fn solve_into(lu: &Lu<usize, f64>, b: MatMut<'_, f64>, transpose: bool) {
    if transpose {
        lu.solve_transpose_in_place(b);
    } else {
        lu.solve_in_place(b);
    }
}

/// How the chain's linear system is solved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Solver {
    /// Sparse LU up to [`LU_MAX_STATES`] states per chain, iterative above.
    #[default]
    Auto,
    /// Always the sparse LU (fastest on small chains; memory grows with its fill-in).
    Lu,
    /// Always the iterative propagation of [`iterative`] (memory linear in the chain).
    Iterative,
}

/// Largest chain that [`Solver::Auto`] factorises: the LU's fill-in grows faster than the chain,
/// and past this size its memory is hard to bound (a 10^4-authority scenario needed over 8 GB).
pub const LU_MAX_STATES: usize = 50_000;

impl Solver {
    fn iterative(self, states: usize) -> bool {
        match self {
            Solver::Auto => states > LU_MAX_STATES,
            Solver::Lu => false,
            Solver::Iterative => true,
        }
    }
}

/// Solves every cohort of a scenario, as given and with perfect communication.
pub fn solve(s: &Scenario) -> Result<Vec<ExactCohort>, crate::Error> {
    solve_with(s, Solver::Auto)
}

/// [`solve`] with the given solver.
pub fn solve_with(s: &Scenario, solver: Solver) -> Result<Vec<ExactCohort>, crate::Error> {
    solve_reusing_perfect(s, solver, None)
}

/// [`solve_with`], taking the perfect-communication probabilities from `perfect_of` when given:
/// the solution of a scenario that is the same network once communication is perfect
/// ([`crate::scenario::diff::same_with_perfect_communication`], the caller's to check). Only the
/// actual chains are then solved; the result is the one [`solve_with`] gives.
pub fn solve_reusing_perfect(
    s: &Scenario,
    solver: Solver,
    perfect_of: Option<&[ExactCohort]>,
) -> Result<Vec<ExactCohort>, crate::Error> {
    let graph = ReferralGraph::new(s);
    let (base, perfect) = (Params::of(s), Params::perfect(s));
    let no_dropout = no_dropout(s);
    s.cohorts()
        .iter()
        .enumerate()
        .map(|(c, cohort)| {
            let ctx = Ctx::new(s, cohort, &graph, &no_dropout);
            let chain = Chain::build(&ctx, &base);
            let entries = entry_probabilities(&ctx, &chain, solver).map_err(|e| numerical(s, cohort, e))?;
            let perfect = match perfect_of {
                Some(known) => known[c].perfect.clone(),
                None => {
                    let perfect_chain = Chain::build(&ctx, &perfect);
                    entry_probabilities(&ctx, &perfect_chain, solver).map_err(|e| numerical(s, cohort, e))?
                }
            };
            // NaN never reaches an output: only `protected_in_time` (no clock) is left undefined.
            let defined = |p: &[f64; Measure::COUNT]| {
                Measure::ALL
                    .iter()
                    .all(|m| *m == Measure::ProtectedInTime || p[m.index()].is_finite())
            };
            if !entries.iter().chain(&perfect).all(defined) {
                return Err(numerical(s, cohort, "a probability is not a number".to_owned()));
            }
            Ok(ExactCohort {
                entries,
                perfect,
                states: chain.states.len(),
                trapped: chain.trapped.iter().filter(|t| **t).count(),
                beyond_max_hops: beyond(&ctx, &chain, s.max_hops()),
                solver: if solver.iterative(chain.states.len()) {
                    "iterative"
                } else {
                    "lu"
                },
            })
        })
        .collect()
}

fn numerical(s: &Scenario, cohort: &Cohort, e: String) -> crate::Error {
    crate::Error::Numerical {
        path: s.source().path.clone(),
        what: format!(
            "cohort \"{}\": the referral chain could not be factorised ({e})",
            cohort.name
        ),
    }
}

/// Per entry point, the probability of every measure.
fn entry_probabilities(ctx: &Ctx<'_>, chain: &Chain, solver: Solver) -> Result<Vec<[f64; Measure::COUNT]>, String> {
    let dists = if solver.iterative(chain.states.len()) {
        iterative::absorption(chain)?
    } else {
        lu_absorption(chain)?
    };
    Ok(dists
        .iter()
        .enumerate()
        .map(|(e, dist)| {
            let (a, _) = ctx.cohort.entry[e];
            let ident = ctx.s.authorities()[a].identification;
            measures(&dist.unwrap_or([0.0; CLASSES]), ident, ctx.cohort.goal(e))
        })
        .collect())
}

/// Per entry point, the absorption distribution from its start state, by the sparse LU: the
/// expected visits `A^-T π` of every start at once, then `visits^T R`.
fn lu_absorption(chain: &Chain) -> Result<Vec<Option<[f64; CLASSES]>>, String> {
    let n = chain.states.len();
    let k = chain.starts.len();
    let mut visits = Mat::<f64>::zeros(n, k);
    for (e, start) in chain.starts.iter().enumerate() {
        if let Some(i) = start {
            visits[(*i, e)] = 1.0;
        }
    }
    if n > 0 {
        let lu = chain.factorise()?;
        solve_into(&lu, visits.as_mut(), true);
    }
    Ok((0..k)
        .map(|e| {
            chain.starts[e].map(|_| {
                let mut dist = [0.0; CLASSES];
                for (i, row) in chain.r.iter().enumerate() {
                    let x = visits[(i, e)];
                    if x != 0.0 {
                        for (d, r) in dist.iter_mut().zip(row) {
                            *d += x * r;
                        }
                    }
                }
                dist
            })
        })
        .collect())
}

/// Measure probabilities from the absorption distribution of an identified case.
fn measures(dist: &[f64; CLASSES], ident: f64, goal: Services) -> [f64; Measure::COUNT] {
    let mut out = [0.0; Measure::COUNT];
    out[Measure::Identified.index()] = ident;
    out[Measure::Unidentified.index()] = 1.0 - ident;
    for (c, &p) in dist.iter().enumerate() {
        let (outcome, granted) = (OUTCOMES[c / 8], Services::from_bits((c % 8) as u8));
        out[outcome.index()] += ident * p;
        for s in Service::ALL {
            if granted.contains(s) {
                out[Measure::of_service(s).index()] += ident * p;
            }
        }
        if granted.includes(goal) {
            out[Measure::Completed.index()] += ident * p;
        }
    }
    out[Measure::ProtectedInTime.index()] = f64::NAN;
    out
}

/// `π Q^H 1`: probability of more than `H` hops (each transition is one hop).
fn beyond(ctx: &Ctx<'_>, chain: &Chain, hops: u32) -> f64 {
    let mut mass = vec![0.0; chain.states.len()];
    for (e, start) in chain.starts.iter().enumerate() {
        if let Some(i) = start {
            let (a, share) = ctx.cohort.entry[e];
            mass[*i] += share * ctx.s.authorities()[a].identification;
        }
    }
    for _ in 0..hops {
        let mut next = vec![0.0; mass.len()];
        for (i, row) in chain.q.iter().enumerate() {
            if mass[i] != 0.0 {
                for &(j, p) in row {
                    next[j] += mass[i] * p;
                }
            }
        }
        mass = next;
    }
    // Trapped states stall in both the chain and the simulation: only moving mass counts.
    mass.iter()
        .zip(&chain.trapped)
        .filter(|(_, t)| !**t)
        .map(|(m, _)| m)
        .sum()
}
