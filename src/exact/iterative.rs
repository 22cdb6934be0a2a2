//! Absorption probabilities of a large chain in memory linear in its size: the mass of an
//! identified case is pushed through the transient states hop by hop, and what each hop absorbs
//! is added up, until the mass still moving is below [`TOLERANCE`].
//!
//! After `t` hops the probability of each absorbing class is known to within the mass still
//! moving, `π Q^t 1` (every class receives at most that much more), so the stopping rule bounds
//! the error of every reported probability by [`TOLERANCE`]: no guess about convergence rates.
//! Each hop costs one pass over the transitions; a chain whose cases circle for a long time
//! needs many hops, and [`MAX_HOPS`] stops a chain that would not finish (the sparse LU then
//! remains the way to solve it). Trapped states are absorbing (as `stalled`) before this runs,
//! so the mass always drains.

use super::{CLASSES, Chain};

/// Mass left moving when the propagation stops: the bound on the error of every probability.
pub const TOLERANCE: f64 = 1e-14;

/// Hops after which the propagation gives up.
pub const MAX_HOPS: usize = 1_000_000;

/// Per entry point (in `chain.starts` order), the absorption distribution of a case that
/// starts there; `None` where the entry has no start state.
pub(crate) fn absorption(chain: &Chain) -> Result<Vec<Option<[f64; CLASSES]>>, String> {
    chain
        .starts
        .iter()
        .map(|start| start.map(|i| absorb_from(chain, i)).transpose())
        .collect()
}

fn absorb_from(chain: &Chain, start: usize) -> Result<[f64; CLASSES], String> {
    let n = chain.states.len();
    let mut mass = vec![0.0; n];
    let mut next = vec![0.0; n];
    // States holding mass, so a hop costs the transitions of the states reached, not all of them.
    let mut active = vec![start];
    let mut queued = vec![false; n];
    mass[start] = 1.0;
    let mut dist = [0.0; CLASSES];
    for _ in 0..MAX_HOPS {
        let mut reached = Vec::with_capacity(active.len());
        for &i in &active {
            let m = mass[i];
            mass[i] = 0.0;
            for (d, r) in dist.iter_mut().zip(&chain.r[i]) {
                *d += m * r;
            }
            for &(j, p) in &chain.q[i] {
                next[j] += m * p;
                if !queued[j] {
                    queued[j] = true;
                    reached.push(j);
                }
            }
        }
        std::mem::swap(&mut mass, &mut next);
        let mut moving = 0.0;
        for &j in &reached {
            queued[j] = false;
            moving += mass[j];
        }
        active = reached;
        if moving < TOLERANCE {
            return Ok(dist);
        }
    }
    Err(format!(
        "the iterative solver did not finish in {MAX_HOPS} hops (cases circle for very long); \
         solve with --solver lu"
    ))
}
