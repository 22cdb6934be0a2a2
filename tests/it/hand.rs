//! Simulated rates against probabilities computed by hand (MODEL.md "One trial") on tiny
//! graphs, for every outcome class, milestone and channel counter: a chain, a weighted fork,
//! retries, dropout under fixed, exponential, uniform and gamma delays, incomplete files,
//! structural holes and eligibility filters, a cycle cut by `max_hops`, deadlines, the default
//! goal rule and the perfect-communication arm.
//!
//! Every check asks that the hand value lie in the 99.9 % Wilson interval of the simulated rate
//! (fixed seeds, never tuned). Derivations are written above each test; `q` is a channel's
//! quality, `f` its fidelity, `r` its retries, `s` the no-dropout probability of one attempt.

use refgap::engine::RunResult;
use refgap::model::{Measure, Milestone};
use refgap::stats::interval::{PairTable, Z999, wilson};
use refgap::stats::{CohortTally, GroupTally};

use crate::util::{scenario, simulate};

/// Runs scenario text with its own seed.
fn run(text: &str, trials: u64) -> RunResult {
    simulate(&scenario(text), trials)
}

/// `p` lies in the 99.9 % Wilson interval of `k` out of `n`. An impossible (`p = 0`) or certain
/// (`p = 1`) event is checked exactly instead: `k = 0` or `k = n`, which is stronger than the
/// interval. (Writing this helper found that `wilson(0, n)` rounded its lower bound to ~1e-21;
/// `stats::interval` now returns exact bounds at the ends.)
fn assert_share(what: &str, k: u64, n: u64, p: f64) {
    assert!(n > 0, "{what}: no trials");
    if p == 0.0 || p == 1.0 {
        let want = if p == 0.0 { 0 } else { n };
        assert_eq!(
            k, want,
            "{what}: simulated {k}/{n}, but the hand probability is exactly {p}"
        );
        return;
    }
    let (lo, hi) = wilson(k, n, Z999);
    assert!(
        lo <= p && p <= hi,
        "{what}: simulated {k}/{n} = {:.6}, hand value {p:.6} is outside the 99.9 % Wilson interval [{lo:.6}, {hi:.6}]",
        k as f64 / n as f64
    );
}

/// The rate of measure `m` agrees with the hand value `p`.
fn assert_rate(g: &GroupTally, m: Measure, p: f64) {
    assert_share(m.name(), g.count(m), g.trials, p);
}

/// The six outcome classes, in [`refgap::model::Outcome::ALL`] order: unidentified, closed,
/// lost, dropped, misclassified, stalled. The hand values must sum to 1 (a check of the
/// derivation itself) and each must agree with the simulation.
fn assert_outcomes(g: &GroupTally, p: [f64; 6]) {
    let sum: f64 = p.iter().sum();
    assert!(
        (sum - 1.0).abs() < 1e-12,
        "hand outcome probabilities sum to {sum}, not 1"
    );
    let measures = [
        Measure::Unidentified,
        Measure::Closed,
        Measure::Lost,
        Measure::Dropped,
        Measure::Misclassified,
        Measure::Stalled,
    ];
    for (m, p) in measures.into_iter().zip(p) {
        assert_rate(g, m, p);
    }
}

/// The rate of `m` in the perfect-communication arm agrees with the hand value `p`.
fn assert_perfect(t: &CohortTally, m: Measure, p: f64) {
    let pair: &PairTable = &t.perfect(m);
    assert_share(
        &format!("{} (perfect communication)", m.name()),
        pair.both + pair.b_only,
        pair.n(),
        p,
    );
}

/// A histogram mean of values that are all exact is exact up to 2^-20 day.
fn assert_exact_mean(g: &GroupTally, m: Milestone, want: f64) {
    let got = g.times[m.index()]
        .mean()
        .unwrap_or_else(|| panic!("no {} times recorded", m.name()));
    assert!(
        (got - want).abs() <= 2f64.powi(-20),
        "mean time to {}: {got}, exact value {want}",
        m.name()
    );
}

