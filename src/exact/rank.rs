//! Channel ranking (Birnbaum-style importance): for every channel, the exact completed rate of
//! each cohort if that one channel were perfect (quality and fidelity 1), and if it were cut.
//!
//! **One factorisation per cohort.** Changing channel `e` from authority `v` changes only the
//! rows of the chain's states at `v` (their `k` transitions and absorptions), so
//! `A' = A + E_I D` with `E_I` selecting those `k` rows. With `h = A^-1 r` (probability of
//! completing from each state), `y = A^-T π` (expected visits from the start distribution) and
//! `G = A^-1 E_I` (`k` solves per authority, shared by all its channels), the Woodbury identity
//! gives the new completed rate from a `k × k` system (`k <= 16`):
//!
//! `p' = p + y_I·δ - y_I·(I + D G)^-1 (D h + D G δ)`, where `δ` is the change of `r` on the rows.
//! When the entry points have different goals, `r`, `h`, `y` and `δ` are taken per goal (with
//! the start weights of that goal's entry points) and the terms summed; `I + D G` is shared.
//!
//! So ranking all channels costs one sparse factorisation, one solve per state and a few small
//! dense solves per channel, instead of a factorisation per channel. When the small system is
//! singular or the result is not a probability (a change that creates a loop no case can leave,
//! or rows of trapped states), the channel is solved directly on its own chain instead.

use faer::Mat;
use faer::linalg::solvers::Solve;
use rayon::prelude::*;

use super::{CLASSES, Chain, Ctx, Params, merge, solve_into};
use crate::scenario::Scenario;
use crate::scenario::graph::ReferralGraph;
use crate::vocab::Services;

/// The completed rate of one cohort with one channel changed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ChannelEffect {
    /// Completed rate with the channel perfect.
    pub if_perfect: f64,
    /// Completed rate with the channel removed.
    pub if_cut: f64,
}

/// The ranking inputs of one cohort: its completed rate and every channel's effect.
#[derive(Debug, Clone, PartialEq)]
pub struct CohortRanking {
    /// Completed rate of the scenario as given.
    pub completed: f64,
    /// One effect per channel, in channel order (channels the cohort cannot use change nothing).
    pub channels: Vec<ChannelEffect>,
    /// Channels solved directly rather than by the low-rank update.
    pub direct_solves: usize,
}

/// Ranks every channel for every cohort (cohorts in parallel).
pub fn rank_channels(s: &Scenario) -> Result<Vec<CohortRanking>, crate::Error> {
    let graph = ReferralGraph::new(s);
    let no_dropout = super::no_dropout(s);
    s.cohorts()
        .par_iter()
        .map(|cohort| {
            let ctx = Ctx::new(s, cohort, &graph, &no_dropout);
            rank_cohort(&ctx).map_err(|e| super::numerical(s, cohort, e))
        })
        .collect()
}

/// Completed rate of the start distribution on `chain` (solves `A h = r` once per distinct
/// goal of the entry points).
fn completed_rate(ctx: &Ctx<'_>, chain: &Chain) -> Result<f64, String> {
    if chain.states.is_empty() {
        return Ok(0.0);
    }
    let lu = chain.factorise()?;
    let mut p = 0.0;
    for (goal, starts) in goal_groups(ctx, chain) {
        let mut h = Mat::from_fn(chain.states.len(), 1, |i, _| completed_of(&chain.r[i], goal));
        solve_into(&lu, h.as_mut(), false);
        p += starts.iter().map(|&(i, w)| w * h[(i, 0)]).sum::<f64>();
    }
    Ok(p)
}

fn completed_of(row: &[f64; CLASSES], goal: Services) -> f64 {
    (0..CLASSES)
        .filter(|c| Services::from_bits((c % 8) as u8).includes(goal))
        .map(|c| row[c])
        .sum()
}

