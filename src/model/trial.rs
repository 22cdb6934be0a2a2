//! One trial: one simulated victim walked through the referral network, as a pure function of
//! the compiled [`Network`] and a stream of random words.
//!
//! **Draws by purpose, in fixed slots.** So that variants simulated with the same stream stay
//! paired for as long as their trajectories agree (docs/MODEL.md, "Reproducibility"), every decision
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
//!
//! **Both arms at once.** [`simulate_with_perfect`] gives the records of [`simulate`] on a network
//! and on its perfect-communication version, resuming the second from the first's state at its
//! first communication failure instead of walking the common prefix twice (same records, fewer
//! instructions: see `benches/RESULTS.md`).

pub use super::dropout::dropout_happens;
use super::dropout::happens;
use super::network::{CLOSE, CohortPlan, Network};
use super::perfect::ForkPoint;
use super::{Outcome, Stall, TrialRecord};
use crate::vocab::Services;

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
    /// The next `N` words, in order (the same as `N` calls of [`Draws::word`]; sources override
    /// it to read them at once).
    #[inline]
    fn words<const N: usize>(&mut self) -> [u32; N] {
        std::array::from_fn(|_| self.word())
    }
}

/// Two words as one 64-bit word, `lo` the low half (as [`Draws::wide`] reads them).
#[inline]
fn wide(lo: u32, hi: u32) -> u64 {
    u64::from(lo) | (u64::from(hi) << 32)
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
    /// A channel delivered the case to authority `a`.
    fn arrival(&mut self, _a: usize) {}
}

impl Observer for () {}

/// Simulates one victim of cohort `cohort` (index into `net.cohorts`): entry and identification,
/// then hop after hop until an outcome (docs/MODEL.md, "One trial"). The steps are those of
/// [`simulate_with_perfect`], which the engine uses; this is the same walk without the second arm.
pub fn simulate<D: Draws, O: Observer>(net: &Network, cohort: usize, draws: &mut D, obs: &mut O) -> TrialRecord {
    walk_to_fork::<D, O, NoFork>(net, cohort, draws, obs).0.rec
}

/// A source of words that can say where it stands and go back there: what
/// [`simulate_with_perfect`] needs to resume a trial.
pub trait Rewind: Draws {
    /// Words consumed so far (skipped ones included).
    fn position(&self) -> usize;
    /// Goes back to word `position` (a value [`Rewind::position`] returned for this trial).
    fn rewind(&mut self, position: usize);
}

/// Simulates one victim of cohort `cohort` on `net` (the actual arm, observed by `obs`) and, when
/// communication failed in it, on `perfect` (the perfect-communication arm): the same records
/// as [`simulate`] on each network, with the same words.
///
/// `perfect` must be `net` with perfect communication (every channel's quality and fidelity 1,
/// everything else equal), as `Network::compile(&s.with_perfect_communication())` is for
/// `Network::compile(&s)`; [`Network::is_perfect_version_of`] checks it (once per run: it
/// compares whole networks). Then the two arms walk the same path, on the same words, up to the
/// actual arm's first communication failure (a failed attempt, which succeeds with perfect
/// communication, or a degraded file, which stays complete); so the perfect arm is not walked
/// again from the start but resumed from a copy of the state taken there. Without a failure the
/// perfect arm would be the actual one: `None`, as [`TrialRecord::communication_failed`] says.
pub fn simulate_with_perfect<D: Rewind, O: Observer>(
    net: &Network,
    perfect: &Network,
    cohort: usize,
    draws: &mut D,
    obs: &mut O,
) -> (TrialRecord, Option<TrialRecord>) {
    let (walk, fork) = walk_to_fork::<D, O, Option<Fork>>(net, cohort, &mut *draws, obs);
    let perfect_rec = fork.map(|f: Fork| {
        let mut p = f.walk;
        draws.rewind(f.position);
        let cx = Hop {
            net: perfect,
            plan: &perfect.cohorts[cohort],
            draws,
            obs: &mut (),
            fork: &mut NoFork,
        };
        walk_on(cx, &mut p, f.resume);
        p.rec
    });
    (walk.rec, perfect_rec)
}

