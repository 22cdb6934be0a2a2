//! The perfect-communication arm by conditioning: instead of walking a trial's perfect-communication
//! twin on from the actual arm's first communication failure, look up the probability that the
//! twin completes from there (docs/MODEL.md, "The perfect arm by conditioning").
//!
//! At its first communication failure the actual arm is in a state the two arms share: the
//! channel `e` whose attempt failed or whose file was degraded, the hops made so far, whether the
//! file is complete, the services granted and the case's goal. From there the perfect arm delivers
//! on `e` and walks on with words that nothing before has read, so whether it completes is a
//! function of that state and of fresh words: its conditional probability given the state,
//! [`CohortCompletion::value`], is computed here by backward induction over the hops left
//! (`max_hops` is part of the state, so the stall at `max_hops` is exact, not approximated), with
//! the probabilities the words encode (thresholds over `2^32`) and, for dropout, the Laplace
//! transform of each channel's delay at the sending authority's dropout rate.
//!
//! The values cover the (authority, file complete, services granted) states a perfect arm of the
//! cohort can be in between hops (over every structurally possible branch; every fork point's
//! state is one of them), for every goal of the cohort and for `1..=max_hops` hops left; once one more hop left changes no value (bit for bit),
//! no further one can, and the table stops there. A cohort whose table could hold more than
//! [`MAX_TABLE_VALUES`] values has none ([`CompletionTable::has`]), and the engine simulates the
//! perfect arm for it instead.
//!
//! This module reads only the scenario (for the delay laws) and the compiled perfect-communication
//! network; it does no I/O.

use super::network::{CERTAIN, CLOSE, Network};
use crate::scenario::Scenario;
use crate::vocab::Services;

/// The most values one cohort's table may hold (32 MiB of `f64`); beyond, the engine simulates
/// the perfect arm of that cohort.
pub const MAX_TABLE_VALUES: usize = 1 << 22;

/// File states (complete or not) × sets of services granted.
const STATES_PER_AUTHORITY: usize = 2 * 8;

/// Marks a state no trial of the cohort reaches.
const UNREACHED: u32 = u32::MAX;

/// The state of a trial at its first communication failure, where the perfect arm takes up: it
/// delivers on `channel` (with perfect communication the failed attempt succeeds, or the degraded
/// file stays complete) and walks on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ForkPoint {
    /// The channel of the failed attempt or of the degraded file.
    pub channel: usize,
    /// Hops made before this one.
    pub hops: u32,
    /// Whether the file is complete when it is delivered on `channel` in the perfect arm.
    pub complete: bool,
    /// Services granted so far.
    pub granted: Services,
    /// The case's goal.
    pub goal: Services,
    /// Whether the goal was already reached (the case is completed in both arms).
    pub completed: bool,
}

/// Per cohort of a network, the probability that its perfect-communication arm completes from
/// each fork point.
#[derive(Debug, Clone)]
pub struct CompletionTable {
    cohorts: Vec<Option<CohortValues>>,
    max_hops: usize,
    /// Per channel of the perfect network.
    channels: Vec<ChannelOdds>,
    /// Per authority: services provided and the `assist_incomplete` probability.
    provides: Vec<(Services, f64)>,
}

/// What the induction needs of a channel with perfect communication.
#[derive(Debug, Clone, Copy)]
struct ChannelOdds {
    to: usize,
    /// Probability that the file stays complete.
    fidelity: f64,
    /// Probability that one of the attempts delivers before the victim drops out.
    deliver: f64,
}

/// One cohort's values.
#[derive(Debug, Clone)]
struct CohortValues {
    goals: Vec<Services>,
    /// The slot of each goal, by the goal's bits (a goal not in `goals` never occurs).
    slot_of: [usize; 8],
    /// The dense number of each reached state, at `authority * 16 + complete * 8 + granted`
    /// ([`UNREACHED`] for the others).
    id: Vec<u32>,
    /// Reached states.
    states: usize,
    /// Per slot (goal), the values for `1..=layers` hops left, `layers` blocks of one value per
    /// reached state; with more hops left, the values are those of the last block.
    values: Vec<Vec<f64>>,
    /// Per slot, the number of those blocks (kept, not divided out at each lookup).
    layers: Vec<usize>,
}

/// One cohort's completion probabilities ([`CompletionTable::cohort`]).
#[derive(Debug, Clone, Copy)]
pub struct CohortCompletion<'a> {
    table: &'a CompletionTable,
    values: &'a CohortValues,
}