// ---------------------------------------------------------------------------------------------
// 1. Chain A -> B -> C.
//
// A identifies w.p. i = 0.6; A -> B (q1 = 0.8, fixed 3 days), B -> C (q2 = 0.7, fixed 5.5
// days); B provides protection, C provides return and closes (close = 1 is its only option);
// A and B have close = 0 and one channel each, so routing is forced. Goal (explicit):
// protection + return.
//   unidentified = 1 - i = 0.4
//   lost         = i (1 - q1) + i q1 (1 - q2) = 0.12 + 0.144 = 0.264
//   closed       = i q1 q2 = 0.336;  dropped = misclassified = stalled = 0
//   protected    = i q1 = 0.48, granted at t = 3 exactly, so protected_in_time with
//                  horizon_days = 3 is also 0.48 (t <= horizon is inclusive)
//   returned = completed = i q1 q2 = 0.336, at t = 3 + 5.5 = 8.5 exactly
// Channel counters (no retries, no dropout): A -> B attempts = identified (0.6 of trials),
// failures = losses = 0.12; B -> C attempts = 0.48, failures = losses = 0.144; nothing is
// degraded. Perfect communication (q = 1): completed = i = 0.6, lost = 0.
// ---------------------------------------------------------------------------------------------
const CHAIN: &str = r#"
[scenario]
name = "chain"
seed = 101
horizon_days = 3.0

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
fn chain_matches_hand_values() {
    let r = run(CHAIN, 400_000);
    let t = &r.cohorts[0];
    let g = t.total();
    let n = g.trials;
    assert_eq!(n, 400_000);
    assert_outcomes(&g, [0.4, 0.336, 0.264, 0.0, 0.0, 0.0]);
    assert_rate(&g, Measure::Identified, 0.6);
    assert_rate(&g, Measure::Protected, 0.48);
    assert_rate(&g, Measure::ProtectedInTime, 0.48);
    assert_rate(&g, Measure::Returned, 0.336);
    assert_rate(&g, Measure::Reintegrated, 0.0);
    assert_rate(&g, Measure::Completed, 0.336);
    assert_exact_mean(&g, Milestone::Protection, 3.0);
    assert_exact_mean(&g, Milestone::Return, 8.5);
    assert_exact_mean(&g, Milestone::Completion, 8.5);

    let (ab, bc) = (t.channels[0], t.channels[1]);
    assert_share("A->B attempts", ab.attempts, n, 0.6);
    assert_share("A->B losses", ab.losses, n, 0.12);
    assert_share("B->C attempts", bc.attempts, n, 0.48);
    assert_share("B->C losses", bc.losses, n, 0.144);
    assert_eq!(ab.failures, ab.losses, "without retries every failure is a loss");
    assert_eq!(bc.failures, bc.losses, "without retries every failure is a loss");
    assert_eq!(ab.losses + bc.losses, g.count(Measure::Lost));
    for c in [ab, bc] {
        assert_eq!((c.dropouts, c.degraded, c.misclassified), (0, 0, 0));
    }

    assert_perfect(t, Measure::Completed, 0.6);
    assert_perfect(t, Measure::Lost, 0.0);
    assert_perfect(t, Measure::Unidentified, 0.4);
}

// ---------------------------------------------------------------------------------------------
// 2. Fork with routing weights, and close weights competing with channels.
//
// A: identification 0.9, close 1; A -> B weight 2 (q 0.6), A -> C weight 1 (q 1).
//   P(close at A) = 1/4, P(A -> B) = 2/4, P(A -> C) = 1/4.
// B: protection, close 1 (its only option). C: close 3, C -> D weight 1 (q 0.5), so
//   P(close at C) = 3/4, P(C -> D) = 1/4. D: protection, close 1.
//   closed    = 0.9 (1/4 + 1/2 * 0.6 + 1/4 (3/4 + 1/4 * 0.5)) = 0.9 * 0.76875 = 0.691875
//   lost      = 0.9 (1/2 * 0.4 + 1/4 * 1/4 * 0.5)               = 0.9 * 0.23125 = 0.208125
//   unidentified = 0.1; protected = completed (default goal, national) =
//               0.9 (1/2 * 0.6 + 1/4 * 1/4 * 0.5) = 0.9 * 0.33125 = 0.298125
// Channels: attempts A -> B = 0.45, A -> C = 0.225, C -> D = 0.05625 of trials; losses
// A -> B = 0.18, C -> D = 0.028125.
// Perfect communication: completed = 0.9 (1/2 + 1/4 * 1/4) = 0.50625.
// ---------------------------------------------------------------------------------------------
pub(crate) const FORK: &str = r#"
[scenario]
name = "fork"
seed = 202

[[country]]
code = "AAA"

[[authority]]
id = "A"
country = "AAA"
kind = "police"
identification = 0.9
close = 1.0

[[authority]]
id = "B"
country = "AAA"
kind = "shelter"
provides = ["protection"]
close = 1.0

[[authority]]
id = "C"
country = "AAA"
kind = "labour"
close = 3.0

[[authority]]
id = "D"
country = "AAA"
kind = "social"
provides = ["protection"]
close = 1.0

[[channel]]
from = "A"
to = "B"
quality = 0.6
weight = 2.0

[[channel]]
from = "A"
to = "C"
weight = 1.0

[[channel]]
from = "C"
to = "D"
quality = 0.5

[[cohort]]
name = "fork"
origin = "AAA"
age = "adult"
entry = [{ at = "A", share = 1.0 }]
"#;

#[test]
fn fork_routing_weights_match_hand_values() {
    let r = run(FORK, 400_000);
    let t = &r.cohorts[0];
    let g = t.total();
    let n = g.trials;
    assert_outcomes(&g, [0.1, 0.691875, 0.208125, 0.0, 0.0, 0.0]);
    assert_rate(&g, Measure::Protected, 0.298125);
    assert_rate(&g, Measure::Completed, 0.298125);
    assert_share("A->B attempts", t.channels[0].attempts, n, 0.45);
    assert_share("A->C attempts", t.channels[1].attempts, n, 0.225);
    assert_share("C->D attempts", t.channels[2].attempts, n, 0.05625);
    assert_share("A->B losses", t.channels[0].losses, n, 0.18);
    assert_eq!(t.channels[1].losses, 0, "a channel of quality 1 loses nothing");
    assert_share("C->D losses", t.channels[2].losses, n, 0.028125);
    assert_perfect(t, Measure::Completed, 0.50625);
}