/// Simulates one victim of cohort `cohort` on `net` (the actual arm, observed by `obs`), as
/// [`simulate`] does, and returns with its record the state at its first communication failure,
/// if any: where the perfect-communication arm would take up (see [`simulate_with_perfect`]).
/// The engine turns that state into the perfect arm's probability of completing with a
/// [`CompletionTable`](super::perfect::CompletionTable) instead of walking the perfect arm.
pub fn simulate_to_fork<D: Draws, O: Observer>(
    net: &Network,
    cohort: usize,
    draws: &mut D,
    obs: &mut O,
) -> (TrialRecord, Option<ForkPoint>) {
    let (walk, point) = walk_to_fork::<D, O, Option<ForkPoint>>(net, cohort, draws, obs);
    (walk.rec, point)
}

/// The actual arm of a trial of cohort `cohort` on `net`, walked to its end, and what the sink
/// `S` keeps of its state at its first communication failure, if it had one.
#[inline(always)]
fn walk_to_fork<D: Draws, O: Observer, S: ForkSink<D> + Default>(
    net: &Network,
    cohort: usize,
    draws: &mut D,
    obs: &mut O,
) -> (Walk, S) {
    let plan = &net.cohorts[cohort];
    let (mut walk, identified) = start(net, plan, draws);
    let mut fork = S::default();
    if identified {
        let cx = Hop {
            net,
            plan,
            draws,
            obs,
            fork: &mut fork,
        };
        walk_on(cx, &mut walk, Resume::Route);
    }
    (walk, fork)
}

/// The state of a trial between hops.
#[derive(Debug, Clone, Copy)]
struct Walk {
    rec: TrialRecord,
    /// Days since identification.
    t: f64,
    granted: Services,
    /// The services that complete this case ([`CohortPlan::goal_of`] its entry point).
    goal: Services,
    /// Whether the file is still complete.
    complete: bool,
    degraded_by: Option<usize>,
    /// The authority holding the case.
    v: usize,
}

/// Where [`walk_on`] takes up a trial.
#[derive(Debug, Clone, Copy)]
enum Resume {
    /// At the routing decision of the authority holding the case.
    Route,
    /// Right after the success word of an attempt on channel `e` that succeeds, `skip` words
    /// (the unused attempts) before the fidelity word.
    Delivered { e: usize, skip: usize },
    /// After the delivery on `e`, its fidelity and assist words read, before the fidelity check.
    Tail { e: usize, w_fid: u32, w_assist: u32 },
}

/// The state of the actual arm just before its first communication failure, and where the
/// perfect-communication arm takes up from there.
#[derive(Debug, Clone, Copy)]
struct Fork {
    walk: Walk,
    /// Words consumed at the failure ([`Rewind::position`]).
    position: usize,
    resume: Resume,
}

/// What [`walk_on`] walks a trial with: the network and the cohort's plan, the words, the
/// observer and what keeps the state at the first communication failure (`fork`).
struct Hop<'a, D, O, S> {
    net: &'a Network,
    plan: &'a CohortPlan,
    draws: &'a mut D,
    obs: &'a mut O,
    fork: &'a mut S,
}

/// What a walk keeps of its state at its first communication failure: the whole state and its
/// position in the words (to walk the perfect arm on: [`Fork`]), only what the completion table
/// reads ([`ForkPoint`]), or nothing ([`NoFork`]). Keeping no more than needed keeps the copy
/// out of the hot loop.
trait ForkSink<D> {
    /// Keeps what it needs of state `w`, failing on `channel`, from which the perfect arm would
    /// take up at `resume`.
    fn keep(&mut self, w: &Walk, channel: usize, resume: Resume, draws: &D);
}

/// Keeps nothing: a walk that needs no fork.
#[derive(Default)]
struct NoFork;

impl<D> ForkSink<D> for NoFork {
    #[inline(always)]
    fn keep(&mut self, _: &Walk, _: usize, _: Resume, _: &D) {}
}

impl<D: Rewind> ForkSink<D> for Option<Fork> {
    #[inline(always)]
    fn keep(&mut self, w: &Walk, _: usize, resume: Resume, draws: &D) {
        *self = Some(Fork {
            walk: *w,
            position: draws.position(),
            resume,
        });
    }
}

impl<D> ForkSink<D> for Option<ForkPoint> {
    #[inline(always)]
    fn keep(&mut self, w: &Walk, channel: usize, _: Resume, _: &D) {
        *self = Some(ForkPoint {
            channel,
            hops: w.rec.hops,
            // A degraded file is complete in the perfect arm; a failed attempt delivers the file
            // as it is.
            complete: w.complete,
            granted: w.granted,
            goal: w.goal,
            completed: !w.rec.completed_at.is_nan(),
        });
    }
}