impl CohortCompletion<'_> {
    /// The probability that the perfect arm of a trial of this cohort completes, given its state
    /// `f` at the actual arm's first communication failure (`f.goal` one of the cohort's goals:
    /// every trial's is).
    #[inline]
    pub fn value(&self, f: &ForkPoint) -> f64 {
        if f.completed {
            return 1.0;
        }
        let slot = self.values.slot_of[f.goal.bits() as usize];
        // A fork happens during a hop, so fewer than `max_hops` hops were made before it.
        let left = self.table.max_hops.saturating_sub(f.hops as usize);
        if left == 0 {
            return 0.0;
        }
        let layers = (&self.values.values[slot][..], self.values.layers[slot]);
        self.table
            .arrive(self.values, layers, slot, left, f.channel, f.complete, f.granted)
    }
}

impl CompletionTable {
    /// The table of the arm whose scenario is `s` and whose compiled perfect-communication
    /// network is `perfect` (the scenario gives the delay laws, for their Laplace transforms: the
    /// table depends only on `perfect` and those). Cohorts whose table could exceed
    /// [`MAX_TABLE_VALUES`] get none.
    pub fn build(s: &Scenario, perfect: &Network) -> CompletionTable {
        CompletionTable::build_capped(s, perfect, MAX_TABLE_VALUES)
    }

    /// [`CompletionTable::build`] with at most `cap` values per cohort.
    fn build_capped(s: &Scenario, perfect: &Network, cap: usize) -> CompletionTable {
        let p = |threshold: u64| threshold as f64 / CERTAIN as f64;
        let mut table = CompletionTable {
            cohorts: Vec::new(),
            max_hops: perfect.max_hops as usize,
            channels: perfect
                .channels
                .iter()
                .map(|c| ChannelOdds {
                    to: c.to as usize,
                    fidelity: p(c.fidelity),
                    deliver: f64::NAN,
                })
                .collect(),
            provides: perfect.authorities.iter().map(|a| (a.provides, p(a.assist))).collect(),
        };
        let reached: Vec<_> = (0..perfect.cohorts.len()).map(|c| table.reached(perfect, c)).collect();
        // Delivery probabilities of the channels some cohort can take (a lognormal delay's
        // Laplace transform is a quadrature: the others are not computed).
        for (c, (_, states)) in reached.iter().enumerate() {
            for &(v, _, _) in states {
                for o in perfect.cohorts[c].options_at(v).iter().filter(|o| o.channel != CLOSE) {
                    let e = o.channel as usize;
                    if table.channels[e].deliver.is_nan() {
                        table.channels[e].deliver = deliver(s, perfect, e);
                    }
                }
            }
        }
        table.cohorts = reached
            .into_iter()
            .enumerate()
            .map(|(c, (id, states))| table.solve_cohort(perfect, c, id, &states, cap))
            .collect();
        table
    }

    /// Whether cohort `c` has a table (else its perfect arm must be simulated).
    pub fn has(&self, c: usize) -> bool {
        self.cohort(c).is_some()
    }

