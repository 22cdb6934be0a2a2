//! The exact Markov-chain solution ([`refgap::exact::solve`]) against probabilities computed by
//! hand on tiny graphs, to 1e-12: a chain, a weighted fork with close, retries, dropout under
//! every delay law (through its Laplace transform), incomplete files, a structural hole, the
//! cross-border rule and the eligibility filters, a cycle solved by first-step analysis, the
//! default goal rule, the perfect-communication solution, entry-point breakdowns with
//! [`ExactCohort::aggregate`], and `beyond_max_hops` (the mass still in transit after `max_hops`
//! hops).
//!
//! Most scenarios are those of `hand.rs`, whose derivations (MODEL.md "One trial") are repeated
//! here; `q` is a channel's quality, `f` its fidelity, `r` its retries, `s` the no-dropout
//! probability of one attempt, `i` the identification probability of the entry point. All hand
//! probabilities below are unconditional (per trial), like the solver's.

use refgap::exact::{ExactCohort, solve};
use refgap::model::Measure;
use refgap::scenario::Scenario;

use crate::hand::{ANY_ORIGIN, FIXED_DROPOUT, FORK, HOLE, INCOMPLETE};
use crate::util::scenario;

/// Largest difference allowed between the solver and a hand value.
const TOL: f64 = 1e-12;

/// Parses scenario text and solves it exactly.
fn exact(text: &str) -> (Scenario, Vec<ExactCohort>) {
    let s = scenario(text);
    let ex = solve(&s).unwrap_or_else(|e| panic!("the exact solver failed on \"{}\": {e}", s.name()));
    assert_eq!(ex.len(), s.cohorts().len(), "one solution per cohort");
    (s, ex)
}

fn assert_close(what: &str, got: f64, want: f64) {
    assert!(
        (got - want).abs() < TOL,
        "{what}: exact solver {got:.17}, hand value {want:.17} (difference {:.3e})",
        got - want
    );
}

/// Hand values of every measure of one entry point (or aggregate); `unidentified` is
/// `1 - identified` and `protected_in_time` is NaN (the chain has no clock).
#[derive(Debug, Clone, Copy, Default)]
struct Want {
    identified: f64,
    closed: f64,
    lost: f64,
    dropped: f64,
    misclassified: f64,
    stalled: f64,
    protected: f64,
    returned: f64,
    reintegrated: f64,
    completed: f64,
}

impl Want {
    fn values(&self) -> [(Measure, f64); 11] {
        [
            (Measure::Identified, self.identified),
            (Measure::Unidentified, 1.0 - self.identified),
            (Measure::Closed, self.closed),
            (Measure::Lost, self.lost),
            (Measure::Dropped, self.dropped),
            (Measure::Misclassified, self.misclassified),
            (Measure::Stalled, self.stalled),
            (Measure::Protected, self.protected),
            (Measure::Returned, self.returned),
            (Measure::Reintegrated, self.reintegrated),
            (Measure::Completed, self.completed),
        ]
    }
}

/// Every measure of `got` equals the hand value. The hand outcomes of identified cases must add
/// up to `identified` (a check of the derivation itself).
fn check(what: &str, got: &[f64; Measure::COUNT], want: Want) {
    let outcomes = want.closed + want.lost + want.dropped + want.misclassified + want.stalled;
    assert!(
        (outcomes - want.identified).abs() < TOL,
        "{what}: the hand outcome probabilities add up to {outcomes}, not identified = {}",
        want.identified
    );
    for (m, w) in want.values() {
        assert_close(&format!("{what} / {}", m.name()), got[m.index()], w);
    }
    assert!(
        got[Measure::ProtectedInTime.index()].is_nan(),
        "{what}: protected_in_time must be NaN (the chain has no clock), got {}",
        got[Measure::ProtectedInTime.index()]
    );
}