// ---------------------------------------------------------------------------------------------
// 3. Retries: P(lost on a channel) = (1 - q)^(1 + r).
//
// Two entry points, shares 3 : 1 (normalised to 0.75 / 0.25), both identifying everyone; each
// has one channel to C (protection, close 1).
//   A -> C: q = 0.4, r = 2: lost = 0.6^3 = 0.216, protected = closed = 0.784.
//   B -> C: q = 0.7, r = 1: lost = 0.3^2 = 0.09,  protected = closed = 0.91.
// Counters of B -> C over the n_B trials entering at B: a second attempt is made iff the
// first failed, so attempts - n_B ~ Bin(n_B, 0.3); losses ~ Bin(n_B, 0.09); and
// failures = attempts - successes = attempts - (n_B - losses) exactly.
// Counters of A -> C: extra attempts X = attempts - 1 per trial takes 0, 1, 2 w.p. 0.4,
// 0.6 * 0.4 = 0.24, 0.36: mean 0.96, variance 0.24 + 4 * 0.36 - 0.96^2 = 0.7584 (not a
// proportion: checked with the 99.9 % normal interval of a mean with this hand variance).
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

[[cohort]]
name = "retries"
origin = "AAA"
age = "adult"
entry = [{ at = "A", share = 3.0 }, { at = "B", share = 1.0 }]
"#;

#[test]
fn retries_match_hand_values() {
    let r = run(RETRIES, 600_000);
    let t = &r.cohorts[0];
    let n = t.trials();
    let (a, b) = (&t.entries[0], &t.entries[1]);
    assert_share("share of entry A", a.trials, n, 0.75);
    assert_outcomes(a, [0.0, 0.784, 0.216, 0.0, 0.0, 0.0]);
    assert_rate(a, Measure::Protected, 0.784);
    assert_outcomes(b, [0.0, 0.91, 0.09, 0.0, 0.0, 0.0]);
    assert_rate(b, Measure::Protected, 0.91);

    let (ac, bc) = (t.channels[0], t.channels[1]);
    assert_eq!(ac.losses, a.count(Measure::Lost));
    assert_eq!(bc.losses, b.count(Measure::Lost));
    assert_share("B->C second attempts", bc.attempts - b.trials, b.trials, 0.3);
    assert_share("B->C losses", bc.losses, b.trials, 0.09);
    assert_eq!(bc.failures, bc.attempts - (b.trials - bc.losses));
    assert_eq!(ac.failures, ac.attempts - (a.trials - ac.losses));

    let extra = (ac.attempts - a.trials) as f64 / a.trials as f64;
    let half = Z999 * (0.7584 / a.trials as f64).sqrt();
    assert!(
        (extra - 0.96).abs() <= half,
        "A->C extra attempts per trial: simulated {extra:.6}, hand value 0.96, 99.9 % half-width {half:.6}"
    );
    assert_share("A->C losses", ac.losses, a.trials, 0.216);
}

// ---------------------------------------------------------------------------------------------
// 4. Fixed-delay dropout, with retries; the hazard is the sending authority's.
//
// A (identification 1, dropout 0) -> B: fixed 10 days, q 1. B (protection, dropout 0.02/day)
// -> C: fixed 10 days, q = 0.5, r = 1. C: return, close 1. Goal: protection + return.
// A -> B crosses B's hazard but A sends it, so nobody drops out there: protected = 1, at t = 10
// exactly. On B -> C each attempt survives w.p. s = exp(-0.02 * 10) = exp(-0.2), then
// succeeds w.p. q:
//   dropped  = (1 - s) + s (1 - q) (1 - s) = (1 - s)(1 + 0.5 s)
//   returned = closed = completed = s q + s (1 - q) s q = 0.5 s (1 + 0.5 s)
//   lost     = (s (1 - q))^2 = 0.25 s^2
// Channel B -> C: dropouts = dropped (exactly), no dropout on A -> B.
// Perfect communication (delays unchanged, q = 1): completed = s.
// ---------------------------------------------------------------------------------------------
pub(crate) const FIXED_DROPOUT: &str = r#"
[scenario]
name = "fixed dropout"
seed = 404

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
kind = "shelter"
provides = ["protection"]
dropout_per_day = 0.02

[[authority]]
id = "C"
country = "AAA"
kind = "social"
provides = ["return"]
close = 1.0

[[channel]]
from = "A"
to = "B"
delay = { fixed = 10.0 }

[[channel]]
from = "B"
to = "C"
quality = 0.5
retries = 1
delay = { fixed = 10.0 }

[[cohort]]
name = "fixed dropout"
origin = "AAA"
age = "adult"
entry = [{ at = "A", share = 1.0 }]
goal = ["protection", "return"]
"#;

