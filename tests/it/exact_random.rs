//! Random scenarios that together use every model feature, simulated and compared with the exact
//! Markov-chain solution by [`check_against_exact`] (every measure, overall and per entry point,
//! and the perfect-communication arm, within |z| < 4.5; exact 0/1 matched exactly).
//!
//! The generator writes **TOML text** (so the parser is exercised too) from a ChaCha8 stream with
//! a fixed seed (and, for movements and goals by entry point, a second fixed stream per
//! scenario, so that adding them left the rest of each scenario as it was), and records which features each scenario uses; a separate test asserts that the
//! generated set covers every feature of docs/MODEL.md, both as written (the feature record) and as
//! reached (every outcome and service has a positive exact probability somewhere).
//!
//! **Termination.** The chain ignores `max_hops` while the simulation stalls a case after
//! `max_hops` hops, so generated scenarios set `max_hops = 4096` and make long walks negligible by
//! construction: a channel between two authorities with `close = 0` always goes from the lower to
//! the higher index, so every cycle passes through an authority that closes with weight >= 0.5
//! against at most 5 channels of weight <= 3 (a chance >= 1/31 per visit), in the actual and the
//! perfect-communication arm alike; the checker asserts `P(> max_hops hops) < 1e-6` (and the
//! coverage test < 1e-9). Losses per channel without dropout, `(1 - q)^(1 + r)`, are 0 or about
//! 0.003 and more, so that few rates are so rare that a z-score says little.
//!
//! The last test builds a loop of perfect channels, where the chain marks the loop's states as
//! trapped and the simulation stalls every case at `max_hops`.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::Instant;

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use refgap::exact::{self, ExactCohort};
use refgap::model::Measure;

use crate::exact_vs_mc::check_against_exact;
use crate::util::{scenario, simulate};

/// Seed of the generator (fixed; never tuned).
const SEED: u64 = 0x5EED_2020;
/// Scenarios generated.
const SCENARIOS: usize = 40;
/// Simulated trials per cohort.
const TRIALS: u64 = 200_000;
const MAX_AUTHORITIES: usize = 8;
const MAX_CHANNELS: usize = 20;
/// Largest number of channels leaving one authority.
const MAX_OUT: usize = 5;

const COUNTRIES: [&str; 4] = ["AAA", "BBB", "CCC", "DDD"];
const KINDS: [&str; 11] = [
    "police",
    "border",
    "labour",
    "prosecutor",
    "social",
    "shelter",
    "coordination",
    "consulate",
    "intl_org",
    "ngo",
    "health",
];
const SERVICES: [&str; 3] = ["protection", "return", "reintegration"];

/// How often each feature occurs in the generated scenarios.
type Features = BTreeMap<String, usize>;

fn note(f: &mut Features, what: impl Into<String>) {
    *f.entry(what.into()).or_default() += 1;
}

/// Rounded to 3 decimals, so that the TOML text stays readable (the value written is the value
/// used).
fn r3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

fn pick<'a, T>(rng: &mut ChaCha8Rng, xs: &'a [T]) -> &'a T {
    &xs[rng.random_range(0..xs.len())]
}

fn shuffle<T>(rng: &mut ChaCha8Rng, xs: &mut [T]) {
    for i in (1..xs.len()).rev() {
        xs.swap(i, rng.random_range(0..=i));
    }
}

struct Auth {
    id: String,
    kind: &'static str,
    country: usize,
    identification: Option<f64>,
    provides: Vec<&'static str>,
    assist: Option<f64>,
    dropout: f64,
    close: f64,
    write_close: bool,
}

struct Chan {
    id: Option<String>,
    from: usize,
    to: usize,
    quality: Option<f64>,
    delay: Option<String>,
    fidelity: Option<f64>,
    weight: Option<f64>,
    retries: Option<u32>,
    victims: Option<&'static str>,
    age: Option<&'static str>,
    any_origin: bool,
    formal: bool,
    movement: bool,
}

impl Chan {
    fn quality(&self) -> f64 {
        self.quality.unwrap_or(1.0)
    }
}

