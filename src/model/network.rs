//! The compiled network: a scenario flattened into per-authority and per-channel arrays and
//! per-cohort routing tables, so that the hot loop does no lookups, no allocation and no
//! floating-point comparisons of weights.
//!
//! Probabilities become 33-bit integer thresholds `round(p * 2^32)`: an event of probability `p`
//! happens when a 32-bit stream word is below its threshold, so `p = 1` always happens and
//! `p = 0` never does. Routing weights become cumulative thresholds in the same scale.
//! Eligibility (the `when` filter and the cross-border rule) depends only on the cohort and the
//! authority, so each cohort gets its own table of options per authority, built once from the
//! petgraph [`ReferralGraph`].

use crate::scenario::Scenario;
use crate::scenario::graph::ReferralGraph;
use crate::vocab::Services;
use crate::vocab::delay::DelaySampler;

/// `2^32`: the threshold of a certain event.
pub const CERTAIN: u64 = 1 << 32;

/// The threshold of an event of probability `p` in [0, 1].
#[inline]
pub fn threshold(p: f64) -> u64 {
    (p * CERTAIN as f64).round() as u64
}

/// Marks the "close the case here" option in a routing table.
pub const CLOSE: u32 = u32::MAX;

/// One option at an authority: close, or send along a channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RouteOption {
    /// Cumulative threshold: the option is chosen when the routing word is below it (and not
    /// below the previous option's).
    pub cum: u64,
    /// Channel index, or [`CLOSE`].
    pub channel: u32,
}

/// A cohort's compiled entry distribution, goal and routing tables.
#[derive(Debug, Clone, PartialEq)]
pub struct CohortPlan {
    /// Entry authorities, in the cohort's order.
    pub entry_at: Vec<u32>,
    /// Cumulative entry thresholds; the last is [`CERTAIN`].
    pub entry_cum: Vec<u64>,
    /// Per entry point (in the order of `entry_at`), the milestones that complete the case of a
    /// victim entering there ([`Cohort::goal`](crate::scenario::Cohort::goal)).
    pub goals: Vec<Services>,
    /// `options[option_start[a]..option_start[a + 1]]` are the options at authority `a`.
    pub option_start: Vec<u32>,
    /// All routing options, grouped by authority.
    pub options: Vec<RouteOption>,
}

impl CohortPlan {
    /// The services that complete the case of a victim who entered at entry point `entry`
    /// (index into [`CohortPlan::entry_at`]): the one place a trial learns its goal, so that
    /// completion and every "before / after the goal" split follow it.
    #[inline]
    pub fn goal_of(&self, entry: usize) -> Services {
        self.goals[entry]
    }

    /// The options at authority `a` (empty: the case stalls there).
    #[inline]
    pub fn options_at(&self, a: usize) -> &[RouteOption] {
        &self.options[self.option_start[a] as usize..self.option_start[a + 1] as usize]
    }
}

/// What the hot loop needs of one authority, kept together (one bounds check, one cache line).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AuthorityParams {
    /// Identification threshold.
    pub identify: u64,
    /// `assist_incomplete` threshold.
    pub assist: u64,
    /// `dropout_per_day`.
    pub dropout: f64,
    /// Services granted on arrival.
    pub provides: Services,
}

/// What the hot loop needs of one channel, kept together.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ChannelParams {
    /// Receiving authority.
    pub to: u32,
    /// `1 + retries`.
    pub attempts: u32,
    /// Quality threshold.
    pub quality: u64,
    /// Fidelity threshold.
    pub fidelity: u64,
    /// Delay sampler.
    pub delay: DelaySampler,
    /// The victim's own movement, not a referral: its failures are not communication failures,
    /// and the perfect-communication network keeps its quality and fidelity.
    pub movement: bool,
}

/// A scenario compiled for simulation. Build one per variant (the perfect-communication
/// counterfactual is another `Network`).
#[derive(Debug, Clone, PartialEq)]
pub struct Network {
    /// Per authority, in scenario order.
    pub authorities: Vec<AuthorityParams>,
    /// Per channel, in scenario order.
    pub channels: Vec<ChannelParams>,
    /// One plan per cohort, in scenario order.
    pub cohorts: Vec<CohortPlan>,
    /// Hops after which a trial is `stalled`.
    pub max_hops: u32,
}