#[test]
fn fixed_delay_dropout_with_retries_matches_hand_values() {
    let r = run(FIXED_DROPOUT, 400_000);
    let t = &r.cohorts[0];
    let g = t.total();
    let n = g.trials;
    let s = (-0.2f64).exp();
    let dropped = (1.0 - s) * (1.0 + 0.5 * s);
    let done = 0.5 * s * (1.0 + 0.5 * s);
    let lost = 0.25 * s * s;
    assert_outcomes(&g, [0.0, done, lost, dropped, 0.0, 0.0]);
    assert_eq!(
        g.count(Measure::Protected),
        n,
        "nobody drops out on a channel sent from A"
    );
    assert_rate(&g, Measure::Returned, done);
    assert_rate(&g, Measure::Completed, done);
    assert_exact_mean(&g, Milestone::Protection, 10.0);
    assert_eq!(t.channels[0].dropouts, 0);
    assert_eq!(t.channels[1].dropouts, g.count(Measure::Dropped));
    assert_share("B->C dropouts", t.channels[1].dropouts, n, dropped);
    assert_perfect(t, Measure::Completed, s);
    assert_perfect(t, Measure::Dropped, 1.0 - s);
}

// ---------------------------------------------------------------------------------------------
// 5. Incomplete files and `assist_incomplete`.
//
// A (identification 1, protection at t = 0) -> B: f1 = 0.7. B provides protection again (not
// new: no assist draw, so its assist_incomplete = 0 must not matter) -> C: f2 = 0.8. C provides
// return and reintegration (new), assist_incomplete = 0.25, close 1. All q = 1.
// Goal (explicit): all three.
//   P(file incomplete at C) = 1 - f1 f2 = 0.44: degraded by A -> B w.p. 0.3, by B -> C w.p.
//   0.7 * 0.2 = 0.14 (a file already incomplete is not degraded again).
//   misclassified = 0.44 * (1 - 0.25) = 0.33 (one draw per arrival, not one per service),
//     attributed to A -> B: 0.3 * 0.75 = 0.225, to B -> C: 0.14 * 0.75 = 0.105.
//   closed = returned = reintegrated = completed = 0.67; protected = 1.
// Perfect communication (f = 1): completed = 1.
// ---------------------------------------------------------------------------------------------
pub(crate) const INCOMPLETE: &str = r#"
[scenario]
name = "incomplete"
seed = 505

[[country]]
code = "AAA"

[[authority]]
id = "A"
country = "AAA"
kind = "police"
identification = 1.0
provides = ["protection"]

[[authority]]
id = "B"
country = "AAA"
kind = "shelter"
provides = ["protection"]
assist_incomplete = 0.0

[[authority]]
id = "C"
country = "AAA"
kind = "social"
provides = ["return", "reintegration"]
assist_incomplete = 0.25
close = 1.0

[[channel]]
from = "A"
to = "B"
fidelity = 0.7

[[channel]]
from = "B"
to = "C"
fidelity = 0.8

[[cohort]]
name = "incomplete"
origin = "AAA"
age = "adult"
entry = [{ at = "A", share = 1.0 }]
goal = ["protection", "return", "reintegration"]
"#;

#[test]
fn incomplete_files_match_hand_values() {
    let r = run(INCOMPLETE, 400_000);
    let t = &r.cohorts[0];
    let g = t.total();
    let n = g.trials;
    assert_outcomes(&g, [0.0, 0.67, 0.0, 0.0, 0.33, 0.0]);
    assert_eq!(g.count(Measure::Protected), n);
    assert_rate(&g, Measure::Returned, 0.67);
    assert_rate(&g, Measure::Reintegrated, 0.67);
    assert_rate(&g, Measure::Completed, 0.67);
    let (ab, bc) = (t.channels[0], t.channels[1]);
    assert_share("A->B degraded", ab.degraded, n, 0.3);
    assert_share("B->C degraded", bc.degraded, n, 0.14);
    assert_share("A->B misclassified", ab.misclassified, n, 0.225);
    assert_share("B->C misclassified", bc.misclassified, n, 0.105);
    assert_eq!(ab.misclassified + bc.misclassified, g.count(Measure::Misclassified));
    assert_perfect(t, Measure::Completed, 1.0);
    assert_perfect(t, Measure::Misclassified, 0.0);
}

// ---------------------------------------------------------------------------------------------
// 6a. Structural hole; the cross-border rule and `when.victims` decide eligibility.
//
// AAA.police (identification 0.7) -> AAA.shelter (q 0.8; protection, close 0). Out of the
// shelter: -> AAA.social (when victims = "foreign"; return, close 1) and -> BBB.social (q 0.5,
// cross-border; return + reintegration, close 1). Both weights 1.
// Cohort N, origin AAA (national; default goal = protection since it enters in AAA): at the
// shelter the "foreign" channel is ineligible (sender AAA = origin) and BBB is not the origin,
// so there is no option: stalled.
//   unidentified 0.3, lost 0.7 * 0.2 = 0.14, stalled 0.7 * 0.8 = 0.56, closed 0;
//   protected = completed = 0.56; no attempt at all on the shelter's channels.
// Cohort F, origin BBB (entry abroad: goal = protection + return + reintegration): both
// channels eligible, 1/2 each.
//   lost = 0.14 + 0.56 * 1/2 * 0.5 = 0.28; closed = 0.56 (1/2 + 1/2 * 0.5) = 0.42; stalled 0;
//   protected 0.56, returned 0.42, reintegrated = completed = 0.56 * 0.25 = 0.14.
// ---------------------------------------------------------------------------------------------
pub(crate) const HOLE: &str = r#"
[scenario]
name = "hole"
seed = 606