impl<D: Draws, O: Observer, S: ForkSink<D>> Hop<'_, D, O, S> {
    /// A communication failure of the actual arm in state `w`: if it is the first, the sink keeps
    /// the state, from which the perfect-communication arm takes up at `resume`.
    #[inline(always)]
    fn fork_at(&mut self, w: &Walk, channel: usize, resume: Resume) {
        if !w.rec.communication_failed {
            self.fork.keep(w, channel, resume, self.draws);
        }
    }
}

/// Entry and identification: the state at the entry point (outcome `unidentified`, which the walk
/// replaces on every path), and whether the victim was identified.
#[inline(always)]
fn start<D: Draws>(net: &Network, plan: &CohortPlan, draws: &mut D) -> (Walk, bool) {
    let [w_entry, w_identify] = draws.words::<2>();
    let w = u64::from(w_entry);
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
        stall: None,
        granted_at: [f64::NAN; 3],
        completed_at: f64::NAN,
        hops: 0,
        communication_failed: false,
    };
    let entry_point = &net.authorities[a0];
    let mut granted = Services::NONE;
    let goal = plan.goal_of(entry);
    let identified = happens(w_identify, entry_point.identify);
    if identified {
        grant(&mut rec, &mut granted, entry_point.provides, 0.0, goal);
    }
    let walk = Walk {
        rec,
        t: 0.0,
        granted,
        goal,
        complete: true,
        degraded_by: None,
        v: a0,
    };
    (walk, identified)
}

/// Walks the trial from `resume` until it ends (the outcome is in `walk.rec`): the steps of
/// one trial's hops.
#[inline(always)]
fn walk_on<D: Draws, O: Observer, S: ForkSink<D>>(mut cx: Hop<'_, D, O, S>, walk: &mut Walk, resume: Resume) {
    let w = walk;
    match resume {
        Resume::Route => {}
        Resume::Delivered { e, skip } => {
            cx.draws.skip(skip);
            let [w_fid, w_assist] = cx.draws.words::<2>();
            if arrive(&mut cx, w, e, w_fid, w_assist) {
                return;
            }
        }
        Resume::Tail { e, w_fid, w_assist } => {
            if arrive(&mut cx, w, e, w_fid, w_assist) {
                return;
            }
        }
    }
    let (net, plan) = (cx.net, cx.plan);
    loop {
        let options = plan.options_at(w.v);
        let r = u64::from(cx.draws.word());
        let Some(choice) = options.iter().find(|o| r < o.cum) else {
            w.rec.outcome = Outcome::Stalled;
            w.rec.stall = Some(Stall::Hole);
            w.rec.at = w.v;
            return;
        };
        if choice.channel == CLOSE {
            w.rec.outcome = Outcome::Closed;
            w.rec.at = w.v;
            return;
        }
        let e = choice.channel as usize;
        let ch = &net.channels[e];
        let attempts = ch.attempts as usize;
        let rate = net.authorities[w.v].dropout;
        let mut delivered = false;
        for k in 0..attempts {
            let [lo, hi, w_drop, w_ok] = cx.draws.words::<4>();
            let d = ch.delay.sample(wide(lo, hi));
            w.t += d;
            cx.obs.attempt(e);
            if rate > 0.0 && dropout_happens(w_drop, rate * d) {
                cx.obs.dropout(e);
                w.rec.outcome = Outcome::Dropped;
                w.rec.channel = Some(e);
                w.rec.at = w.v;
                return;
            }
            let skip = (attempts - k - 1) * WORDS_PER_ATTEMPT;
            if happens(w_ok, ch.quality) {
                cx.draws.skip(skip);
                delivered = true;
                break;
            }
            cx.obs.failure(e);
            // With perfect communication this attempt succeeds, unless it is a movement (which
            // perfect communication leaves as it is: both arms fail here alike).
            if !ch.movement {
                cx.fork_at(w, e, Resume::Delivered { e, skip });
                w.rec.communication_failed = true;
            }
        }
        if !delivered {
            cx.obs.loss(e);
            w.rec.outcome = Outcome::Lost;
            w.rec.channel = Some(e);
            w.rec.at = w.v;
            return;
        }
        let [w_fid, w_assist] = cx.draws.words::<2>();
        if arrive(&mut cx, w, e, w_fid, w_assist) {
            return;
        }
    }
}