struct Coh {
    name: String,
    origin: usize,
    child: bool,
    entry: Vec<(usize, f64)>,
    goal: Option<Vec<&'static str>>,
    /// Per entry point, its own goal (issue 13), if any.
    entry_goals: Vec<Option<Vec<&'static str>>>,
    victims: f64,
}

/// A random non-empty goal.
fn random_goal(rng: &mut ChaCha8Rng) -> Vec<&'static str> {
    let g: Vec<&'static str> = SERVICES.into_iter().filter(|_| rng.random_bool(0.5)).collect();
    if g.is_empty() { vec![*pick(rng, &SERVICES)] } else { g }
}

/// The random parameters of one channel from `from` to `to`.
fn channel(rng: &mut ChaCha8Rng, auths: &[Auth], from: usize, to: usize, f: &mut Features) -> Chan {
    let retries = *pick(rng, &[0u32, 0, 0, 1, 1, 2, 3]);
    note(f, format!("retries = {retries}"));
    let quality = if rng.random_bool(0.15) {
        note(f, "quality = 1");
        // This draw once chose between writing `quality = 1.0` and leaving the key out; quality
        // is now required, and the draw is kept so that the generated scenarios stay the same.
        let _ = rng.random_bool(0.5);
        Some(1.0)
    } else {
        // A loss of at least 0.003 per channel: (1 - q)^(1 + r) >= 0.003.
        let max = (1.0 - 0.003f64.powf(1.0 / f64::from(1 + retries))).min(0.95);
        Some(r3(rng.random_range(0.3..max)))
    };
    let delay = match rng.random_range(0..7) {
        0 => {
            note(f, "delay: default");
            None
        }
        1 => {
            note(f, "delay: fixed");
            let d = if rng.random_bool(0.2) {
                0.0
            } else {
                r3(rng.random_range(0.5..20.0))
            };
            Some(format!("{{ fixed = {d:?} }}"))
        }
        2 => {
            note(f, "delay: exponential");
            Some(format!("{{ exponential = {:?} }}", r3(rng.random_range(0.5..30.0))))
        }
        3 => {
            note(f, "delay: gamma, integer shape");
            let shape = *pick(rng, &[1.0, 2.0, 3.0]);
            let mean = r3(rng.random_range(1.0..30.0));
            Some(format!("{{ gamma = {{ mean = {mean:?}, shape = {shape:?} }} }}"))
        }
        4 => {
            note(f, "delay: gamma, non-integer shape");
            let shape = *pick(rng, &[0.5, 0.7, 1.5, 2.5, 3.3]);
            let mean = r3(rng.random_range(1.0..30.0));
            Some(format!("{{ gamma = {{ mean = {mean:?}, shape = {shape:?} }} }}"))
        }
        5 => {
            note(f, "delay: lognormal");
            let median = r3(rng.random_range(1.0..40.0));
            let sigma = r3(rng.random_range(0.2..1.5));
            Some(format!(
                "{{ lognormal = {{ median = {median:?}, sigma = {sigma:?} }} }}"
            ))
        }
        _ => {
            note(f, "delay: uniform");
            let min = r3(rng.random_range(0.0..10.0));
            let max = r3(min + rng.random_range(0.5..20.0));
            Some(format!("{{ uniform = {{ min = {min:?}, max = {max:?} }} }}"))
        }
    };
    let fidelity = rng.random_bool(0.35).then(|| r3(rng.random_range(0.4..0.95)));
    if fidelity.is_some() {
        note(f, "fidelity < 1");
        if !auths[to].provides.is_empty() {
            note(f, "fidelity < 1 into a provider");
        }
    }
    let weight = rng.random_bool(0.4).then(|| r3(rng.random_range(0.3..3.0)));
    if weight.is_some() {
        note(f, "routing weight");
    }
    let victims = rng
        .random_bool(0.3)
        .then(|| *pick(rng, &["national", "foreign", "any"]));
    let age = rng.random_bool(0.3).then(|| *pick(rng, &["child", "adult", "any"]));
    for (key, v) in [("victims", victims), ("age", age)] {
        if let Some(v) = v {
            note(f, format!("when {key} = {v}"));
        }
    }
    let cross_border = auths[from].country != auths[to].country;
    let any_origin = cross_border && rng.random_bool(0.3);
    if cross_border {
        note(f, "cross-border channel");
    }
    if any_origin {
        note(f, "any_origin");
    }
    Chan {
        id: None,
        from,
        to,
        quality,
        delay,
        fidelity,
        weight,
        retries: (retries > 0 || rng.random_bool(0.2)).then_some(retries),
        victims,
        age,
        any_origin,
        formal: rng.random_bool(0.3),
        movement: false,
    }
}