[[country]]
code = "AAA"

[[country]]
code = "BBB"

[[authority]]
id = "AAA.police"
country = "AAA"
kind = "police"
identification = 0.7

[[authority]]
id = "AAA.shelter"
country = "AAA"
kind = "shelter"
provides = ["protection"]

[[authority]]
id = "AAA.social"
country = "AAA"
kind = "social"
provides = ["return"]
close = 1.0

[[authority]]
id = "BBB.social"
country = "BBB"
kind = "social"
provides = ["return", "reintegration"]
close = 1.0

[[channel]]
from = "AAA.police"
to = "AAA.shelter"
quality = 0.8

[[channel]]
from = "AAA.shelter"
to = "AAA.social"
when = { victims = "foreign" }

[[channel]]
from = "AAA.shelter"
to = "BBB.social"
quality = 0.5

[[cohort]]
name = "national"
origin = "AAA"
age = "adult"
entry = [{ at = "AAA.police", share = 1.0 }]

[[cohort]]
name = "foreign"
origin = "BBB"
age = "adult"
entry = [{ at = "AAA.police", share = 1.0 }]
"#;

#[test]
fn structural_hole_and_cross_border_rule_match_hand_values() {
    let r = run(HOLE, 400_000);
    let national = &r.cohorts[0];
    let g = national.total();
    assert_outcomes(&g, [0.3, 0.0, 0.14, 0.0, 0.0, 0.56]);
    assert_rate(&g, Measure::Protected, 0.56);
    assert_rate(&g, Measure::Completed, 0.56);
    assert_eq!(
        national.channels[1].attempts, 0,
        "`when victims = foreign` must exclude nationals"
    );
    assert_eq!(
        national.channels[2].attempts, 0,
        "cross-border rule: BBB is not the origin"
    );

    let foreign = &r.cohorts[1];
    let g = foreign.total();
    assert_outcomes(&g, [0.3, 0.42, 0.28, 0.0, 0.0, 0.0]);
    assert_rate(&g, Measure::Protected, 0.56);
    assert_rate(&g, Measure::Returned, 0.42);
    assert_rate(&g, Measure::Reintegrated, 0.14);
    assert_rate(&g, Measure::Completed, 0.14);
}

// ---------------------------------------------------------------------------------------------
// 6b. `any_origin` exempts a channel from the cross-border rule; `when.age` filters.
//
// AAA.police (identification 1, close 2) has four channels:
//   0: -> BBB.ngo     any_origin, q 0.6, weight 1   (BBB.ngo: protection, close 1)
//   1: -> BBB.shelter weight 3 (cross-border)       (BBB.shelter: protection, close 1)
//   2: -> AAA.shelter when age = adult, weight 2    (AAA.shelter: nothing, close 0: a hole)
//   3: -> AAA.social  when age = child, weight 1    (AAA.social: protection, close 1)
// Cohort "CCC child": options close 2, ch0 1, ch3 1 (total 4):
//   closed = 1/2 + 1/4 * 0.6 + 1/4 = 0.9, lost = 1/4 * 0.4 = 0.1, protected = 0.4.
// Cohort "CCC adult": options close 2, ch0 1, ch2 2 (total 5):
//   stalled = 2/5 = 0.4, lost = 1/5 * 0.4 = 0.08, closed = 2/5 + 1/5 * 0.6 = 0.52,
//   protected = 0.12.
// Cohort "BBB adult": options close 2, ch0 1, ch1 3, ch2 2 (total 8):
//   stalled = 2/8 = 0.25, lost = 1/8 * 0.4 = 0.05, closed = 2/8 + 1/8 * 0.6 + 3/8 = 0.7,
//   protected = 0.075 + 0.375 = 0.45.
// All enter abroad, so the default goal includes return, which nobody provides: completed = 0.
// ---------------------------------------------------------------------------------------------
pub(crate) const ANY_ORIGIN: &str = r#"
[scenario]
name = "any origin"
seed = 707

[[country]]
code = "AAA"

[[country]]
code = "BBB"

[[country]]
code = "CCC"

[[authority]]
id = "AAA.police"
country = "AAA"
kind = "police"
identification = 1.0
close = 2.0

[[authority]]
id = "BBB.ngo"
country = "BBB"
kind = "ngo"
provides = ["protection"]
close = 1.0

[[authority]]
id = "BBB.shelter"
country = "BBB"
kind = "shelter"
provides = ["protection"]
close = 1.0

[[authority]]
id = "AAA.shelter"
country = "AAA"
kind = "shelter"

[[authority]]
id = "AAA.social"
country = "AAA"
kind = "social"
provides = ["protection"]
close = 1.0

[[channel]]
from = "AAA.police"
to = "BBB.ngo"
quality = 0.6
any_origin = true

[[channel]]
from = "AAA.police"
to = "BBB.shelter"
weight = 3.0