/// `(state, share × identification)` of every entry point where victims can be identified,
/// grouped by the entry points' goals ([`crate::scenario::Cohort::goal`]): completion is judged
/// against the goal of the victim's entry point, which the chain's state does not hold, so each
/// goal gets its own right-hand side.
fn goal_groups(ctx: &Ctx<'_>, chain: &Chain) -> Vec<(Services, Vec<(usize, f64)>)> {
    let mut groups: Vec<(Services, Vec<(usize, f64)>)> = Vec::new();
    for (k, st) in chain.starts.iter().enumerate() {
        let Some(i) = *st else { continue };
        let (a, share) = ctx.cohort.entry[k];
        let start = (i, share * ctx.s.authorities()[a].identification);
        let goal = ctx.cohort.goal(k);
        match groups.iter_mut().find(|(g, _)| *g == goal) {
            Some((_, starts)) => starts.push(start),
            None => groups.push((goal, vec![start])),
        }
    }
    groups
}

/// The solution of the chain as given for the entry points of one goal: `r` (probability of
/// completing at absorption, per state), `h = A^-1 r`, `y = A^-T π` and `p = π·h`.
struct GoalSolve {
    goal: Services,
    r: Vec<f64>,
    h: Mat<f64>,
    y: Mat<f64>,
    p: f64,
}

fn rank_cohort(ctx: &Ctx<'_>) -> Result<CohortRanking, String> {
    let channels = ctx.s.channels().len();
    let base = Params::of(ctx.s);
    let chain = Chain::build(ctx, &base);
    let n = chain.states.len();
    if n == 0 {
        let none = ChannelEffect {
            if_perfect: 0.0,
            if_cut: 0.0,
        };
        return Ok(CohortRanking {
            completed: 0.0,
            channels: vec![none; channels],
            direct_solves: 0,
        });
    }
    let lu = chain.factorise()?;
    let solves: Vec<GoalSolve> = goal_groups(ctx, &chain)
        .into_iter()
        .map(|(goal, starts)| {
            let r: Vec<f64> = chain.r.iter().map(|row| completed_of(row, goal)).collect();
            let mut h = Mat::from_fn(n, 1, |i, _| r[i]);
            solve_into(&lu, h.as_mut(), false);
            let mut y = Mat::<f64>::zeros(n, 1);
            for &(i, w) in &starts {
                y[(i, 0)] += w;
            }
            solve_into(&lu, y.as_mut(), true);
            let p = starts.iter().map(|&(i, w)| w * h[(i, 0)]).sum();
            GoalSolve { goal, r, h, y, p }
        })
        .collect();
    let p: f64 = solves.iter().map(|g| g.p).sum();

    let mut by_node: Vec<Vec<usize>> = vec![Vec::new(); ctx.s.authorities().len()];
    for (i, st) in chain.states.iter().enumerate() {
        by_node[st.node as usize].push(i);
    }
    let unchanged = ChannelEffect {
        if_perfect: p,
        if_cut: p,
    };
    let mut effects = vec![unchanged; channels];
    let mut direct_solves = 0;
    for (v, rows) in by_node.iter().enumerate() {
        if rows.is_empty() || ctx.options[v].is_empty() {
            continue;
        }
        let trapped = rows.iter().any(|&i| chain.trapped[i]);
        // G = A^-1 E_I: the columns of the inverse at the rows of this authority's states.
        let mut g = Mat::<f64>::zeros(n, rows.len());
        for (a, &i) in rows.iter().enumerate() {
            g[(i, a)] = 1.0;
        }
        solve_into(&lu, g.as_mut(), false);
        for &e in &ctx.options[v] {
            let mut solve = |variant: Params| -> Result<f64, String> {
                let updated = if trapped {
                    None
                } else {
                    woodbury(ctx, &chain, rows, &g, &solves, &variant)
                };
                match updated {
                    Some(x) => Ok(x),
                    None => {
                        direct_solves += 1;
                        completed_rate(ctx, &Chain::build(ctx, &variant))
                    }
                }
            };
            effects[e] = ChannelEffect {
                // A movement is not made perfect (`Params::with_perfect`): nothing to solve.
                if_perfect: if ctx.s.channels()[e].movement {
                    p
                } else {
                    solve(base.with_perfect(e))?
                },
                if_cut: solve(base.with_cut(e))?,
            };
        }
    }
    Ok(CohortRanking {
        completed: p,
        channels: effects,
        direct_solves,
    })
}