/// Whether a channel may carry a case of cohort `c` (docs/MODEL.md, "One trial", step 4), as the
/// generator sees it: for the feature record only.
fn eligible(auths: &[Auth], ch: &Chan, c: &Coh) -> bool {
    let (from, to) = (auths[ch.from].country, auths[ch.to].country);
    let victims = match ch.victims {
        Some("national") => c.origin == from,
        Some("foreign") => c.origin != from,
        _ => true,
    };
    let age = match ch.age {
        Some("child") => c.child,
        Some("adult") => !c.child,
        _ => true,
    };
    victims && age && (from == to || ch.any_origin || to == c.origin)
}

/// Scenario `index` of the generated set: its TOML text and the features it uses.
fn generate(rng: &mut ChaCha8Rng, index: usize) -> (String, Features) {
    let mut f = Features::new();

    // Countries: 2, 3 and 4 in turn.
    let nc = 2 + index % 3;
    note(&mut f, format!("{nc} countries"));

    // Authorities; the first nc cover every country.
    let na = rng.random_range(nc.max(3)..=MAX_AUTHORITIES);
    let mut auths: Vec<Auth> = (0..na)
        .map(|i| {
            let country = if i < nc { i } else { rng.random_range(0..nc) };
            let kind = *pick(rng, &KINDS);
            let provides: Vec<&'static str> = SERVICES.into_iter().filter(|_| rng.random_bool(0.35)).collect();
            let assist = if provides.is_empty() {
                None
            } else {
                match rng.random_range(0..4) {
                    0 => None,
                    1 => Some(0.0),
                    2 => Some(1.0),
                    _ => Some(r3(rng.random_range(0.05..0.95))),
                }
            };
            let dropout = if rng.random_bool(0.4) {
                r3(rng.random_range(0.005..0.06))
            } else {
                0.0
            };
            let close = if rng.random_bool(0.4) {
                0.0
            } else {
                r3(rng.random_range(0.5..2.0))
            };
            Auth {
                id: format!("{}.{kind}{i}", COUNTRIES[country]),
                kind,
                country,
                identification: None,
                provides,
                assist,
                dropout,
                close,
                write_close: close > 0.0 || rng.random_bool(0.5),
            }
        })
        .collect();
    if auths.iter().all(|a| a.close == 0.0) {
        auths[na - 1].close = 1.0;
        auths[na - 1].write_close = true;
    }

    // Entry points (up to 3), identification in (0, 1), sometimes 1, and sometimes 0 at one.
    let mut order: Vec<usize> = (0..na).collect();
    shuffle(rng, &mut order);
    let entries: Vec<usize> = order[..rng.random_range(1..=3.min(na))].to_vec();
    for &e in &entries {
        auths[e].identification = Some(if rng.random_bool(0.25) {
            1.0
        } else {
            r3(rng.random_range(0.3..0.95))
        });
    }
    if entries.len() >= 2 && rng.random_bool(0.35) {
        auths[*entries.last().unwrap()].identification = Some(0.0);
    }

    // Channels. Between two authorities with close = 0 a channel goes from the lower index to the
    // higher (see the module doc); at most MAX_OUT leave one authority.
    let mut chans: Vec<Chan> = Vec::new();
    let add = |rng: &mut ChaCha8Rng, from: usize, to: usize, f: &mut Features, chans: &mut Vec<Chan>| {
        let (from, to) = if auths[from].close == 0.0 && auths[to].close == 0.0 && from > to {
            (to, from)
        } else {
            (from, to)
        };
        if from == to || chans.len() >= MAX_CHANNELS || chans.iter().filter(|c| c.from == from).count() >= MAX_OUT {
            return;
        }
        let mut ch = channel(rng, &auths, from, to, f);
        let parallel = chans.iter().filter(|c| c.from == from && c.to == to).count();
        if parallel > 0 {
            note(f, "parallel channels");
            ch.id = Some(format!("{}->{}#{}", auths[from].id, auths[to].id, parallel + 1));
        }
        chans.push(ch);
    };
    if index.is_multiple_of(4) || rng.random_bool(0.6) {
        let closing: Vec<usize> = (0..na).filter(|&a| auths[a].close > 0.0).collect();
        let u = *pick(rng, &closing);
        let v = (u + rng.random_range(1..na)) % na;
        add(rng, u, v, &mut f, &mut chans);
        add(rng, v, u, &mut f, &mut chans);
    }
    for &e in &entries {
        let to = (e + rng.random_range(1..na)) % na;
        add(rng, e, to, &mut f, &mut chans);
    }
    let target = rng.random_range(na..=MAX_CHANNELS.min(2 * na + 4));
    for _ in 0..200 {
        if chans.len() >= target {
            break;
        }
        let from = rng.random_range(0..na);
        let to = (from + rng.random_range(1..na)) % na;
        add(rng, from, to, &mut f, &mut chans);
    }

    // Cohorts: 1 to 3, each entering at a non-empty subset of the entry points.
    let nco = rng.random_range(1..=3);
    let mut cohorts: Vec<Coh> = (0..nco)
        .map(|k| {
            let mut at = entries.clone();
            shuffle(rng, &mut at);
            at.truncate(rng.random_range(1..=entries.len()));
            let goal = rng.random_bool(0.5).then(|| random_goal(rng));
            Coh {
                name: format!("cohort {k}"),
                origin: rng.random_range(0..nc),
                child: (index + k).is_multiple_of(2),
                entry: at.into_iter().map(|a| (a, r3(rng.random_range(0.5..3.0)))).collect(),
                goal,
                entry_goals: Vec::new(),
                victims: r3(rng.random_range(10.0..1000.0)),
            }
        })
        .collect();

    // Movements and goals by entry point (issue 13), from a stream of their own so that the
    // draws above, and so the rest of every scenario, stay what they were before.
    let mut extra = ChaCha8Rng::seed_from_u64(SEED ^ (0x1300 + index as u64));
    for c in &mut chans {
        c.movement = extra.random_bool(0.25);
        if c.movement {
            note(&mut f, "movement");
            if c.quality() < 1.0 || c.fidelity.is_some() {
                note(&mut f, "imperfect movement");
            }
        }
    }
    for c in &mut cohorts {
        c.entry_goals = (0..c.entry.len())
            .map(|_| extra.random_bool(0.3).then(|| random_goal(&mut extra)))
            .collect();
        for (k, g) in c.entry_goals.iter().enumerate() {
            if g.is_none() {
                continue;
            }
            note(
                &mut f,
                if c.goal.is_some() {
                    "entry goal over a cohort goal"
                } else {
                    "entry goal over the default"
                },
            );
            if c.entry_goals.iter().enumerate().any(|(j, h)| j != k && h != g) {
                note(&mut f, "entry goals differ within a cohort");
            }
        }
    }

    // The feature record of what is not noted above.
    for (i, a) in auths.iter().enumerate() {
        note(&mut f, format!("provides [{}]", a.provides.join(", ")));
        if !a.provides.is_empty() {
            note(
                &mut f,
                match a.assist {
                    None => "assist_incomplete: default".to_owned(),
                    Some(x) if x == 0.0 || x == 1.0 => format!("assist_incomplete = {x:?}"),
                    Some(_) => "assist_incomplete in (0, 1)".to_owned(),
                },
            );
        }
        if a.dropout > 0.0 && chans.iter().any(|c| c.from == i) {
            note(&mut f, "dropout_per_day > 0 on a sender");
        }
        note(&mut f, if a.close > 0.0 { "close > 0" } else { "close = 0" });
        if a.close == 0.0 && a.write_close {
            note(&mut f, "close = 0 written");
        }
        match a.identification {
            Some(0.0) => note(&mut f, "identification = 0 at an entry point"),
            Some(1.0) => note(&mut f, "identification = 1"),
            Some(_) => note(&mut f, "identification in (0, 1)"),
            None => {}
        }
    }
    for (i, c) in chans.iter().enumerate() {
        if chans[..i].iter().any(|d| d.from == c.to && d.to == c.from) {
            note(&mut f, "cycle (channels back and forth)");
        }
    }
    if nco >= 2 {
        note(&mut f, "several cohorts");
    }
    for c in &cohorts {
        note(&mut f, if c.child { "child cohort" } else { "adult cohort" });
        note(
            &mut f,
            if c.goal.is_some() {
                "goal explicit"
            } else {
                "goal default"
            },
        );
        if c.entry.len() >= 2 {
            note(&mut f, "several entry points");
        }
        for ch in &chans {
            let (from, to) = (auths[ch.from].country, auths[ch.to].country);
            if from != to && !ch.any_origin && to != c.origin {
                note(&mut f, "cross-border channel into a non-origin country");
            }
            if from != to && to == c.origin {
                note(&mut f, "cross-border channel into the origin");
            }
        }
        // A structural hole: an authority a case can arrive at (or enter at) with close = 0 and
        // no eligible channel.
        for (a, auth) in auths.iter().enumerate() {
            let arrives = chans
                .iter()
                .any(|ch| ch.to == a && eligible(&auths, ch, c) && ch.quality() > 0.0)
                || c.entry.iter().any(|&(e, _)| e == a);
            let options = chans
                .iter()
                .filter(|ch| ch.from == a && eligible(&auths, ch, c))
                .count();
            if arrives && auth.close == 0.0 && options == 0 {
                note(&mut f, "structural hole");
            }
        }
    }

    // The text.
    let mut t = String::new();
    let seed = rng.random_range(1..1_000_000u64);
    writeln!(t, "[scenario]\nname = \"random {index}\"").unwrap();
    writeln!(t, "description = \"generated by tests/it/exact_random.rs\"").unwrap();
    writeln!(t, "seed = {seed}\nmax_hops = 4096").unwrap();
    for code in &COUNTRIES[..nc] {
        writeln!(t, "\n[[country]]\ncode = \"{code}\"\nlanguages = [\"fr\"]").unwrap();
    }
    for a in &auths {
        writeln!(
            t,
            "\n[[authority]]\nid = \"{}\"\ncountry = \"{}\"\nkind = \"{}\"",
            a.id, COUNTRIES[a.country], a.kind
        )
        .unwrap();
        if let Some(x) = a.identification {
            writeln!(t, "identification = {x:?}").unwrap();
        }
        if !a.provides.is_empty() {
            let list: Vec<String> = a.provides.iter().map(|s| format!("\"{s}\"")).collect();
            writeln!(t, "provides = [{}]", list.join(", ")).unwrap();
        }
        if let Some(x) = a.assist {
            writeln!(t, "assist_incomplete = {x:?}").unwrap();
        }
        if a.dropout > 0.0 {
            writeln!(t, "dropout_per_day = {:?}", a.dropout).unwrap();
        }
        if a.write_close {
            writeln!(t, "close = {:?}", a.close).unwrap();
        }
    }
    for c in &chans {
        t.push_str("\n[[channel]]\n");
        if let Some(id) = &c.id {
            writeln!(t, "id = \"{id}\"").unwrap();
        }
        writeln!(t, "from = \"{}\"\nto = \"{}\"", auths[c.from].id, auths[c.to].id).unwrap();
        if let Some(q) = c.quality {
            writeln!(t, "quality = {q:?}").unwrap();
        }
        if let Some(d) = &c.delay {
            writeln!(t, "delay = {d}").unwrap();
        }
        if let Some(x) = c.fidelity {
            writeln!(t, "fidelity = {x:?}").unwrap();
        }
        if let Some(x) = c.weight {
            writeln!(t, "weight = {x:?}").unwrap();
        }
        if let Some(r) = c.retries {
            writeln!(t, "retries = {r}").unwrap();
        }
        let when: Vec<String> = [("victims", c.victims), ("age", c.age)]
            .into_iter()
            .filter_map(|(k, v)| v.map(|v| format!("{k} = \"{v}\"")))
            .collect();
        if !when.is_empty() {
            writeln!(t, "when = {{ {} }}", when.join(", ")).unwrap();
        }
        if c.any_origin {
            writeln!(t, "any_origin = true").unwrap();
        }
        if c.formal {
            writeln!(t, "formal = true").unwrap();
        }
        if c.movement {
            writeln!(t, "movement = true").unwrap();
        }
    }
    for c in &cohorts {
        let entry: Vec<String> = c
            .entry
            .iter()
            .zip(&c.entry_goals)
            .map(|((a, share), goal)| match goal {
                None => format!("{{ at = \"{}\", share = {share:?} }}", auths[*a].id),
                Some(g) => {
                    let list: Vec<String> = g.iter().map(|s| format!("\"{s}\"")).collect();
                    format!(
                        "{{ at = \"{}\", share = {share:?}, goal = [{}] }}",
                        auths[*a].id,
                        list.join(", ")
                    )
                }
            })
            .collect();
        writeln!(
            t,
            "\n[[cohort]]\nname = \"{}\"\norigin = \"{}\"\nage = \"{}\"\nexploitation = \"labour\"\nvictims = {:?}\nentry = [{}]",
            c.name,
            COUNTRIES[c.origin],
            if c.child { "child" } else { "adult" },
            c.victims,
            entry.join(", ")
        )
        .unwrap();
        if let Some(goal) = &c.goal {
            let list: Vec<String> = goal.iter().map(|s| format!("\"{s}\"")).collect();
            writeln!(t, "goal = [{}]", list.join(", ")).unwrap();
        }
    }
    (t, f)
}