[[channel]]
from = "AAA.police"
to = "AAA.shelter"
weight = 2.0
when = { age = "adult" }

[[channel]]
from = "AAA.police"
to = "AAA.social"
when = { age = "child" }

[[cohort]]
name = "CCC child"
origin = "CCC"
age = "child"
entry = [{ at = "AAA.police", share = 1.0 }]

[[cohort]]
name = "CCC adult"
origin = "CCC"
age = "adult"
entry = [{ at = "AAA.police", share = 1.0 }]

[[cohort]]
name = "BBB adult"
origin = "BBB"
age = "adult"
entry = [{ at = "AAA.police", share = 1.0 }]
"#;

#[test]
fn any_origin_and_age_filters_match_hand_values() {
    let r = run(ANY_ORIGIN, 300_000);
    let expected = [
        // (outcomes, protected)
        ([0.0, 0.9, 0.1, 0.0, 0.0, 0.0], 0.4),
        ([0.0, 0.52, 0.08, 0.0, 0.0, 0.4], 0.12),
        ([0.0, 0.7, 0.05, 0.0, 0.0, 0.25], 0.45),
    ];
    for (t, (outcomes, protected)) in r.cohorts.iter().zip(expected) {
        let g = t.total();
        assert_outcomes(&g, outcomes);
        assert_rate(&g, Measure::Protected, protected);
        assert_eq!(g.count(Measure::Completed), 0);
    }
    assert_eq!(
        r.cohorts[0].channels[1].attempts, 0,
        "cross-border to a non-origin country"
    );
    assert_eq!(
        r.cohorts[0].channels[2].attempts, 0,
        "adult-only channel used by a child"
    );
    assert_eq!(
        r.cohorts[1].channels[3].attempts, 0,
        "child-only channel used by an adult"
    );
}

// ---------------------------------------------------------------------------------------------
// 7. Cycle A <-> B cut by max_hops = 3.
//
// A: identification 1, close 1, A -> B weight 3, q 0.8 (send w.p. 3/4).
// B: protection, close 1, B -> A weight 1, q 0.9 (send w.p. 1/2).
// The trial ends stalled after the arrival of its 3rd hop (A -> B -> A -> B).
//   hop 0 at A: closed 1/4; lost 3/4 * 0.2 = 0.15; reach B 0.6
//   hop 1 at B: closed 0.6 * 1/2 = 0.3; lost 0.3 * 0.1 = 0.03; reach A 0.27
//   hop 2 at A: closed 0.27 * 1/4 = 0.0675; lost 0.2025 * 0.2 = 0.0405; reach B 0.162
//   hop 3 at B: stalled 0.162
//   closed = 0.6175, lost = 0.2205, stalled = 0.162; protected = completed = 0.6.
// Channel losses: A -> B 0.15 + 0.0405 = 0.1905, B -> A 0.03. No trial exceeds 3 hops.
// Perfect communication: stalled = 3/4 * 1/2 * 3/4 = 0.28125, completed = 3/4.
// ---------------------------------------------------------------------------------------------
const CYCLE: &str = r#"
[scenario]
name = "cycle"
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
fn cycle_stalls_at_max_hops_with_hand_probability() {
    let r = run(CYCLE, 400_000);
    let t = &r.cohorts[0];
    let g = t.total();
    let n = g.trials;
    assert_outcomes(&g, [0.0, 0.6175, 0.2205, 0.0, 0.0, 0.162]);
    assert_rate(&g, Measure::Protected, 0.6);
    assert_rate(&g, Measure::Completed, 0.6);
    assert_share("A->B losses", t.channels[0].losses, n, 0.1905);
    assert_share("B->A losses", t.channels[1].losses, n, 0.03);
    assert_eq!(
        g.hops.quantile(1.0),
        Some(3.0),
        "the longest trial makes exactly max_hops hops"
    );
    assert_perfect(t, Measure::Stalled, 0.28125);
    assert_perfect(t, Measure::Completed, 0.75);
}

// ---------------------------------------------------------------------------------------------
// 8a. protected_in_time with exponential delays; times add up over hops and attempts.
//
// A (identification 1) -> B: exponential mean m = 4, q 1. B -> C: exponential mean 4, q 0.5,
// r = 1. C: protection, close 1. horizon_days = 10, x = 10 / 4 = 2.5.
// Protection after 2 delays (second attempt not needed) w.p. 0.5, after 3 delays w.p. 0.25;
// the sum of k exponentials of mean m is Erlang(k):
//   P(T2 <= h) = 1 - e^-x (1 + x),  P(T3 <= h) = 1 - e^-x (1 + x + x^2/2)
//   protected = closed = 0.75, lost = 0.25,
//   protected_in_time = 0.5 P(T2 <= h) + 0.25 P(T3 <= h) = 0.356351 + 0.114047 = 0.470398
// ---------------------------------------------------------------------------------------------
const EXP_DEADLINE: &str = r#"
[scenario]
name = "exponential deadline"
seed = 909
horizon_days = 10.0

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

[[authority]]
id = "C"
country = "AAA"
kind = "shelter"
provides = ["protection"]
close = 1.0