impl Network {
    /// Compiles a validated scenario.
    pub fn compile(s: &Scenario) -> Network {
        let graph = ReferralGraph::new(s);
        let auth = s.authorities();
        let chan = s.channels();
        let cohorts = s
            .cohorts()
            .iter()
            .map(|c| {
                let (entry_at, shares): (Vec<u32>, Vec<f64>) = c.entry.iter().map(|&(a, w)| (a as u32, w)).unzip();
                let mut option_start = Vec::with_capacity(auth.len() + 1);
                let mut options = Vec::new();
                for (a, authority) in auth.iter().enumerate() {
                    option_start.push(options.len() as u32);
                    let mut ids = Vec::new();
                    let mut weights = Vec::new();
                    if authority.close > 0.0 {
                        ids.push(CLOSE);
                        weights.push(authority.close);
                    }
                    for e in graph.eligible_channels(s, c, a) {
                        ids.push(e as u32);
                        weights.push(chan[e].weight);
                    }
                    for (channel, cum) in ids.into_iter().zip(cumulative(&weights)) {
                        options.push(RouteOption { cum, channel });
                    }
                }
                option_start.push(options.len() as u32);
                CohortPlan {
                    entry_at,
                    entry_cum: cumulative(&shares),
                    goals: (0..c.entry.len()).map(|k| c.goal(k)).collect(),
                    option_start,
                    options,
                }
            })
            .collect();
        Network {
            authorities: auth
                .iter()
                .map(|a| AuthorityParams {
                    identify: threshold(a.identification),
                    assist: threshold(a.assist_incomplete),
                    dropout: a.dropout_per_day,
                    provides: a.provides,
                })
                .collect(),
            channels: chan
                .iter()
                .map(|c| ChannelParams {
                    to: c.to as u32,
                    attempts: 1 + c.retries,
                    quality: threshold(c.quality),
                    fidelity: threshold(c.fidelity),
                    delay: c.delay.sampler(),
                    movement: c.movement,
                })
                .collect(),
            cohorts,
            max_hops: s.max_hops(),
        }
    }
}

impl Network {
    /// Whether `self` is `other` with perfect communication: every channel's quality and
    /// fidelity thresholds [`CERTAIN`] except on movements, everything else equal (what
    /// [`simulate_with_perfect`](super::trial::simulate_with_perfect) requires of its two
    /// networks). Compares whole networks: for a check once per run.
    pub fn is_perfect_version_of(&self, other: &Network) -> bool {
        self.authorities == other.authorities
            && self.cohorts == other.cohorts
            && self.max_hops == other.max_hops
            && self.channels.len() == other.channels.len()
            && self.channels.iter().zip(&other.channels).all(|(p, a)| {
                // A movement is left exactly as it is; any other channel is perfect.
                if p.movement {
                    p == a
                } else {
                    p.quality == CERTAIN
                        && p.fidelity == CERTAIN
                        && ChannelParams {
                            quality: a.quality,
                            fidelity: a.fidelity,
                            ..*p
                        } == *a
                }
            })
    }
}

/// Cumulative thresholds of positive weights; the last is exactly [`CERTAIN`].
fn cumulative(weights: &[f64]) -> Vec<u64> {
    let total: f64 = weights.iter().sum();
    let mut acc = 0.0;
    let mut out: Vec<u64> = weights
        .iter()
        .map(|w| {
            acc += w;
            threshold((acc / total).min(1.0))
        })
        .collect();
    if let Some(last) = out.last_mut() {
        *last = CERTAIN;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thresholds_are_exact_at_the_ends() {
        assert_eq!(threshold(0.0), 0);
        assert_eq!(threshold(1.0), CERTAIN);
        assert_eq!(threshold(0.5), 1 << 31);
    }

    /// The perfect version keeps a movement exactly as it is (issue 13): perfecting the movement
    /// too is not the perfect-communication network.
    #[test]
    fn perfect_version_keeps_movements() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let s = Scenario::load(&root.join("scenarios/europe-leg")).unwrap();
        let actual = Network::compile(&s);
        let mut perfect = Network::compile(&s.with_perfect_communication());
        assert!(perfect.is_perfect_version_of(&actual));
        let e = s.channels().iter().position(|c| c.movement).unwrap();
        assert!(actual.channels[e].quality < CERTAIN);
        perfect.channels[e].quality = CERTAIN;
        assert!(!perfect.is_perfect_version_of(&actual));
    }

    #[test]
    fn cumulative_ends_at_certain() {
        assert_eq!(cumulative(&[1.0, 1.0, 2.0]), vec![1 << 30, 1 << 31, CERTAIN]);
        assert_eq!(cumulative(&[0.1, 0.2, 0.7]).last(), Some(&CERTAIN));
        assert!(cumulative(&[]).is_empty());
    }
}