/// The completed rate after replacing the rows `rows` by their form under `variant`, by the
/// Woodbury identity, summed over the entry points' goals (`M = I + D G` is the same for all);
/// `None` when the update is not well posed.
fn woodbury(
    ctx: &Ctx<'_>,
    chain: &Chain,
    rows: &[usize],
    g: &Mat<f64>,
    solves: &[GoalSolve],
    variant: &Params,
) -> Option<f64> {
    let k = rows.len();
    // D = A'_I - A_I = Q_I - Q'_I (sparse rows); per goal, δ = r'_I - r_I.
    let mut d_rows: Vec<Vec<(usize, f64)>> = Vec::with_capacity(k);
    let mut deltas = vec![vec![0.0; k]; solves.len()];
    for (a, &i) in rows.iter().enumerate() {
        let (next, absorb) = ctx.row(chain.states[i], variant);
        let mut cols = Vec::with_capacity(next.len() + chain.q[i].len());
        for (st, m) in next {
            cols.push((*chain.index.get(&st)?, -m));
        }
        cols.extend(chain.q[i].iter().copied());
        d_rows.push(merge(cols));
        for (delta, sv) in deltas.iter_mut().zip(solves) {
            delta[a] = completed_of(&absorb, sv.goal) - sv.r[i];
        }
    }
    // M = I + D G.
    let mut m = Mat::<f64>::identity(k, k);
    for (a, drow) in d_rows.iter().enumerate() {
        for &(j, dv) in drow {
            for b in 0..k {
                m[(a, b)] += dv * g[(j, b)];
            }
        }
    }
    let lu = m.partial_piv_lu();
    let mut updated = 0.0;
    for (delta, sv) in deltas.iter().zip(solves) {
        // rhs = D h + D G δ.
        let mut rhs = Mat::<f64>::zeros(k, 1);
        for (a, drow) in d_rows.iter().enumerate() {
            let dh: f64 = drow.iter().map(|&(j, dv)| dv * sv.h[(j, 0)]).sum();
            let dg_delta: f64 = (0..k)
                .map(|b| (m[(a, b)] - if a == b { 1.0 } else { 0.0 }) * delta[b])
                .sum();
            rhs[(a, 0)] = dh + dg_delta;
        }
        lu.solve_in_place(rhs.as_mut());
        updated += sv.p;
        for (a, &i) in rows.iter().enumerate() {
            updated += sv.y[(i, 0)] * (delta[a] - rhs[(a, 0)]);
        }
    }
    (updated.is_finite() && (-1e-9..=1.0 + 1e-9).contains(&updated)).then_some(updated.clamp(0.0, 1.0))
}

/// The completed rate of every cohort with channel `e` made perfect or cut, each solved directly
/// on its own chain (no low-rank update): the reference the ranking is tested against.
pub fn direct_effects(s: &Scenario, e: usize) -> Result<Vec<ChannelEffect>, crate::Error> {
    let graph = ReferralGraph::new(s);
    let base = Params::of(s);
    let no_dropout = super::no_dropout(s);
    s.cohorts()
        .iter()
        .map(|cohort| {
            let ctx = Ctx::new(s, cohort, &graph, &no_dropout);
            let solve =
                |p: Params| completed_rate(&ctx, &Chain::build(&ctx, &p)).map_err(|m| super::numerical(s, cohort, m));
            Ok(ChannelEffect {
                if_perfect: solve(base.with_perfect(e))?,
                if_cut: solve(base.with_cut(e))?,
            })
        })
        .collect()
}