/// The generated set: (TOML text, features) of each scenario.
fn generated() -> Vec<(String, Features)> {
    let mut rng = ChaCha8Rng::seed_from_u64(SEED);
    (0..SCENARIOS).map(|i| generate(&mut rng, i)).collect()
}

/// Every feature the generated set must use at least once.
const REQUIRED: &[&str] = &[
    "2 countries",
    "3 countries",
    "4 countries",
    "delay: default",
    "delay: fixed",
    "delay: exponential",
    "delay: gamma, integer shape",
    "delay: gamma, non-integer shape",
    "delay: lognormal",
    "delay: uniform",
    "when victims = national",
    "when victims = foreign",
    "when victims = any",
    "when age = child",
    "when age = adult",
    "when age = any",
    "cross-border channel",
    "cross-border channel into a non-origin country",
    "cross-border channel into the origin",
    "any_origin",
    "retries = 0",
    "retries = 1",
    "retries = 2",
    "retries = 3",
    "quality = 1",
    "fidelity < 1",
    "fidelity < 1 into a provider",
    "assist_incomplete = 0.0",
    "assist_incomplete = 1.0",
    "assist_incomplete in (0, 1)",
    "assist_incomplete: default",
    "dropout_per_day > 0 on a sender",
    "close = 0",
    "close = 0 written",
    "close > 0",
    "routing weight",
    "structural hole",
    "cycle (channels back and forth)",
    "parallel channels",
    "several entry points",
    "identification in (0, 1)",
    "identification = 1",
    "identification = 0 at an entry point",
    "provides []",
    "provides [protection]",
    "provides [return]",
    "provides [reintegration]",
    "provides [protection, return]",
    "provides [protection, reintegration]",
    "provides [return, reintegration]",
    "provides [protection, return, reintegration]",
    "goal explicit",
    "goal default",
    "movement",
    "imperfect movement",
    "entry goal over a cohort goal",
    "entry goal over the default",
    "entry goals differ within a cohort",
    "child cohort",
    "adult cohort",
    "several cohorts",
];