    /// The values of cohort `c`; `None` when it has no table.
    pub fn cohort(&self, c: usize) -> Option<CohortCompletion<'_>> {
        let values = self.cohorts.get(c)?.as_ref()?;
        Some(CohortCompletion { table: self, values })
    }

    /// The states a perfect arm of cohort `c` can be in between hops: from each entry point,
    /// identified with its services, along every eligible channel, with the file kept or (if
    /// the channel's fidelity with perfect communication is below 1: a movement) degraded, and
    /// the receiving authority's services granted. Every fork point's state is one of them: before
    /// its first communication failure the actual arm moved as the perfect arm does (an
    /// incomplete file there comes from a movement). Returns the dense numbering and the states.
    fn reached(&self, perfect: &Network, c: usize) -> (Vec<u32>, Vec<(usize, bool, Services)>) {
        let plan = &perfect.cohorts[c];
        let key = |v: usize, complete: bool, granted: Services| {
            v * STATES_PER_AUTHORITY + usize::from(complete) * 8 + granted.bits() as usize
        };
        let mut id = vec![UNREACHED; perfect.authorities.len() * STATES_PER_AUTHORITY];
        let mut states = Vec::new();
        let mut visit = |v: usize, complete: bool, granted: Services, states: &mut Vec<_>| {
            let k = key(v, complete, granted);
            if id[k] == UNREACHED {
                id[k] = states.len() as u32;
                states.push((v, complete, granted));
            }
        };
        for &a in &plan.entry_at {
            let a = a as usize;
            visit(a, true, perfect.authorities[a].provides, &mut states);
        }
        let mut next = 0;
        while next < states.len() {
            let (v, complete, granted) = states[next];
            next += 1;
            for o in plan.options_at(v).iter().filter(|o| o.channel != CLOSE) {
                let e = o.channel as usize;
                let to = self.channels[e].to;
                let now = granted.union(self.provides[to].0);
                visit(to, complete, now, &mut states);
                if complete && perfect.channels[e].fidelity < CERTAIN {
                    visit(to, false, now, &mut states);
                }
            }
        }
        (id, states)
    }

    /// Backward induction over the hops left, for every goal of cohort `c`, over its reached
    /// `states` (numbered by `id`); `None` when the table could hold more than `cap` values.
    fn solve_cohort(
        &self,
        perfect: &Network,
        c: usize,
        id: Vec<u32>,
        states: &[(usize, bool, Services)],
        cap: usize,
    ) -> Option<CohortValues> {
        let plan = &perfect.cohorts[c];
        let mut goals: Vec<Services> = Vec::new();
        for &g in &plan.goals {
            if !goals.contains(&g) {
                goals.push(g);
            }
        }
        (goals.len() * self.max_hops)
            .checked_mul(states.len())
            .filter(|&n| n <= cap)?;
        let mut slot_of = [0; 8];
        for (slot, g) in goals.iter().enumerate() {
            slot_of[g.bits() as usize] = slot;
        }
        let mut out = CohortValues {
            goals,
            slot_of,
            id,
            states: states.len(),
            values: Vec::new(),
            layers: Vec::new(),
        };
        // Per state, its routes: (probability of choosing the channel and delivering, channel).
        let routes: Vec<Vec<(f64, usize)>> = states
            .iter()
            .map(|&(v, _, _)| {
                let mut below = 0;
                let mut out = Vec::new();
                for o in plan.options_at(v) {
                    let share = (o.cum - below) as f64 / CERTAIN as f64;
                    below = o.cum;
                    if o.channel != CLOSE {
                        let e = o.channel as usize;
                        let p = share * self.channels[e].deliver;
                        if p > 0.0 {
                            out.push((p, e));
                        }
                    }
                }
                out
            })
            .collect();
        let n = states.len();
        for slot in 0..out.goals.len() {
            let mut layers: Vec<f64> = Vec::with_capacity(n * 8);
            for left in 1..=self.max_hops {
                for (&(_, complete, granted), routes) in states.iter().zip(&routes) {
                    let value = routes
                        .iter()
                        // The whole blocks so far are those for `1..left` hops left.
                        .map(|&(p, e)| p * self.arrive(&out, (&layers, left - 1), slot, left, e, complete, granted))
                        .sum();
                    layers.push(value);
                }
                // Values that one more hop left does not change never change again.
                let at = layers.len() - n;
                if left > 1 && layers[at..] == layers[at - n..at] {
                    layers.truncate(at);
                    break;
                }
            }
            out.layers.push(layers.len() / n);
            out.values.push(layers);
        }
        Some(out)
    }

    /// The probability of completing for a case delivered on channel `e` with `left` hops left
    /// before this one (`left >= 1`), file `complete`, services `granted` (goal not reached):
    /// fidelity, the services of the receiving authority, then the route on with `left - 1`
    /// hops left (none: `stalled`). Reads the values in `layers`, whose first `stored` blocks are
    /// whole, for `left - 1` hops left only.
    #[allow(clippy::too_many_arguments)]
    fn arrive(
        &self,
        values: &CohortValues,
        (layers, stored): (&[f64], usize),
        slot: usize,
        left: usize,
        e: usize,
        complete: bool,
        granted: Services,
    ) -> f64 {
        let ch = self.channels[e];
        let goal = values.goals[slot];
        let (provides, assist) = self.provides[ch.to];
        let new = provides.without(granted);
        let n = values.states;
        let on = |complete: bool, granted: Services| {
            if left == 1 {
                return 0.0;
            }
            let k = ch.to * STATES_PER_AUTHORITY + usize::from(complete) * 8 + granted.bits() as usize;
            let i = values.id[k];
            debug_assert_ne!(i, UNREACHED, "the reached states are closed under arrival");
            if i == UNREACHED {
                return 0.0;
            }
            // With more hops left than the `stored` layers, the values are those of the last one
            // (during the induction, the last whole layer is the one for `left - 1`).
            debug_assert_eq!(stored, layers.len() / n, "whole layers");
            let layer = (left - 1).min(stored);
            layers[(layer - 1) * n + i as usize]
        };
        // The value of arriving with file `complete`.
        let at = |complete: bool| {
            if new.is_empty() {
                return on(complete, granted);
            }
            let now = granted.union(new);
            let after = if !granted.includes(goal) && now.includes(goal) {
                1.0
            } else {
                on(complete, now)
            };
            if complete { after } else { assist * after }
        };
        if !complete {
            at(false)
        } else if ch.fidelity < 1.0 {
            ch.fidelity * at(true) + (1.0 - ch.fidelity) * at(false)
        } else {
            // (A degraded file is impossible here, and its state may not be reached.)
            at(true)
        }
    }
}