[[channel]]
from = "A"
to = "B"
delay = { exponential = 4.0 }

[[channel]]
from = "B"
to = "C"
quality = 0.5
retries = 1
delay = { exponential = 4.0 }

[[cohort]]
name = "exponential deadline"
origin = "AAA"
age = "adult"
entry = [{ at = "A", share = 1.0 }]
"#;

#[test]
fn protected_in_time_with_exponential_delays_matches_erlang_cdf() {
    let r = run(EXP_DEADLINE, 400_000);
    let g = r.cohorts[0].total();
    let x: f64 = 10.0 / 4.0;
    let t2 = 1.0 - (-x).exp() * (1.0 + x);
    let t3 = 1.0 - (-x).exp() * (1.0 + x + x * x / 2.0);
    assert_outcomes(&g, [0.0, 0.75, 0.25, 0.0, 0.0, 0.0]);
    assert_rate(&g, Measure::Protected, 0.75);
    assert_rate(&g, Measure::ProtectedInTime, 0.5 * t2 + 0.25 * t3);
}

// ---------------------------------------------------------------------------------------------
// 8b. protected_in_time with uniform delays.
//
// A (identification 1) -> B: uniform(1, 9), q 0.9; B -> C: uniform(1, 9), q 1; C: protection,
// close 1; horizon_days = 12. T = 2 + V1 + V2 with V1, V2 ~ U(0, 8) independent:
//   P(T <= 12) = 1 - P(V1 + V2 > 10) = 1 - (16 - 10)^2 / (2 * 8^2) = 1 - 36/128 = 0.71875
//   protected = 0.9, protected_in_time = 0.9 * 0.71875 = 0.646875, lost = 0.1.
// ---------------------------------------------------------------------------------------------
const UNIFORM_DEADLINE: &str = r#"
[scenario]
name = "uniform deadline"
seed = 1010
horizon_days = 12.0

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

[[authority]]
id = "C"
country = "AAA"
kind = "shelter"
provides = ["protection"]
close = 1.0

[[channel]]
from = "A"
to = "B"
quality = 0.9
delay = { uniform = { min = 1.0, max = 9.0 } }

[[channel]]
from = "B"
to = "C"
delay = { uniform = { min = 1.0, max = 9.0 } }

[[cohort]]
name = "uniform deadline"
origin = "AAA"
age = "adult"
entry = [{ at = "A", share = 1.0 }]
"#;

#[test]
fn protected_in_time_with_uniform_delays_matches_triangular_cdf() {
    let r = run(UNIFORM_DEADLINE, 400_000);
    let g = r.cohorts[0].total();
    assert_outcomes(&g, [0.0, 0.9, 0.1, 0.0, 0.0, 0.0]);
    assert_rate(&g, Measure::Protected, 0.9);
    assert_rate(&g, Measure::ProtectedInTime, 0.646875);
}

// ---------------------------------------------------------------------------------------------
// 9. Dropout under random delays: per attempt, P(no dropout) = E[exp(-lambda d)], the Laplace
// transform of the delay law at the dropout rate. One sending authority A (identification 1)
// -> B (protection, close 1); default goal = protection.
//
// 9a. Exponential mean m = 6, lambda = 0.05, q = 0.7, r = 1: s = 1 / (1 + lambda m) = 1/1.3.
//   dropped   = (1 - s) + s (1 - q)(1 - s)
//   protected = closed = s q + s (1 - q) s q
//   lost      = (s (1 - q))^2
//   perfect communication (q = 1, delays unchanged): completed = s.
// ---------------------------------------------------------------------------------------------
fn dropout_scenario(name: &str, seed: u64, dropout: f64, channel: &str) -> String {
    format!(
        r#"
[scenario]
name = "{name}"
seed = {seed}

[[country]]
code = "AAA"

[[authority]]
id = "A"
country = "AAA"
kind = "police"
identification = 1.0
dropout_per_day = {dropout}

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
name = "{name}"
origin = "AAA"
age = "adult"
entry = [{{ at = "A", share = 1.0 }}]
"#
    )
}

#[test]
fn exponential_delay_dropout_matches_laplace_transform() {
    let text = dropout_scenario(
        "exponential dropout",
        1111,
        0.05,
        "quality = 0.7\nretries = 1\ndelay = { exponential = 6.0 }",
    );
    let r = run(&text, 400_000);
    let t = &r.cohorts[0];
    let g = t.total();
    let (s, q): (f64, f64) = (1.0 / (1.0 + 0.05 * 6.0), 0.7);
    let dropped = (1.0 - s) + s * (1.0 - q) * (1.0 - s);
    let protected = s * q + s * (1.0 - q) * s * q;
    let lost = (s * (1.0 - q)).powi(2);
    assert_outcomes(&g, [0.0, protected, lost, dropped, 0.0, 0.0]);
    assert_rate(&g, Measure::Protected, protected);
    assert_eq!(t.channels[0].dropouts, g.count(Measure::Dropped));
    assert_perfect(t, Measure::Completed, s);
}