/// The perfect-communication solution equals the exact solution of the scenario with every
/// quality and fidelity set to 1 (delays and dropout unchanged).
fn check_perfect_is_perfect_scenario(s: &Scenario, ex: &[ExactCohort]) {
    let direct = solve(&s.with_perfect_communication()).unwrap();
    for ((cohort, e), d) in s.cohorts().iter().zip(ex).zip(&direct) {
        for (k, (p, q)) in e.perfect.iter().zip(&d.entries).enumerate() {
            for m in Measure::ALL.into_iter().filter(|m| *m != Measure::ProtectedInTime) {
                assert_close(
                    &format!("{} entry {k} perfect / {}", cohort.name, m.name()),
                    p[m.index()],
                    q[m.index()],
                );
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// 1. Chain A -> B -> C (hand.rs 1).
//
// A identifies w.p. i = 0.6; A -> B (q1 = 0.8), B -> C (q2 = 0.7); B provides protection, C
// provides return and closes; goal protection + return.
//   lost = i (1 - q1) + i q1 (1 - q2) = 0.264, closed = returned = completed = i q1 q2 = 0.336,
//   protected = i q1 = 0.48.
// Perfect communication: closed = protected = returned = completed = i = 0.6.
// States: the chain lists every structurally possible state, also those reached with probability
// 0 (an incomplete file behind a channel of fidelity 1), so that every variant of the scenario
// shares one state space: (A, {}), (B, {P}) and (C, {P, R}), each of B and C with a complete
// and an incomplete file: 5, none trapped.
// beyond_max_hops = P(still in transit after H hops) (the simulation stalls those cases):
//   H = 1: at B, i q1 = 0.48; H = 2: at C (about to close), i q1 q2 = 0.336; H >= 3: 0.
// ---------------------------------------------------------------------------------------------
const CHAIN: &str = r#"
[scenario]
name = "chain"
seed = 101
max_hops = 64

[[country]]
code = "AAA"

[[authority]]
id = "A"
country = "AAA"
kind = "police"
identification = 0.6

[[authority]]
id = "B"
country = "AAA"
kind = "shelter"
provides = ["protection"]

[[authority]]
id = "C"
country = "AAA"
kind = "social"
provides = ["return"]
close = 1.0

[[channel]]
from = "A"
to = "B"
quality = 0.8
delay = { fixed = 3.0 }

[[channel]]
from = "B"
to = "C"
quality = 0.7
delay = { fixed = 5.5 }

[[cohort]]
name = "chain"
origin = "AAA"
age = "adult"
entry = [{ at = "A", share = 1.0 }]
goal = ["protection", "return"]
"#;

#[test]
fn chain_matches_closed_form() {
    let (s, ex) = exact(CHAIN);
    let c = &ex[0];
    let (i, q1, q2) = (0.6, 0.8, 0.7);
    let done = i * q1 * q2;
    let want = Want {
        identified: i,
        closed: done,
        lost: i * (1.0 - q1) + i * q1 * (1.0 - q2),
        protected: i * q1,
        returned: done,
        completed: done,
        ..Want::default()
    };
    check("chain", &c.entries[0], want);
    check(
        "chain aggregate",
        &ExactCohort::aggregate(&c.entries, &s.cohorts()[0], |_| true),
        want,
    );
    check(
        "chain perfect",
        &c.perfect[0],
        Want {
            identified: i,
            closed: i,
            protected: i,
            returned: i,
            completed: i,
            ..Want::default()
        },
    );
    assert_eq!((c.states, c.trapped), (5, 0));
    assert_eq!(c.beyond_max_hops, 0.0, "no case makes more than 2 hops");
    for (hops, want) in [(1, i * q1), (2, i * q1 * q2), (3, 0.0)] {
        let (_, ex) = exact(&CHAIN.replace("max_hops = 64", &format!("max_hops = {hops}")));
        assert_close(
            &format!("chain beyond_max_hops with max_hops = {hops}"),
            ex[0].beyond_max_hops,
            want,
        );
    }
    check_perfect_is_perfect_scenario(&s, &ex);
}

// ---------------------------------------------------------------------------------------------
// 2. Fork with routing weights, and close weights competing with channels (hand.rs 2).
//
// A: i = 0.9, close 1; A -> B weight 2 (q 0.6), A -> C weight 1 (q 1): close 1/4, B 1/2, C 1/4.
// B: protection, close 1. C: close 3, C -> D weight 1 (q 0.5): close 3/4, D 1/4. D: protection,
// close 1.
//   closed    = 0.9 (1/4 + 1/2 * 0.6 + 1/4 (3/4 + 1/4 * 0.5)) = 0.691875
//   lost      = 0.9 (1/2 * 0.4 + 1/4 * 1/4 * 0.5)             = 0.208125
//   protected = completed = 0.9 (1/2 * 0.6 + 1/4 * 1/4 * 0.5) = 0.298125
// Perfect communication: lost 0, closed 0.9, protected = completed = 0.9 (1/2 + 1/16) = 0.50625.
// ---------------------------------------------------------------------------------------------
// (scenario text: `crate::hand::FORK`, shared with the simulation test)

#[test]
fn weighted_fork_with_close_matches_closed_form() {
    let (s, ex) = exact(FORK);
    let i = 0.9;
    let protected = i * (0.5 * 0.6 + 0.25 * 0.25 * 0.5);
    check(
        "fork",
        &ex[0].entries[0],
        Want {
            identified: i,
            closed: i * (0.25 + 0.5 * 0.6 + 0.25 * (0.75 + 0.25 * 0.5)),
            lost: i * (0.5 * 0.4 + 0.25 * 0.25 * 0.5),
            protected,
            completed: protected,
            ..Want::default()
        },
    );
    assert_close("fork protected (decimal)", protected, 0.298125);
    let perfect = i * (0.5 + 0.25 * 0.25);
    check(
        "fork perfect",
        &ex[0].perfect[0],
        Want {
            identified: i,
            closed: i,
            protected: perfect,
            completed: perfect,
            ..Want::default()
        },
    );
    assert_close("fork perfect completed (decimal)", perfect, 0.50625);
    check_perfect_is_perfect_scenario(&s, &ex);
}

// ---------------------------------------------------------------------------------------------
// 3. Retries: P(lost on a channel) = (1 - q)^(1 + r); entry-point breakdown and aggregates.
//
// Entry points A, B, D, E with shares 3 : 1 : 1 : 2 (normalised by 7). A, B, E identify
// everyone, D nobody (identification 0: no start state, unidentified = 1). Each of A, B, E has
// one channel to C (protection, close 1); D has none.
//   A -> C: q 0.4, r 2: lost 0.6^3 = 0.216, closed = protected = completed 0.784
//   B -> C: q 0.7, r 1: lost 0.3^2 = 0.09
//   E -> C: q 0.25, r 3: lost 0.75^4 = 0.31640625
// All entry points are in the origin country: goal = protection.
// Aggregates are share-weighted means: all four (/7), or A, B, E only (/6).
// Perfect communication: every identified case reaches C and closes.
// States: the three start states and (C, {P}) with a complete or an incomplete file: 5.
// ---------------------------------------------------------------------------------------------
const RETRIES: &str = r#"
[scenario]
name = "retries"
seed = 303

[[country]]
code = "AAA"

[[authority]]
id = "A"
country = "AAA"
kind = "police"
identification = 1.0

[[authority]]
id = "B"
country = "AAA"
kind = "labour"
identification = 1.0

[[authority]]
id = "C"
country = "AAA"
kind = "shelter"
provides = ["protection"]
close = 1.0

[[authority]]
id = "D"
country = "AAA"
kind = "border"
identification = 0.0

[[authority]]
id = "E"
country = "AAA"
kind = "ngo"
identification = 1.0

[[channel]]
from = "A"
to = "C"
quality = 0.4
retries = 2

[[channel]]
from = "B"
to = "C"
quality = 0.7
retries = 1

[[channel]]
from = "E"
to = "C"
quality = 0.25
retries = 3

[[cohort]]
name = "retries"
origin = "AAA"
age = "adult"
entry = [{ at = "A", share = 3.0 }, { at = "B", share = 1.0 }, { at = "D", share = 1.0 }, { at = "E", share = 2.0 }]
"#;

#[test]
fn retries_and_entry_breakdown_match_closed_form() {
    let (s, ex) = exact(RETRIES);
    let c = &ex[0];
    let cohort = &s.cohorts()[0];
    let reached = |q: f64, r: i32| {
        let lost = (1.0 - q).powi(1 + r);
        Want {
            identified: 1.0,
            closed: 1.0 - lost,
            lost,
            protected: 1.0 - lost,
            completed: 1.0 - lost,
            ..Want::default()
        }
    };
    let nobody = Want::default();
    let wants = [reached(0.4, 2), reached(0.7, 1), nobody, reached(0.25, 3)];
    assert_close("0.6^3", wants[0].lost, 0.216);
    assert_close("0.75^4", wants[3].lost, 0.31640625);
    for (k, want) in wants.iter().enumerate() {
        check(&format!("retries entry {k}"), &c.entries[k], *want);
        check(
            &format!("retries aggregate of entry {k} alone"),
            &ExactCohort::aggregate(&c.entries, cohort, |j| j == k),
            *want,
        );
    }
    let mix = |shares: [f64; 4]| {
        let total: f64 = shares.iter().sum();
        let f = |g: fn(&Want) -> f64| wants.iter().zip(shares).map(|(w, sh)| sh * g(w)).sum::<f64>() / total;
        Want {
            identified: f(|w| w.identified),
            closed: f(|w| w.closed),
            lost: f(|w| w.lost),
            protected: f(|w| w.protected),
            completed: f(|w| w.completed),
            ..Want::default()
        }
    };
    check(
        "retries aggregate",
        &ExactCohort::aggregate(&c.entries, cohort, |_| true),
        mix([3.0, 1.0, 1.0, 2.0]),
    );
    check(
        "retries aggregate without D",
        &ExactCohort::aggregate(&c.entries, cohort, |k| k != 2),
        mix([3.0, 1.0, 0.0, 2.0]),
    );
    for (k, want) in wants.iter().enumerate() {
        let i = want.identified;
        check(
            &format!("retries perfect entry {k}"),
            &c.perfect[k],
            Want {
                identified: i,
                closed: i,
                protected: i,
                completed: i,
                ..Want::default()
            },
        );
    }
    assert_eq!((c.states, c.trapped), (5, 0));
    assert_eq!(c.beyond_max_hops, 0.0);
    check_perfect_is_perfect_scenario(&s, &ex);
}

// ---------------------------------------------------------------------------------------------
// 4. Dropout, with retries: the no-dropout probability s of one attempt is the Laplace transform
// of the delay law at the sending authority's hazard lambda. Attempt k (k = 0..=r) is made iff
// the k earlier ones all ended with the victim present and the referral failed, w.p.
// (s (1 - q))^k; then
//   dropped   = sum_{k<=r} (s (1 - q))^k (1 - s)
//   delivered = sum_{k<=r} (s (1 - q))^k s q
//   lost      = (s (1 - q))^(r + 1)
// Perfect communication (q = 1, delays unchanged): delivered = s, dropped = 1 - s.
//
// 4a. A (i = 1, dropout 0) -> B: fixed 10 days, q 1. B (protection, dropout 0.02) -> C: fixed
// 10 days, q 0.5, r 1. C: return, close 1. Goal protection + return. A sends A -> B, so nobody
// drops out there although B has a hazard: protected = 1; on B -> C, s = exp(-0.2).
// ---------------------------------------------------------------------------------------------
// (scenario text: `crate::hand::FIXED_DROPOUT`, shared with the simulation test)

/// (dropped, delivered, lost) of one channel with per-attempt no-dropout probability `s`.
fn attempts(s: f64, q: f64, r: i32) -> (f64, f64, f64) {
    let fail = s * (1.0 - q);
    let (mut dropped, mut delivered) = (0.0, 0.0);
    for k in 0..=r {
        dropped += fail.powi(k) * (1.0 - s);
        delivered += fail.powi(k) * s * q;
    }
    (dropped, delivered, fail.powi(r + 1))
}

#[test]
fn fixed_delay_dropout_on_the_senders_hazard_matches_closed_form() {
    let (s_, ex) = exact(FIXED_DROPOUT);
    let s = (-0.02f64 * 10.0).exp();
    let (dropped, done, lost) = attempts(s, 0.5, 1);
    // The same in the form of hand.rs 4.
    assert_close("dropped", dropped, (1.0 - s) * (1.0 + 0.5 * s));
    assert_close("done", done, 0.5 * s * (1.0 + 0.5 * s));
    check(
        "fixed dropout",
        &ex[0].entries[0],
        Want {
            identified: 1.0,
            closed: done,
            lost,
            dropped,
            protected: 1.0,
            returned: done,
            completed: done,
            ..Want::default()
        },
    );
    check(
        "fixed dropout perfect",
        &ex[0].perfect[0],
        Want {
            identified: 1.0,
            closed: s,
            dropped: 1.0 - s,
            protected: 1.0,
            returned: s,
            completed: s,
            ..Want::default()
        },
    );
    check_perfect_is_perfect_scenario(&s_, &ex);
}

/// A (i = 1, hazard `dropout`) -> B (protection, close 1) along `channel`.
fn dropout_scenario(dropout: f64, channel: &str) -> String {
    format!(
        r#"
[scenario]
name = "dropout"
seed = 1

[[country]]
code = "AAA"

[[authority]]
id = "A"
country = "AAA"
kind = "police"
identification = 1.0
dropout_per_day = {dropout:?}

[[authority]]
id = "B"
country = "AAA"
kind = "shelter"
provides = ["protection"]
close = 1.0

[[channel]]
from = "A"
to = "B"
{channel}

[[cohort]]
name = "dropout"
origin = "AAA"
age = "adult"
entry = [{{ at = "A", share = 1.0 }}]
"#
    )
}

/// `∫ φ(z) exp(-c e^(σz)) dz` by composite Simpson on [-12, 12] with 2^17 panels: the lognormal
/// Laplace transform at `c = λ median`, independently of the crate's Gauss–Legendre rule (the
/// normal density beyond |z| = 12 holds less than 1e-32; Simpson's error here is below 1e-15).
fn lognormal_laplace_simpson(c: f64, sigma: f64) -> f64 {
    let n = 1 << 17;
    let (a, b) = (-12.0f64, 12.0f64);
    let h = (b - a) / n as f64;
    let f = |z: f64| (-0.5 * z * z).exp() / (2.0 * std::f64::consts::PI).sqrt() * (-c * (sigma * z).exp()).exp();
    let mut sum = f(a) + f(b);
    for j in 1..n {
        sum += f(a + j as f64 * h) * if j % 2 == 1 { 4.0 } else { 2.0 };
    }
    sum * h / 3.0
}

// 4b. One channel A -> B under every delay law; A's hazard lambda; the Laplace transforms:
//   fixed d:                 exp(-lambda d)
//   exponential mean m:      1 / (1 + lambda m)
//   gamma mean m, shape k:   (1 + lambda m / k)^-k      (k = 2 and the non-integer k = 0.7)
//   uniform on [a, b]:       (e^{-lambda a} - e^{-lambda b}) / (lambda (b - a))
//   lognormal, sigma = 0:    exp(-lambda median)        (a fixed delay)
//   lognormal, sigma = 0.8:  no closed form: an independent Simpson quadrature
// Outcomes from `attempts` above; protected = completed = closed = delivered (default goal).
#[test]
fn dropout_under_every_delay_law_matches_laplace_transforms() {
    let lam = [0.02, 0.05, 0.04, 0.03, 0.03, 0.025, 0.03];
    let cases: [(&str, f64, f64, i32, f64); 7] = [
        ("delay = { fixed = 12.5 }", lam[0], 0.5, 1, (-lam[0] * 12.5).exp()),
        (
            "delay = { exponential = 6.0 }",
            lam[1],
            0.7,
            1,
            1.0 / (1.0 + lam[1] * 6.0),
        ),
        (
            "delay = { gamma = { mean = 5.0, shape = 2.0 } }",
            lam[2],
            0.8,
            2,
            (1.0 + lam[2] * 5.0 / 2.0).powi(-2),
        ),
        (
            "delay = { gamma = { mean = 8.0, shape = 0.7 } }",
            lam[3],
            0.6,
            3,
            (1.0 + lam[3] * 8.0 / 0.7).powf(-0.7),
        ),
        (
            "delay = { uniform = { min = 2.0, max = 12.0 } }",
            lam[4],
            0.6,
            0,
            ((-lam[4] * 2.0).exp() - (-lam[4] * 12.0).exp()) / (lam[4] * 10.0),
        ),
        (
            "delay = { lognormal = { median = 9.0, sigma = 0.0 } }",
            lam[5],
            0.9,
            2,
            (-lam[5] * 9.0).exp(),
        ),
        (
            "delay = { lognormal = { median = 9.0, sigma = 0.8 } }",
            lam[6],
            0.75,
            1,
            lognormal_laplace_simpson(lam[6] * 9.0, 0.8),
        ),
    ];
    for (delay, lambda, q, r, s) in cases {
        let text = dropout_scenario(lambda, &format!("quality = {q:?}\nretries = {r}\n{delay}"));
        let (sc, ex) = exact(&text);
        let (dropped, delivered, lost) = attempts(s, q, r);
        let what = format!("{delay}, lambda {lambda}, q {q}, r {r}");
        check(
            &what,
            &ex[0].entries[0],
            Want {
                identified: 1.0,
                closed: delivered,
                lost,
                dropped,
                protected: delivered,
                completed: delivered,
                ..Want::default()
            },
        );
        check(
            &format!("{what} perfect"),
            &ex[0].perfect[0],
            Want {
                identified: 1.0,
                closed: s,
                dropped: 1.0 - s,
                protected: s,
                completed: s,
                ..Want::default()
            },
        );
        check_perfect_is_perfect_scenario(&sc, &ex);
    }
    // The uniform transform in the form of hand.rs 9b.
    assert_close(
        "uniform s",
        ((-0.06f64).exp() - (-0.36f64).exp()) / 0.3,
        ((-lam[4] * 2.0).exp() - (-lam[4] * 12.0).exp()) / (lam[4] * 10.0),
    );
}

// ---------------------------------------------------------------------------------------------
// 5. Incomplete files and `assist_incomplete` (hand.rs 5).
//
// A (i = 1, protection) -> B: f1 = 0.7. B provides protection again (not new: no assist draw,
// its assist_incomplete = 0 does not matter) -> C: f2 = 0.8. C: return + reintegration (new),
// assist_incomplete = a = 0.25, close 1. All q = 1. Goal: all three.
//   P(incomplete at C) = 1 - f1 f2 = 0.44; misclassified = 0.44 (1 - a) = 0.33;
//   closed = returned = reintegrated = completed = 1 - 0.33 = 0.67; protected = 1.
// With a = 1 nobody is misclassified; with a = 0, misclassified = 0.44.
// Perfect communication (f = 1): completed = 1.
// States: (A, complete), (B, complete), (B, incomplete), (C, complete), (C, incomplete): 5.
// ---------------------------------------------------------------------------------------------
// (scenario text: `crate::hand::INCOMPLETE`, shared with the simulation test)

#[test]
fn incomplete_files_and_assist_incomplete_match_closed_form() {
    for assist in [0.25, 1.0, 0.0] {
        let text = INCOMPLETE.replace("assist_incomplete = 0.25", &format!("assist_incomplete = {assist:?}"));
        let (s, ex) = exact(&text);
        let c = &ex[0];
        let misclassified = (1.0 - 0.7 * 0.8) * (1.0 - assist);
        let done = 1.0 - misclassified;
        check(
            &format!("incomplete, assist {assist}"),
            &c.entries[0],
            Want {
                identified: 1.0,
                closed: done,
                misclassified,
                protected: 1.0,
                returned: done,
                reintegrated: done,
                completed: done,
                ..Want::default()
            },
        );
        check(
            &format!("incomplete perfect, assist {assist}"),
            &c.perfect[0],
            Want {
                identified: 1.0,
                closed: 1.0,
                protected: 1.0,
                returned: 1.0,
                reintegrated: 1.0,
                completed: 1.0,
                ..Want::default()
            },
        );
        assert_eq!((c.states, c.trapped), (5, 0));
        check_perfect_is_perfect_scenario(&s, &ex);
    }
}

// ---------------------------------------------------------------------------------------------
// 6a. Structural hole; the cross-border rule and `when.victims` decide eligibility (hand.rs 6a).
//
// AAA.police (i = 0.7) -> AAA.shelter (q 0.8; protection, close 0). Out of the shelter:
// -> AAA.social (when victims = "foreign"; return, close 1) and -> BBB.social (q 0.5,
// cross-border; return + reintegration, close 1).
// Cohort "national", origin AAA (goal protection): at the shelter the "foreign" channel is
// ineligible (sender in the origin) and BBB is not the origin: no option, stalled.
//   lost 0.7 * 0.2 = 0.14, stalled = protected = completed = 0.56.
//   Perfect: stalled = protected = completed = 0.7.
// Cohort "foreign", origin BBB (entry abroad: goal all three): both channels, 1/2 each.
//   lost = 0.14 + 0.56 * 1/2 * 0.5 = 0.28; closed 0.42; protected 0.56; returned
//   0.56 (1/2 + 1/4) = 0.42; reintegrated = completed = 0.56 * 1/4 = 0.14.
//   Perfect: closed = protected = returned 0.7, reintegrated = completed 0.35.
// ---------------------------------------------------------------------------------------------
// (scenario text: `crate::hand::HOLE`, shared with the simulation test)

#[test]
fn structural_hole_and_cross_border_rule_match_closed_form() {
    let (s, ex) = exact(HOLE);
    let (i, q) = (0.7, 0.8);
    let at_shelter = i * q;
    check(
        "hole national",
        &ex[0].entries[0],
        Want {
            identified: i,
            lost: i * (1.0 - q),
            stalled: at_shelter,
            protected: at_shelter,
            completed: at_shelter,
            ..Want::default()
        },
    );
    check(
        "hole national perfect",
        &ex[0].perfect[0],
        Want {
            identified: i,
            stalled: i,
            protected: i,
            completed: i,
            ..Want::default()
        },
    );
    check(
        "hole foreign",
        &ex[1].entries[0],
        Want {
            identified: i,
            closed: at_shelter * (0.5 + 0.5 * 0.5),
            lost: i * (1.0 - q) + at_shelter * 0.5 * 0.5,
            protected: at_shelter,
            returned: at_shelter * (0.5 + 0.5 * 0.5),
            reintegrated: at_shelter * 0.25,
            completed: at_shelter * 0.25,
            ..Want::default()
        },
    );
    check(
        "hole foreign perfect",
        &ex[1].perfect[0],
        Want {
            identified: i,
            closed: i,
            protected: i,
            returned: i,
            reintegrated: i / 2.0,
            completed: i / 2.0,
            ..Want::default()
        },
    );
    assert!(ex.iter().all(|c| c.trapped == 0), "a structural hole is not a trap");
    check_perfect_is_perfect_scenario(&s, &ex);
}

// ---------------------------------------------------------------------------------------------
// 6b. `any_origin` exempts a channel from the cross-border rule; `when.age` filters (hand.rs 6b).
//
// AAA.police (i = 1, close 2) has four channels:
//   0: -> BBB.ngo     any_origin, q 0.6, weight 1   (BBB.ngo: protection, close 1)
//   1: -> BBB.shelter weight 3 (cross-border)       (BBB.shelter: protection, close 1)
//   2: -> AAA.shelter when age = adult, weight 2    (AAA.shelter: nothing, close 0: a hole)
//   3: -> AAA.social  when age = child, weight 1    (AAA.social: protection, close 1)
// "CCC child": close 2, ch0 1, ch3 1 (total 4): closed = 1/2 + 1/4 * 0.6 + 1/4 = 0.9,
//   lost 0.1, protected = 1/4 * 0.6 + 1/4 = 0.4.
// "CCC adult": close 2, ch0 1, ch2 2 (total 5): stalled 0.4, lost 0.08, closed 0.52,
//   protected 0.12.
// "BBB adult": close 2, ch0 1, ch1 3, ch2 2 (total 8): stalled 0.25, lost 0.05, closed 0.7,
//   protected 0.075 + 0.375 = 0.45.
// All enter abroad: the goal includes return, which nobody provides: completed = 0.
// Perfect communication: lost 0, and its mass closes at BBB.ngo (protected).
// ---------------------------------------------------------------------------------------------
// (scenario text: `crate::hand::ANY_ORIGIN`, shared with the simulation test)

#[test]
fn any_origin_and_age_filters_match_closed_form() {
    let (s, ex) = exact(ANY_ORIGIN);
    // (total weight, weight of ch0, of channels that always succeed into protection, of the hole)
    let options = [(4.0, 1.0, 1.0, 0.0), (5.0, 1.0, 0.0, 2.0), (8.0, 1.0, 3.0, 2.0)];
    for ((c, e), (total, w0, sure, hole)) in s.cohorts().iter().zip(&ex).zip(options) {
        let close = 2.0 / total;
        let (p0, sure, hole) = (w0 / total, sure / total, hole / total);
        check(
            &c.name,
            &e.entries[0],
            Want {
                identified: 1.0,
                closed: close + p0 * 0.6 + sure,
                lost: p0 * 0.4,
                stalled: hole,
                protected: p0 * 0.6 + sure,
                ..Want::default()
            },
        );
        check(
            &format!("{} perfect", c.name),
            &e.perfect[0],
            Want {
                identified: 1.0,
                closed: close + p0 + sure,
                stalled: hole,
                protected: p0 + sure,
                ..Want::default()
            },
        );
    }
    // The decimals of hand.rs 6b.
    for (e, (closed, lost, stalled, protected)) in
        ex.iter()
            .zip([(0.9, 0.1, 0.0, 0.4), (0.52, 0.08, 0.4, 0.12), (0.7, 0.05, 0.25, 0.45)])
    {
        let p = &e.entries[0];
        assert_close("closed", p[Measure::Closed.index()], closed);
        assert_close("lost", p[Measure::Lost.index()], lost);
        assert_close("stalled", p[Measure::Stalled.index()], stalled);
        assert_close("protected", p[Measure::Protected.index()], protected);
    }
    check_perfect_is_perfect_scenario(&s, &ex);
}

// ---------------------------------------------------------------------------------------------
// 7. A cycle A <-> B, solved by first-step analysis.
//
// A: i_A = 0.9, provides return, close 1; A -> B weight 3, q1 = 0.8, r1 = 1, no dropout at A.
// B: i_B = 0.5, provides protection, close 1, dropout 0.01/day; B -> A weight 1, q2 = 0.9,
// fixed 20 days, so each attempt on B -> A survives w.p. s = exp(-0.2).
// Entry points A and B, shares 2 : 1. Goal: protection (both entry points in the origin).
// Routing: at A send w.p. pA = 3/4 (close 1/4); at B send w.p. pB = 1/2 (close 1/2).
// One send from A delivers w.p. D1 = 1 - (1 - q1)^2 and loses w.p. L1 = (1 - q1)^2; one send
// from B delivers w.p. s q2, loses w.p. s (1 - q2), drops w.p. 1 - s.
//
// Closing, losing and dropping do not depend on the services granted, so let c_X, l_X, d_X be
// the probabilities of ending closed, lost, dropped from authority X. First step:
//   c_A = (1 - pA) + pA D1 c_B            c_B = (1 - pB) + pB s q2 c_A
//   l_A = pA L1 + pA D1 l_B               l_B = pB s (1 - q2) + pB s q2 l_A
//   d_A = pA D1 d_B                       d_B = pB (1 - s) + pB s q2 d_A
// Substituting, with rho = pA D1 pB s q2 (the probability of one full round A -> B -> A):
//   c_A = [(1 - pA) + pA D1 (1 - pB)] / (1 - rho)     c_B = [(1 - pB) + pB s q2 (1 - pA)] / (1 - rho)
//   l_A = [pA L1 + pA D1 pB s (1 - q2)] / (1 - rho)   l_B = [pB s (1 - q2) + pB s q2 pA L1] / (1 - rho)
//   d_A = pA D1 pB (1 - s) / (1 - rho)                d_B = pB (1 - s) / (1 - rho)
// i.e. the geometric series sum_k rho^k over the number k of full rounds. (From A the numerators
// add up to 1 - rho, since pA L1 + pA D1 = pA; from B likewise.)
// Services: from entry A, return is granted at entry; protection iff B is ever reached, and
// every path to B starts with the first send from A: protected = pA D1. From entry B, protection
// at entry; returned = pB s q2 (the first send from B). Completed = protected.
// Multiply everything by i_X. Perfect communication: q1 = q2 = 1 (D1 = 1, L1 = 0), s unchanged.
//
// beyond_max_hops (H hops): the mass still in transit after H hops, shares times
// identification times the product of H alternating delivery factors pA D1 and pB s q2:
//   (2/3) i_A (pA D1)(pB s q2)(pA D1)...  +  (1/3) i_B (pB s q2)(pA D1)(pB s q2)...
// States (structurally possible ones, see 1): the starts (A, complete, {R}) and (B, complete, {P});
// (B, {R, P}) and (A, {R, P}), each with a complete and an incomplete file: 6.
// ---------------------------------------------------------------------------------------------
const CYCLE: &str = r#"
[scenario]
name = "cycle"
seed = 808
max_hops = 4096

[[country]]
code = "AAA"

[[authority]]
id = "A"
country = "AAA"
kind = "police"
identification = 0.9
provides = ["return"]
close = 1.0

[[authority]]
id = "B"
country = "AAA"
kind = "shelter"
identification = 0.5
provides = ["protection"]
close = 1.0
dropout_per_day = 0.01

[[channel]]
from = "A"
to = "B"
quality = 0.8
retries = 1
weight = 3.0

[[channel]]
from = "B"
to = "A"
quality = 0.9
delay = { fixed = 20.0 }

[[cohort]]
name = "cycle"
origin = "AAA"
age = "adult"
entry = [{ at = "A", share = 2.0 }, { at = "B", share = 1.0 }]
"#;

/// The hand solution of `CYCLE` for qualities `q1`, `q2`: (entry A, entry B, factor out of A,
/// factor out of B).
fn cycle_solution(q1: f64, q2: f64) -> (Want, Want, f64, f64) {
    let (ia, ib) = (0.9, 0.5);
    let (pa, pb) = (0.75, 0.5);
    let s = (-0.01f64 * 20.0).exp();
    let l1 = (1.0 - q1).powi(2);
    let d1 = 1.0 - l1;
    let rho = pa * d1 * pb * s * q2;
    let c_a = ((1.0 - pa) + pa * d1 * (1.0 - pb)) / (1.0 - rho);
    let c_b = ((1.0 - pb) + pb * s * q2 * (1.0 - pa)) / (1.0 - rho);
    let l_a = (pa * l1 + pa * d1 * pb * s * (1.0 - q2)) / (1.0 - rho);
    let l_b = (pb * s * (1.0 - q2) + pb * s * q2 * pa * l1) / (1.0 - rho);
    let d_a = pa * d1 * pb * (1.0 - s) / (1.0 - rho);
    let d_b = pb * (1.0 - s) / (1.0 - rho);
    let from_a = Want {
        identified: ia,
        closed: ia * c_a,
        lost: ia * l_a,
        dropped: ia * d_a,
        protected: ia * pa * d1,
        returned: ia,
        completed: ia * pa * d1,
        ..Want::default()
    };
    let from_b = Want {
        identified: ib,
        closed: ib * c_b,
        lost: ib * l_b,
        dropped: ib * d_b,
        protected: ib,
        returned: ib * pb * s * q2,
        completed: ib,
        ..Want::default()
    };
    (from_a, from_b, pa * d1, pb * s * q2)
}

#[test]
fn cycle_matches_first_step_analysis() {
    let (s, ex) = exact(CYCLE);
    let c = &ex[0];
    let cohort = &s.cohorts()[0];
    let (from_a, from_b, _, _) = cycle_solution(0.8, 0.9);
    check("cycle entry A", &c.entries[0], from_a);
    check("cycle entry B", &c.entries[1], from_b);
    let both = ExactCohort::aggregate(&c.entries, cohort, |_| true);
    for ((m, a), (_, b)) in from_a.values().into_iter().zip(from_b.values()) {
        assert_close(
            &format!("cycle aggregate / {}", m.name()),
            both[m.index()],
            (2.0 * a + b) / 3.0,
        );
    }
    let (perfect_a, perfect_b, _, _) = cycle_solution(1.0, 1.0);
    check("cycle perfect entry A", &c.perfect[0], perfect_a);
    check("cycle perfect entry B", &c.perfect[1], perfect_b);
    assert_eq!((c.states, c.trapped), (6, 0));
    check_perfect_is_perfect_scenario(&s, &ex);
}

#[test]
fn beyond_max_hops_is_the_mass_in_transit_after_max_hops() {
    let (_, _, fa, fb) = cycle_solution(0.8, 0.9);
    let (ma, mb) = (2.0 / 3.0 * 0.9, 1.0 / 3.0 * 0.5);
    for hops in [1u32, 2, 3, 4, 7, 12] {
        // Alternating factors, starting with the entry point's own.
        let product = |first: f64, second: f64| {
            (0..hops)
                .map(|h| if h % 2 == 0 { first } else { second })
                .product::<f64>()
        };
        let want = ma * product(fa, fb) + mb * product(fb, fa);
        let (_, ex) = exact(&CYCLE.replace("max_hops = 4096", &format!("max_hops = {hops}")));
        assert_close(
            &format!("beyond_max_hops, max_hops = {hops}"),
            ex[0].beyond_max_hops,
            want,
        );
        // The rest of the solution does not depend on max_hops.
        let (from_a, from_b, _, _) = cycle_solution(0.8, 0.9);
        check(&format!("cycle entry A, max_hops = {hops}"), &ex[0].entries[0], from_a);
        check(&format!("cycle entry B, max_hops = {hops}"), &ex[0].entries[1], from_b);
    }
}

// ---------------------------------------------------------------------------------------------
// 7b. The cycle of hand.rs 7, cut by max_hops = 3 in the simulation.
//
// A: i = 1, close 1, A -> B weight 3, q 0.8 (send 3/4). B: protection, close 1, B -> A weight 1,
// q 0.9 (send 1/2). By the formulas of 7 (D1 = q1 = 0.8, s = 1): rho = 3/4 0.8 1/2 0.9 = 0.27,
//   closed = (1/4 + 0.6 * 1/2) / 0.73 = 0.55 / 0.73, lost = (0.15 + 0.6 * 0.05) / 0.73 = 0.18 / 0.73,
//   protected = completed = 0.6.
// The truncated process (hand.rs: closed 0.6175, lost 0.2205, stalled 0.162) stalls the mass in
// transit after 3 hops (A -> B -> A -> B): beyond_max_hops = 0.6 * 0.45 * 0.6 = 0.162, and that
// bounds the difference of every outcome probability between the two.
// ---------------------------------------------------------------------------------------------
const CYCLE_CUT: &str = r#"
[scenario]
name = "cycle cut"
seed = 808
max_hops = 3

[[country]]
code = "AAA"

[[authority]]
id = "A"
country = "AAA"
kind = "police"
identification = 1.0
close = 1.0

[[authority]]
id = "B"
country = "AAA"
kind = "shelter"
provides = ["protection"]
close = 1.0

[[channel]]
from = "A"
to = "B"
quality = 0.8
weight = 3.0

[[channel]]
from = "B"
to = "A"
quality = 0.9

[[cohort]]
name = "cycle"
origin = "AAA"
age = "adult"
entry = [{ at = "A", share = 1.0 }]
"#;

#[test]
fn cycle_cut_by_max_hops_is_bounded_by_beyond_max_hops() {
    let (_, ex) = exact(CYCLE_CUT);
    let c = &ex[0];
    check(
        "cycle cut",
        &c.entries[0],
        Want {
            identified: 1.0,
            closed: 0.55 / 0.73,
            lost: 0.18 / 0.73,
            protected: 0.6,
            completed: 0.6,
            ..Want::default()
        },
    );
    assert_close("beyond_max_hops", c.beyond_max_hops, 0.6 * 0.45 * 0.6);
    assert_close("beyond_max_hops (decimal)", c.beyond_max_hops, 0.162);
    for (m, truncated) in [
        (Measure::Closed, 0.6175),
        (Measure::Lost, 0.2205),
        (Measure::Stalled, 0.162),
        (Measure::Protected, 0.6),
    ] {
        let diff = (c.entries[0][m.index()] - truncated).abs();
        assert!(
            diff <= c.beyond_max_hops + TOL,
            "{}: exact {} and truncated {truncated} differ by {diff} > beyond_max_hops {}",
            m.name(),
            c.entries[0][m.index()],
            c.beyond_max_hops
        );
    }
}

// ---------------------------------------------------------------------------------------------
// 8. The default goal rule, and entry-point breakdowns (hand.rs 10).
//
// AAA.shelter (i = 1, protection, close 1) -> AAA.social (q 0.8) and -> BBB.social (q 0.5);
// BBB.police (i = 1, protection, close 1) -> AAA.social (q 0.6). Both social services provide
// return + reintegration and close.
// "home", origin AAA, entry AAA.shelter (goal = protection): -> BBB.social is ineligible;
//   options close and -> AAA.social: completed = protected = 1; returned = reintegrated = 0.4;
//   closed 0.9, lost 0.1. Perfect: returned = reintegrated = 0.5, closed 1.
// "abroad", origin BBB, entry AAA.shelter (goal = all three): close and both channels, 1/3 each:
//   completed = returned = reintegrated = 1.3/3, lost 0.7/3, closed 2.3/3, protected 1.
//   Perfect: completed 2/3, closed 1.
// "mixed", origin AAA, entries AAA.shelter and BBB.police (1 : 1): one entry abroad, so
//   goal = all three. AAA.shelter: completed = returned = 0.4 (close 1/2, -> AAA.social 1/2);
//   BBB.police (-> AAA.social goes to the origin, eligible): completed = 0.3; together 0.35.
// ---------------------------------------------------------------------------------------------
const GOALS: &str = r#"
[scenario]
name = "goals"
seed = 1414

[[country]]
code = "AAA"

[[country]]
code = "BBB"

[[authority]]
id = "AAA.shelter"
country = "AAA"
kind = "shelter"
identification = 1.0
provides = ["protection"]
close = 1.0

[[authority]]
id = "AAA.social"
country = "AAA"
kind = "social"
provides = ["return", "reintegration"]
close = 1.0

[[authority]]
id = "BBB.social"
country = "BBB"
kind = "social"
provides = ["return", "reintegration"]
close = 1.0

[[authority]]
id = "BBB.police"
country = "BBB"
kind = "police"
identification = 1.0
provides = ["protection"]
close = 1.0

[[channel]]
from = "AAA.shelter"
to = "AAA.social"
quality = 0.8

[[channel]]
from = "AAA.shelter"
to = "BBB.social"
quality = 0.5

[[channel]]
from = "BBB.police"
to = "AAA.social"
quality = 0.6

[[cohort]]
name = "home"
origin = "AAA"
age = "adult"
entry = [{ at = "AAA.shelter", share = 1.0 }]

[[cohort]]
name = "abroad"
origin = "BBB"
age = "adult"
entry = [{ at = "AAA.shelter", share = 1.0 }]

[[cohort]]
name = "mixed"
origin = "AAA"
age = "adult"
entry = [{ at = "AAA.shelter", share = 1.0 }, { at = "BBB.police", share = 1.0 }]
"#;

#[test]
fn default_goal_rule_and_entry_breakdown_match_closed_form() {
    let (s, ex) = exact(GOALS);
    // A fork of close (1/2) and one channel of quality q (1/2), to a social service.
    let half = |q: f64, completed_at_entry: bool| Want {
        identified: 1.0,
        closed: 0.5 + 0.5 * q,
        lost: 0.5 * (1.0 - q),
        protected: 1.0,
        returned: 0.5 * q,
        reintegrated: 0.5 * q,
        completed: if completed_at_entry { 1.0 } else { 0.5 * q },
        ..Want::default()
    };
    check("home", &ex[0].entries[0], half(0.8, true));
    check("home perfect", &ex[0].perfect[0], half(1.0, true));
    let third = 1.0 / 3.0;
    let done = third * (0.8 + 0.5);
    check(
        "abroad",
        &ex[1].entries[0],
        Want {
            identified: 1.0,
            closed: third + done,
            lost: third * (0.2 + 0.5),
            protected: 1.0,
            returned: done,
            reintegrated: done,
            completed: done,
            ..Want::default()
        },
    );
    let done = 2.0 * third;
    check(
        "abroad perfect",
        &ex[1].perfect[0],
        Want {
            identified: 1.0,
            closed: 1.0,
            protected: 1.0,
            returned: done,
            reintegrated: done,
            completed: done,
            ..Want::default()
        },
    );
    let mixed = &ex[2];
    let cohort = &s.cohorts()[2];
    check("mixed entry AAA.shelter", &mixed.entries[0], half(0.8, false));
    check("mixed entry BBB.police", &mixed.entries[1], half(0.6, false));
    let all = ExactCohort::aggregate(&mixed.entries, cohort, |_| true);
    assert_close("mixed completed", all[Measure::Completed.index()], 0.35);
    assert_close("mixed lost", all[Measure::Lost.index()], 0.5 * (0.1 + 0.2));
    assert_close(
        "mixed completed, entry BBB.police only",
        ExactCohort::aggregate(&mixed.entries, cohort, |k| k == 1)[Measure::Completed.index()],
        0.3,
    );
    check("mixed perfect entry BBB.police", &mixed.perfect[1], half(1.0, false));
    check_perfect_is_perfect_scenario(&s, &ex);
}