#[test]
fn generated_scenarios_cover_every_feature() {
    let set = generated();
    assert!(set.len() >= 20);
    let mut total = Features::new();
    // What the exact solution reaches: (measure, largest probability over every cohort).
    let mut reached: BTreeMap<&str, f64> = BTreeMap::new();
    for (text, f) in &set {
        for (k, n) in f {
            *total.entry(k.clone()).or_default() += n;
        }
        let s = scenario(text);
        assert!(s.authorities().len() <= MAX_AUTHORITIES && s.channels().len() <= MAX_CHANNELS);
        assert_eq!(s.max_hops(), 4096);
        for (cohort, ex) in s.cohorts().iter().zip(exact::solve(&s).unwrap()) {
            assert_eq!(ex.trapped, 0, "{} / {}: no trap by construction", s.name(), cohort.name);
            assert!(
                ex.beyond_max_hops < 1e-9,
                "{} / {}: {}",
                s.name(),
                cohort.name,
                ex.beyond_max_hops
            );
            let all = ExactCohort::aggregate(&ex.entries, cohort, |_| true);
            for m in Measure::ALL.into_iter().filter(|m| *m != Measure::ProtectedInTime) {
                let best = reached.entry(m.name()).or_insert(0.0);
                *best = best.max(all[m.index()]);
            }
            let gap = ExactCohort::aggregate(&ex.perfect, cohort, |_| true)[Measure::Completed.index()]
                - all[Measure::Completed.index()];
            let best = reached.entry("referral gap").or_insert(0.0);
            *best = best.max(gap);
        }
    }
    let missing: Vec<&&str> = REQUIRED.iter().filter(|k| !total.contains_key(**k)).collect();
    assert!(
        missing.is_empty(),
        "features never generated: {missing:?}\ncounts: {total:#?}"
    );
    let unreached: Vec<(&&str, &f64)> = reached.iter().filter(|(_, p)| **p < 1e-3).collect();
    assert!(
        unreached.is_empty(),
        "measures that no generated cohort reaches with probability >= 1e-3: {unreached:?}"
    );
    // The text says the same as the record.
    let text: String = set.iter().map(|(t, _)| t.as_str()).collect();
    for needle in [
        "{ fixed = ",
        "{ exponential = ",
        "{ gamma = { mean = ",
        "{ lognormal = { median = ",
        "{ uniform = { min = ",
        "victims = \"national\"",
        "victims = \"foreign\"",
        "age = \"child\" }",
        "age = \"adult\" }",
        "any_origin = true",
        "retries = 3",
        "fidelity = ",
        "assist_incomplete = ",
        "dropout_per_day = ",
        "close = 0.0",
        "weight = ",
        "identification = 0.0",
        "goal = [",
        "movement = true",
        ", goal = [",
        "age = \"child\"\n",
        "age = \"adult\"\n",
    ] {
        assert!(text.contains(needle), "no generated scenario contains {needle:?}");
    }
}