// 9b. Uniform on [a, b] = [2, 12], lambda = 0.03, q = 0.6, r = 0:
//   s = (e^{-lambda a} - e^{-lambda b}) / (lambda (b - a)) = (e^-0.06 - e^-0.36) / 0.3
//   dropped = 1 - s, protected = closed = 0.6 s, lost = 0.4 s.
#[test]
fn uniform_delay_dropout_matches_laplace_transform() {
    let text = dropout_scenario(
        "uniform dropout",
        1212,
        0.03,
        "quality = 0.6\ndelay = { uniform = { min = 2.0, max = 12.0 } }",
    );
    let r = run(&text, 400_000);
    let g = r.cohorts[0].total();
    let s = ((-0.06f64).exp() - (-0.36f64).exp()) / 0.3;
    assert_outcomes(&g, [0.0, 0.6 * s, 0.4 * s, 1.0 - s, 0.0, 0.0]);
    assert_rate(&g, Measure::Protected, 0.6 * s);
}

// 9c. Gamma with mean m = 5 and shape k = 2, lambda = 0.04, q = 1:
//   s = (1 + lambda m / k)^-k = 1.1^-2; dropped = 1 - s, protected = closed = s.
#[test]
fn gamma_delay_dropout_matches_laplace_transform() {
    let text = dropout_scenario(
        "gamma dropout",
        1313,
        0.04,
        "delay = { gamma = { mean = 5.0, shape = 2.0 } }",
    );
    let r = run(&text, 400_000);
    let g = r.cohorts[0].total();
    let s = 1.1f64.powi(-2);
    assert_outcomes(&g, [0.0, s, 0.0, 1.0 - s, 0.0, 0.0]);
    assert_rate(&g, Measure::Protected, s);
}

// ---------------------------------------------------------------------------------------------
// 10. The default goal rule, protection at the entry point and exact completion times.
//
// AAA.shelter (identification 1, protection, close 1) -> AAA.social (q 0.8) and -> BBB.social
// (q 0.5); BBB.police (identification 1, protection, close 1) -> AAA.social (q 0.6). Both
// social services provide return + reintegration and close. Every channel: fixed 7 days.
// horizon_days = 1: protection at the entry point (t = 0) is in time.
// Cohort "home", origin AAA, entry AAA.shelter (all entries in the origin country, goal =
// protection): -> BBB.social is ineligible (not the origin); options close, -> AAA.social.
//   completed = protected = protected_in_time = 1, completion at t = 0 exactly;
//   returned = reintegrated = 1/2 * 0.8 = 0.4; closed 0.9, lost 0.1.
// Cohort "abroad", origin BBB, entry AAA.shelter (goal = all three): options close and both
// channels, 1/3 each:
//   completed = (0.8 + 0.5) / 3 = 0.433333, at t = 7 exactly; lost = 0.7 / 3; protected = 1.
// Cohort "mixed", origin AAA, entries AAA.shelter and BBB.police (1 : 1): one entry abroad, so
// goal = all three:
//   entry AAA.shelter: completed = 1/2 * 0.8 = 0.4; entry BBB.police (-> AAA.social goes to
//   the origin, eligible): completed = 1/2 * 0.6 = 0.3; together 0.35, at t = 7 exactly.
// ---------------------------------------------------------------------------------------------
const GOALS: &str = r#"
[scenario]
name = "goals"
seed = 1414
horizon_days = 1.0

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
delay = { fixed = 7.0 }

[[channel]]
from = "AAA.shelter"
to = "BBB.social"
quality = 0.5
delay = { fixed = 7.0 }

[[channel]]
from = "BBB.police"
to = "AAA.social"
quality = 0.6
delay = { fixed = 7.0 }

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
fn default_goal_rule_matches_hand_values() {
    let r = run(GOALS, 300_000);

    let home = r.cohorts[0].total();
    assert_outcomes(&home, [0.0, 0.9, 0.1, 0.0, 0.0, 0.0]);
    assert_eq!(
        home.count(Measure::Completed),
        home.trials,
        "goal = protection, granted at entry"
    );
    assert_eq!(
        home.count(Measure::ProtectedInTime),
        home.trials,
        "t = 0 is within any horizon"
    );
    assert_rate(&home, Measure::Returned, 0.4);
    assert_rate(&home, Measure::Reintegrated, 0.4);
    assert_exact_mean(&home, Milestone::Completion, 0.0);
    assert_exact_mean(&home, Milestone::Return, 7.0);

    let abroad = r.cohorts[1].total();
    assert_outcomes(&abroad, [0.0, 2.3 / 3.0, 0.7 / 3.0, 0.0, 0.0, 0.0]);
    assert_eq!(abroad.count(Measure::Protected), abroad.trials);
    assert_rate(&abroad, Measure::Completed, 1.3 / 3.0);
    assert_exact_mean(&abroad, Milestone::Completion, 7.0);

    let mixed = &r.cohorts[2];
    assert_rate(&mixed.entries[0], Measure::Completed, 0.4);
    assert_rate(&mixed.entries[1], Measure::Completed, 0.3);
    let all = mixed.total();
    assert_rate(&all, Measure::Completed, 0.35);
    assert_eq!(all.count(Measure::Protected), all.trials);
    assert_exact_mean(&all, Milestone::Completion, 7.0);
}