/// The end of a hop on `e` whose file was delivered: fidelity, arrival, services. Whether the
/// trial ended there.
#[inline(always)]
fn arrive<D: Draws, O: Observer, S: ForkSink<D>>(
    cx: &mut Hop<'_, D, O, S>,
    w: &mut Walk,
    e: usize,
    w_fid: u32,
    w_assist: u32,
) -> bool {
    let net = cx.net;
    let ch = &net.channels[e];
    if w.complete && !happens(w_fid, ch.fidelity) {
        // With perfect communication the file stays complete (unless this is a movement).
        if !ch.movement {
            cx.fork_at(w, e, Resume::Tail { e, w_fid, w_assist });
            w.rec.communication_failed = true;
        }
        w.complete = false;
        w.degraded_by = Some(e);
        cx.obs.degraded(e);
    }
    w.v = ch.to as usize;
    w.rec.hops += 1;
    cx.obs.arrival(w.v);
    let arrival = &net.authorities[w.v];
    let new = arrival.provides.without(w.granted);
    if !new.is_empty() {
        if w.complete || happens(w_assist, arrival.assist) {
            grant(&mut w.rec, &mut w.granted, new, w.t, w.goal);
        } else {
            if let Some(c) = w.degraded_by {
                cx.obs.misclassified(c);
            }
            w.rec.outcome = Outcome::Misclassified;
            w.rec.channel = w.degraded_by;
            w.rec.at = w.v;
            return true;
        }
    }
    if w.rec.hops >= net.max_hops {
        w.rec.outcome = Outcome::Stalled;
        w.rec.stall = Some(Stall::MaxHops);
        w.rec.at = w.v;
        return true;
    }
    false
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

#[cfg(test)]
mod tests {
    use super::*;

    /// `simulate_with_perfect` gives, trial by trial, the records of `simulate` on each network
    /// (the perfect one only when communication failed), on every bundled scenario and bench100.
    #[test]
    fn simulate_with_perfect_is_two_simulations() {
        use crate::engine::stream::{CohortStreams, StreamKey, WINDOW_WORDS};
        use crate::model::network::CERTAIN;
        use crate::scenario::Scenario;
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut forks = 0;
        for file in [
            "scenarios/minimal.toml",
            "scenarios/talibe.toml",
            "scenarios/europe-leg",
            "benches/scenarios/bench100.toml",
        ] {
            let s = Scenario::load(&root.join(file)).unwrap();
            let actual = Network::compile(&s);
            let perfect = Network::compile(&s.with_perfect_communication());
            assert!(perfect.is_perfect_version_of(&actual), "{file}");
            assert_eq!(
                actual.is_perfect_version_of(&actual),
                actual
                    .channels
                    .iter()
                    .all(|c| c.quality == CERTAIN && c.fidelity == CERTAIN)
            );
            let key = StreamKey::new(s.seed());
            let trials = 4_000u64;
            for (c, cohort) in s.cohorts().iter().enumerate() {
                let streams = CohortStreams::for_cohort(&cohort.name);
                let mut windows = vec![0u32; trials as usize * WINDOW_WORDS];
                key.fill_windows(streams, 0, &mut windows);
                let mut overflow = key.overflow_rng();
                for (i, window) in windows.chunks_exact(WINDOW_WORDS).enumerate() {
                    let i = i as u64;
                    let want_a = simulate(&actual, c, &mut key.trial(streams, i, window, &mut overflow), &mut ());
                    let want_p = simulate(&perfect, c, &mut key.trial(streams, i, window, &mut overflow), &mut ());
                    let mut draws = key.trial(streams, i, window, &mut overflow);
                    let (a, p) = simulate_with_perfect(&actual, &perfect, c, &mut draws, &mut ());
                    assert_eq!(format!("{a:?}"), format!("{want_a:?}"), "{file} cohort {c} trial {i}");
                    assert_eq!(p.is_some(), a.communication_failed, "{file} cohort {c} trial {i}");
                    if let Some(p) = p {
                        forks += 1;
                        assert_eq!(format!("{p:?}"), format!("{want_p:?}"), "{file} cohort {c} trial {i}");
                    }
                }
            }
        }
        assert!(forks > 10_000, "{forks}");
    }
}