#[test]
fn random_scenarios_agree_with_the_exact_solution() {
    let start = Instant::now();
    let mut compared = 0;
    for (text, _) in generated() {
        let s = scenario(&text);
        let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| check_against_exact(&s, TRIALS)));
        match run {
            Ok(n) => {
                assert!(n >= 20, "{}: only {n} rates compared", s.name());
                compared += n;
            }
            Err(e) => {
                eprintln!("the simulation disagrees with the exact solution on this scenario:\n{text}");
                std::panic::resume_unwind(e);
            }
        }
    }
    eprintln!(
        "{SCENARIOS} random scenarios, {compared} rates compared in {:.1} s",
        start.elapsed().as_secs_f64()
    );
}

// ---------------------------------------------------------------------------------------------
// A loop of perfect channels: A -> B -> A, quality 1, fidelity 1, no close, no dropout,
// max_hops = 8. B provides protection.
//
// Every identified case goes round the loop until the simulation stalls it at hop 8. In the
// chain, the start (A, {}) leads with certainty to (B, {P}) and (A, {P}), a closed class that is
// never absorbed: those states are trapped and absorb as `stalled`. (So are (B, {P}) and
// (A, {P}) with an incomplete file, which the chain lists as structurally possible with
// probability 0.) Hence stalled = protected = completed = identification, exactly, in both.
// beyond_max_hops counts only mass still moving in non-trapped states: after the first hop
// everything is trapped, so it is 0 although every identified case makes max_hops hops in the
// simulation. The two agree anyway, because the chain calls the trapped mass `stalled`.
// Cohort "from C" enters at C (identification 0.6, close 0, C -> A quality 1): stalled = 0.6.
// ---------------------------------------------------------------------------------------------
const PERFECT_LOOP: &str = r#"
[scenario]
name = "perfect loop"
seed = 4242
max_hops = 8

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