/// The probability that a referral on channel `e` of `perfect` (the network of scenario `s`
/// with perfect communication) is delivered before the victim drops out: attempt `k` (0-based)
/// delivers when the `k` earlier ones survived and failed and this one survives and succeeds;
/// an attempt survives with the Laplace transform of its delay at the sender's dropout rate.
fn deliver(s: &Scenario, perfect: &Network, e: usize) -> f64 {
    let (c, sc) = (&perfect.channels[e], &s.channels()[e]);
    let quality = c.quality as f64 / CERTAIN as f64;
    let rate = s.authorities()[sc.from].dropout_per_day;
    let survive = if rate > 0.0 { sc.delay.laplace(rate) } else { 1.0 };
    let fail = survive * (1.0 - quality);
    let mut deliver = 0.0;
    let mut reach = 1.0;
    for _ in 0..c.attempts {
        deliver += reach * survive * quality;
        reach *= fail;
    }
    deliver
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `tests/fixtures/chain_with_a_choice.toml` (A → B → C: B closes or refers on with even
    /// odds, C gives the goal) with `max_hops` hops at most.
    fn chain(max_hops: u32) -> Scenario {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let fixtures = root.join("tests").join("fixtures");
        let text = std::fs::read_to_string(fixtures.join("chain_with_a_choice.toml")).unwrap();
        let text = text.replace("max_hops = 64", &format!("max_hops = {max_hops}"));
        Scenario::from_toml_str(&text, std::path::Path::new("<test>"), &fixtures).unwrap()
    }

    fn fork(channel: usize, hops: u32) -> ForkPoint {
        ForkPoint {
            channel,
            hops,
            complete: true,
            granted: Services::NONE,
            goal: Services::NONE.with(crate::vocab::Service::Protection),
            completed: false,
        }
    }

    /// By hand: a failure on A → B (0 hops made) completes with perfect communication when B
    /// refers on (1/2); on B → C (1 hop made), always; with `max_hops = 1` the case stalls at B.
    #[test]
    fn values_by_hand() {
        for max_hops in [2, 3, 64] {
            let s = chain(max_hops);
            let table = CompletionTable::build(&s, &Network::compile(&s.with_perfect_communication()));
            let lookup = table.cohort(0).unwrap();
            assert!((lookup.value(&fork(0, 0)) - 0.5).abs() < 1e-15, "max_hops {max_hops}");
            assert_eq!(lookup.value(&fork(1, 1)), 1.0);
            let done = ForkPoint {
                completed: true,
                ..fork(0, 0)
            };
            assert_eq!(lookup.value(&done), 1.0);
        }
        let s = chain(1);
        let table = CompletionTable::build(&s, &Network::compile(&s.with_perfect_communication()));
        assert_eq!(table.cohort(0).unwrap().value(&fork(0, 0)), 0.0);
    }

    /// A cohort whose table could hold more values than the cap has none (the engine then
    /// simulates its perfect arm).
    #[test]
    fn a_table_over_the_cap_is_not_built() {
        let s = chain(64);
        let perfect = Network::compile(&s.with_perfect_communication());
        assert!(CompletionTable::build(&s, &perfect).has(0));
        // Three reached states (A, B, C with their services) × 64 hops × one goal.
        assert!(CompletionTable::build_capped(&s, &perfect, 3 * 64).has(0));
        assert!(!CompletionTable::build_capped(&s, &perfect, 3 * 64 - 1).has(0));
        assert!(CompletionTable::build_capped(&s, &perfect, 0).cohort(0).is_none());
    }
}
