//! One trial: one simulated victim walked through the referral network, as a pure function of
//! the compiled [`Network`] and a stream of random words.
//!
//! **Draws by purpose, in fixed slots.** So that variants simulated with the same stream stay
//! paired for as long as their trajectories agree (MODEL.md "Reproducibility"), every decision
//! consumes a fixed number of words whether or not it needs them:
//!
//! | when | words |
//! |---|---|
//! | start | entry (1), identification (1) |
//! | each hop | routing (1); per possible attempt (`1 + retries`): delay (2), dropout (1), success (1); fidelity (1); assist (1) |
//!
//! Attempts left unused after a success are skipped, not drawn, so the next hop starts at the
//! same position in every variant that took the same channel. A dropout with rate 0, a fixed
//! delay or a certain event consume their words all the same.

use super::network::{CERTAIN, CLOSE, Network};
use super::{Outcome, Services, TrialRecord};

/// Words consumed by one attempt: delay (2), dropout (1), success (1).
pub const WORDS_PER_ATTEMPT: usize = 4;

/// A source of random 32-bit words for one trial.
pub trait Draws {
    /// The next word.
    fn word(&mut self) -> u32;
    /// Skips `n` words.
    fn skip(&mut self, n: usize);
    /// The next two words as one 64-bit word (low word first).
    #[inline]
    fn wide(&mut self) -> u64 {
        let lo = u64::from(self.word());
        lo | (u64::from(self.word()) << 32)
    }
}

/// Receives the per-channel events of a trial (for the leak map). `()` ignores them.
pub trait Observer {
    /// An attempt was made on channel `c`.
    fn attempt(&mut self, _c: usize) {}
    /// An attempt on `c` failed (not received or not acted upon).
    fn failure(&mut self, _c: usize) {}
    /// Every attempt on `c` failed: the case is lost.
    fn loss(&mut self, _c: usize) {}
    /// The victim dropped out while a referral on `c` was pending.
    fn dropout(&mut self, _c: usize) {}
    /// `c` delivered the file incomplete.
    fn degraded(&mut self, _c: usize) {}
    /// A case whose file `c` degraded was misclassified.
    fn misclassified(&mut self, _c: usize) {}
}

impl Observer for () {}

#[inline]
fn happens(word: u32, threshold: u64) -> bool {
    u64::from(word) < threshold
}

/// Simulates one victim of cohort `cohort` (index into `net.cohorts`).
pub fn simulate<D: Draws, O: Observer>(net: &Network, cohort: usize, draws: &mut D, obs: &mut O) -> TrialRecord {
    let plan = &net.cohorts[cohort];
    let w = u64::from(draws.word());
    let entry = plan
        .entry_cum
        .iter()
        .position(|&c| w < c)
        .unwrap_or(plan.entry_cum.len() - 1);
    let a0 = plan.entry_at[entry] as usize;
    let mut rec = TrialRecord {
        entry,
        outcome: Outcome::Unidentified,
        channel: None,
        at: a0,
        granted_at: [f64::NAN; 3],
        completed_at: f64::NAN,
        hops: 0,
        communication_failed: false,
    };
    let entry_point = &net.authorities[a0];
    if !happens(draws.word(), entry_point.identify) {
        return rec;
    }

    let mut t = 0.0f64;
    let mut granted = Services::NONE;
    let mut complete = true;
    let mut degraded_by = None;
    grant(&mut rec, &mut granted, entry_point.provides, t, plan.goal);
    let mut v = a0;
    loop {
        let options = plan.options_at(v);
        let w = u64::from(draws.word());
        let Some(choice) = options.iter().find(|o| w < o.cum) else {
            rec.outcome = Outcome::Stalled;
            rec.at = v;
            return rec;
        };
        if choice.channel == CLOSE {
            rec.outcome = Outcome::Closed;
            rec.at = v;
            return rec;
        }
        let e = choice.channel as usize;
        let ch = &net.channels[e];
        let attempts = ch.attempts as usize;
        let mut delivered = false;
        for k in 0..attempts {
            let d = ch.delay.sample(draws.wide());
            let w_drop = draws.word();
            let w_ok = draws.word();
            t += d;
            obs.attempt(e);
            let rate = net.authorities[v].dropout;
            if rate > 0.0 && happens(w_drop, dropout_threshold(rate * d)) {
                obs.dropout(e);
                rec.outcome = Outcome::Dropped;
                rec.channel = Some(e);
                rec.at = v;
                return rec;
            }
            if happens(w_ok, ch.quality) {
                draws.skip((attempts - k - 1) * WORDS_PER_ATTEMPT);
                delivered = true;
                break;
            }
            obs.failure(e);
            rec.communication_failed = true;
        }
        if !delivered {
            obs.loss(e);
            rec.outcome = Outcome::Lost;
            rec.channel = Some(e);
            rec.at = v;
            return rec;
        }
        let w_fid = draws.word();
        let w_assist = draws.word();
        if complete && !happens(w_fid, ch.fidelity) {
            complete = false;
            degraded_by = Some(e);
            rec.communication_failed = true;
            obs.degraded(e);
        }
        v = ch.to as usize;
        rec.hops += 1;
        let arrival = &net.authorities[v];
        let new = arrival.provides.without(granted);
        if !new.is_empty() {
            if complete || happens(w_assist, arrival.assist) {
                grant(&mut rec, &mut granted, new, t, plan.goal);
            } else {
                if let Some(c) = degraded_by {
                    obs.misclassified(c);
                }
                rec.outcome = Outcome::Misclassified;
                rec.channel = degraded_by;
                rec.at = v;
                return rec;
            }
        }
        if rec.hops >= net.max_hops {
            rec.outcome = Outcome::Stalled;
            rec.at = v;
            return rec;
        }
    }
}

/// Threshold of dropping out during a wait of hazard `x = rate * days`: `1 - exp(-x)`.
#[inline]
fn dropout_threshold(x: f64) -> u64 {
    ((-(-x).exp_m1()) * CERTAIN as f64).round() as u64
}

/// Grants `new` services at day `t`, and records completion when the goal is first met.
#[inline]
fn grant(rec: &mut TrialRecord, granted: &mut Services, new: Services, t: f64, goal: Services) {
    if new.is_empty() {
        return;
    }
    for s in new.iter() {
        rec.granted_at[s.index()] = t;
    }
    let before = granted.includes(goal);
    *granted = granted.union(new);
    if !before && granted.includes(goal) {
        rec.completed_at = t;
    }
}