[[authority]]
id = "C"
country = "AAA"
kind = "labour"
identification = 0.6

[[channel]]
from = "A"
to = "B"
quality = 1.0
delay = { exponential = 3.0 }

[[channel]]
from = "B"
to = "A"
quality = 1.0
delay = { fixed = 2.0 }

[[channel]]
from = "C"
to = "A"
quality = 1.0

[[cohort]]
name = "from A"
origin = "AAA"
age = "adult"
entry = [{ at = "A", share = 1.0 }]

[[cohort]]
name = "from C"
origin = "AAA"
age = "child"
entry = [{ at = "C", share = 1.0 }]
"#;

#[test]
fn perfect_loop_is_trapped_and_stalls_in_both() {
    let s = scenario(PERFECT_LOOP);
    let ex = exact::solve(&s).unwrap();
    let trials = 100_000;
    let result = simulate(&s, trials);
    for ((cohort, e), tally) in s.cohorts().iter().zip(&ex).zip(&result.cohorts) {
        let what = &cohort.name;
        assert!(e.trapped > 0, "{what}: the loop's states must be trapped, got {e:?}");
        assert_eq!(
            e.beyond_max_hops, 0.0,
            "{what}: trapped mass is not counted as in transit"
        );
        let p = &e.entries[0];
        let ident = s.authorities()[cohort.entry[0].0].identification;
        for m in [
            Measure::Stalled,
            Measure::Protected,
            Measure::Completed,
            Measure::Identified,
        ] {
            assert_eq!(
                p[m.index()],
                ident,
                "{what}: exact {} is the identification rate",
                m.name()
            );
        }
        for m in [Measure::Closed, Measure::Lost, Measure::Dropped, Measure::Misclassified] {
            assert_eq!(p[m.index()], 0.0, "{what}: exact {}", m.name());
        }
        let g = tally.total();
        assert_eq!(g.trials, trials);
        assert_eq!(
            g.count(Measure::Stalled),
            g.count(Measure::Identified),
            "{what}: every identified case stalls in the simulation"
        );
        assert_eq!(g.count(Measure::Protected), g.count(Measure::Identified));
        assert_eq!(
            g.hops.quantile(0.0),
            Some(f64::from(s.max_hops())),
            "{what}: every identified case makes max_hops hops"
        );
        if ident == 1.0 {
            assert_eq!(
                g.count(Measure::Stalled),
                trials,
                "{what}: exact stalled is 1, so every simulated case stalls"
            );
        }
        // The perfect arm is the same scenario.
        for m in Measure::ALL.into_iter().filter(|m| *m != Measure::ProtectedInTime) {
            assert_eq!(e.perfect[0][m.index()], p[m.index()], "{what}: perfect {}", m.name());
        }
    }
    // And the shared checker agrees (z-test on the partly identified cohort).
    check_against_exact(&s, trials);
}
