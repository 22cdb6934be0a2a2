//! The size of the exact solution before it is built: an upper bound on the states of every
//! cohort's chain and on the memory of the largest one, so that `check` can report it and
//! `exact` can refuse a scenario that would not fit, instead of being killed by the system.
//!
//! A state is (authority, file complete?, services granted). A cohort's chain holds at most the
//! authorities it can reach, times 2, times the subsets of the services those authorities provide;
//! channels with quality 0 and ineligible ones are not followed, as in the chain itself.

use super::{CLASSES, LU_MAX_STATES};
use crate::scenario::Scenario;
use crate::scenario::graph::ReferralGraph;
use crate::vocab::Services;

/// Bytes a chain needs per state besides its transitions: the state, its index entry, the
/// absorbing row (`CLASSES` probabilities), the trap search and the solver's vectors.
const BYTES_PER_STATE: u64 = 16 + 48 + 8 * CLASSES as u64 + 64 + 3 * 8;
/// Bytes per transition of a state (its row entry, its edge in the trap search).
const BYTES_PER_TRANSITION: u64 = 16 + 16;
/// Transitions out of a state per channel out of its authority: delivered with a complete or an
/// incomplete file, times at most two service outcomes.
const TRANSITIONS_PER_CHANNEL: u64 = 4;
/// Bytes per state allowed for the sparse LU's factors besides the chain: a generous allowance
/// (the LU is used only up to [`LU_MAX_STATES`] states, so at most 200 MiB), not a measurement
/// of the fill-in, which depends on the network.
const LU_BYTES_PER_STATE: u64 = 4096;

/// The bound of a scenario's exact solution.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Estimate {
    /// Upper bound on the states of all chains (one per cohort; the perfect-communication chain
    /// has the same states).
    pub states: u64,
    /// Upper bound on the states of the largest chain.
    pub largest: u64,
    /// Upper bound on the memory of solving the largest chain, in bytes (chains are solved one
    /// at a time).
    pub bytes: u64,
}

/// Bounds the exact solution of `s` (its baseline; variants are of the same size).
pub fn estimate(s: &Scenario) -> Estimate {
    let graph = ReferralGraph::new(s);
    let mut out = Estimate {
        states: 0,
        largest: 0,
        bytes: 0,
    };
    for cohort in s.cohorts() {
        let reach = graph.reachable(s, cohort);
        let (mut authorities, mut channels, mut services) = (0u64, 0u64, Services::NONE);
        for (a, auth) in s.authorities().iter().enumerate().filter(|(a, _)| reach[*a]) {
            authorities += 1;
            channels += graph.eligible_channels(s, cohort, a).len() as u64;
            services = services.union(auth.provides);
        }
        let subsets = 1u64 << services.bits().count_ones();
        let states = authorities * 2 * subsets;
        let transitions = channels * 2 * subsets * TRANSITIONS_PER_CHANNEL;
        let lu = if states <= LU_MAX_STATES as u64 {
            states * LU_BYTES_PER_STATE
        } else {
            0
        };
        let bytes = states * BYTES_PER_STATE + transitions * BYTES_PER_TRANSITION + lu;
        out.states += states;
        out.largest = out.largest.max(states);
        out.bytes = out.bytes.max(bytes);
    }
    out
}
