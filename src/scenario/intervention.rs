//! Interventions: named lists of changes applied on top of the baseline network, producing the
//! network of one variant (MODEL.md "Comparisons, sweeps, interventions").
//!
//! An intervention is applied in a fixed order, so that its result does not depend on how the
//! file is written: (1) the toolbox practices it names are expanded into the same changes a
//! user could write (see [`super::toolbox`]); (2) authorities, then channels, are added;
//! (3) channels, then authorities, are removed (an authority takes its channels with it);
//! (4) parameter changes are applied in file order, practices first.
//!
//! A **change** is a selector and one or more `op = { parameter = value }` tables. The
//! parameter decides what the selector selects: channel parameters (`quality`, `fidelity`,
//! `weight`, `retries`, `delay` and `delay.<field>`) select channels, authority parameters
//! (`identification`, `assist_incomplete`, `dropout_per_day`, `close`) select authorities.
//! A value written in the file must itself be valid (`set = { quality = 1.5 }` is an error);
//! a *result* that leaves the valid range (`add = { quality = 0.3 }` on 0.9) is clamped to it
//! and reported as a warning, never silently. A selector that matches nothing, an unknown
//! parameter or id, and removing a missing id are errors naming the intervention and the change.

use std::collections::{HashMap, HashSet};

use super::raw::{RawAuthority, RawChange, RawChannel, RawIntervention, RawSelector};
use super::validate::{Checker, authority_from_raw, channel_from_raw, kind_names, unbounded_weights};
use super::{Authority, BASELINE, Channel, MAX_RETRIES, Scenario, Variant, VariantKind};
use crate::error::Problem;
use crate::vocab::delay::{Delay, MAX_DELAY_DAYS, MAX_SIGMA, MIN_SHAPE};

/// How a change combines the old value with the given one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// `new = value`.
    Set,
    /// `new = old * value`.
    Scale,
    /// `new = old + value`.
    Add,
    /// `new = max(old, value)`: raise to at least `value`, never lower.
    AtLeast,
    /// `new = min(old, value)`: lower to at most `value`, never raise.
    AtMost,
}

impl Op {
    /// All operations, as written in files.
    pub const ALL: [(&'static str, Op); 5] = [
        ("set", Op::Set),
        ("scale", Op::Scale),
        ("add", Op::Add),
        ("at_least", Op::AtLeast),
        ("at_most", Op::AtMost),
    ];

    /// The name used in files.
    pub fn name(self) -> &'static str {
        Op::ALL.iter().find(|(_, o)| *o == self).map_or("set", |(n, _)| n)
    }

    fn combine(self, old: f64, v: f64) -> f64 {
        match self {
            Op::Set => v,
            Op::Scale => old * v,
            Op::Add => old + v,
            Op::AtLeast => old.max(v),
            Op::AtMost => old.min(v),
        }
    }
}

/// A numeric parameter a change can act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum Param {
    Quality,
    Fidelity,
    Weight,
    Retries,
    /// The whole delay law's time scale (only `scale`).
    Delay,
    DelayFixed,
    DelayMean,
    DelayShape,
    DelayMedian,
    DelaySigma,
    DelayMin,
    DelayMax,
    Identification,
    AssistIncomplete,
    DropoutPerDay,
    Close,
}

/// What a parameter belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// A channel parameter.
    Channel,
    /// An authority parameter.
    Authority,
}

impl Param {
    /// Every parameter with its name in files.
    pub const ALL: [(&'static str, Param); 16] = [
        ("quality", Param::Quality),
        ("fidelity", Param::Fidelity),
        ("weight", Param::Weight),
        ("retries", Param::Retries),
        ("delay", Param::Delay),
        ("delay.fixed", Param::DelayFixed),
        ("delay.mean", Param::DelayMean),
        ("delay.shape", Param::DelayShape),
        ("delay.median", Param::DelayMedian),
        ("delay.sigma", Param::DelaySigma),
        ("delay.min", Param::DelayMin),
        ("delay.max", Param::DelayMax),
        ("identification", Param::Identification),
        ("assist_incomplete", Param::AssistIncomplete),
        ("dropout_per_day", Param::DropoutPerDay),
        ("close", Param::Close),
    ];

    /// The name used in files.
    pub fn name(self) -> &'static str {
        Param::ALL.iter().find(|(_, p)| *p == self).map_or("?", |(n, _)| n)
    }

    /// The parameter called `name`, if any.
    pub fn parse(name: &str) -> Option<Param> {
        Param::ALL.iter().find(|(n, _)| *n == name).map(|(_, p)| *p)
    }

    /// Whether the parameter belongs to channels or authorities.
    pub fn target(self) -> Target {
        match self {
            Param::Identification | Param::AssistIncomplete | Param::DropoutPerDay | Param::Close => Target::Authority,
            _ => Target::Channel,
        }
    }

    /// The valid range `[lo, hi]`, and whether `lo` itself is excluded.
    fn range(self) -> (f64, f64, bool) {
        match self {
            Param::Quality | Param::Fidelity | Param::Identification | Param::AssistIncomplete => (0.0, 1.0, false),
            Param::Weight => (0.0, f64::MAX, true),
            Param::Retries => (0.0, f64::from(MAX_RETRIES), false),
            Param::DropoutPerDay | Param::Close => (0.0, f64::MAX, false),
            Param::Delay | Param::DelayFixed | Param::DelayMean | Param::DelayMin | Param::DelayMax => {
                (0.0, MAX_DELAY_DAYS, false)
            }
            Param::DelayMedian => (0.0, MAX_DELAY_DAYS, true),
            Param::DelaySigma => (0.0, MAX_SIGMA, false),
            Param::DelayShape => (MIN_SHAPE, 1e6, false),
        }
    }

    fn describe_range(self) -> String {
        let (lo, hi, open) = self.range();
        match (open, hi == f64::MAX) {
            (true, true) => format!("a finite number > {lo}"),
            (false, true) => format!("a finite number >= {lo}"),
            (true, false) => format!("a number > {lo} and at most {hi}"),
            (false, false) if self == Param::Retries => format!("a whole number from 0 to {MAX_RETRIES}"),
            (false, false) => format!("a number from {lo} to {hi}"),
        }
    }

    fn in_range(self, v: f64) -> bool {
        let (lo, hi, open) = self.range();
        v.is_finite()
            && (if open { v > lo } else { v >= lo })
            && v <= hi
            && (self != Param::Retries || v.fract() == 0.0)
    }
}

/// One operation of a change: `op = { param = value }`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Edit {
    /// How the value is combined.
    pub op: Op,
    /// Which parameter.
    pub param: Param,
    /// The value given.
    pub value: f64,
}

/// A selector and the edits applied to what it selects.
#[derive(Debug, Clone)]
pub(crate) struct Change {
    pub select: RawSelector,
    pub edits: Vec<Edit>,
    /// What a practice's selector looks for, said instead of the selector when it matches nothing.
    pub looks_for: Option<String>,
}

/// An intervention read from a file, not yet applied.
#[derive(Debug, Clone, Default)]
pub(crate) struct Plan {
    pub add_authorities: Vec<(String, RawAuthority)>,
    pub add_channels: Vec<(String, RawChannel)>,
    pub remove_channels: Vec<String>,
    pub remove_authorities: Vec<String>,
    /// `(location, change)`, in application order.
    pub changes: Vec<(String, Change)>,
}

/// Reads the edits of one `[[intervention.change]]` (or of a sweep axis); `None` when any is
/// invalid (the problems are in `ck`).
pub(crate) fn edits_of(ck: &mut Checker, loc: &str, raw: &RawChange) -> Option<Vec<Edit>> {
    let mut edits = Vec::new();
    let mut ok = true;
    for (op_name, op) in Op::ALL {
        let table = match op {
            Op::Set => &raw.set,
            Op::Scale => &raw.scale,
            Op::Add => &raw.add,
            Op::AtLeast => &raw.at_least,
            Op::AtMost => &raw.at_most,
        };
        for (key, value) in table {
            let value = match value {
                toml::Value::Float(f) => *f,
                toml::Value::Integer(i) => *i as f64,
                other => {
                    ck.bad(
                        loc,
                        &format!("{op_name}.{key}"),
                        format!("is {}; give a number", other.type_str()),
                    );
                    ok = false;
                    continue;
                }
            };
            match edit(&format!("{op_name}.{key}"), op, key, value) {
                Ok(e) => edits.push(e),
                Err((at, msg)) => {
                    ck.bad(loc, &at, msg);
                    ok = false;
                }
            }
        }
    }
    if edits.is_empty() && ok {
        ck.bad(
            loc,
            "",
            "changes nothing; add a table such as `set = { quality = 0.9 }` (operations: set, scale, add, \
             at_least, at_most)",
        );
        ok = false;
    }
    let targets: HashSet<bool> = edits.iter().map(|e| e.param.target() == Target::Channel).collect();
    if targets.len() > 1 {
        ck.bad(
            loc,
            "",
            "mixes channel and authority parameters; a change selects either channels or authorities, so write \
             two changes",
        );
        ok = false;
    }
    ok.then_some(edits)
}

/// Checks one `op.param = value` as written; the error is `(key, message)`.
pub(crate) fn edit(key: &str, op: Op, param: &str, value: f64) -> Result<Edit, (String, String)> {
    let Some(p) = Param::parse(param) else {
        let names: Vec<&str> = Param::ALL.iter().map(|(n, _)| *n).collect();
        return Err((
            key.to_owned(),
            format!("unknown parameter \"{param}\"; use one of: {}", names.join(", ")),
        ));
    };
    if p == Param::Delay && op != Op::Scale {
        return Err((
            key.to_owned(),
            "the whole delay law can only be scaled (`scale = { delay = 0.5 }`); to change one parameter use \
             delay.mean, delay.median, delay.sigma, delay.shape, delay.fixed, delay.min or delay.max"
                .to_owned(),
        ));
    }
    let ok = match op {
        Op::Set | Op::AtLeast | Op::AtMost => p.in_range(value),
        Op::Scale => {
            value.is_finite()
                && value >= 0.0
                && (value > 0.0 || !matches!(p, Param::Weight | Param::Delay | Param::DelayMedian))
        }
        Op::Add => value.is_finite(),
    };
    if !ok {
        let allowed = match op {
            Op::Set | Op::AtLeast | Op::AtMost => p.describe_range(),
            Op::Scale if matches!(p, Param::Weight | Param::Delay | Param::DelayMedian) => {
                "a finite factor > 0".to_owned()
            }
            Op::Scale => "a finite factor >= 0".to_owned(),
            Op::Add => "a finite number".to_owned(),
        };
        return Err((
            key.to_owned(),
            format!("{value} is out of range for {}; use {allowed}", p.name()),
        ));
    }
    Ok(Edit { op, param: p, value })
}

/// Reads an `[[intervention]]` into a plan (practices are expanded later, against the
/// scenario); `None` when it has problems.
pub(crate) fn plan_of(ck: &mut Checker, loc: &str, raw: &RawIntervention) -> Option<Plan> {
    let before = ck.problems.len();
    let mut plan = Plan {
        add_authorities: raw
            .add_authority
            .iter()
            .enumerate()
            .map(|(i, a)| (format!("{loc} add_authority #{} \"{}\"", i + 1, a.id), a.clone()))
            .collect(),
        add_channels: raw
            .add_channel
            .iter()
            .enumerate()
            .map(|(i, c)| {
                (
                    format!("{loc} add_channel #{} \"{}->{}\"", i + 1, c.from, c.to),
                    c.clone(),
                )
            })
            .collect(),
        remove_channels: raw.remove_channels.clone(),
        remove_authorities: raw.remove_authorities.clone(),
        changes: Vec::new(),
    };
    for (i, c) in raw.change.iter().enumerate() {
        let at = format!("{loc} change #{}", i + 1);
        if let Some(edits) = edits_of(ck, &at, c) {
            plan.changes.push((
                at,
                Change {
                    select: c.select.clone().unwrap_or_default(),
                    edits,
                    looks_for: None,
                },
            ));
        }
    }
    (ck.problems.len() == before).then_some(plan)
}

/// Applies `plan` to a copy of `base`'s network. Problems go to `ck`, clamping notes to
/// `warnings`; the returned scenario is meaningful only if no problem was added.
pub(crate) fn apply(
    base: &Scenario,
    loc: &str,
    plan: &Plan,
    ck: &mut Checker,
    warnings: &mut Vec<Problem>,
) -> Scenario {
    let mut s = base.network_only();
    let codes: Vec<&str> = s.countries.iter().take(20).map(|c| c.code.as_str()).collect();
    let known_codes = codes.join(", ");
    let country_index: HashMap<String, usize> = s
        .countries
        .iter()
        .enumerate()
        .map(|(i, c)| (c.code.clone(), i))
        .collect();

    // (2) additions
    for (loc, a) in &plan.add_authorities {
        if s.authorities.iter().any(|x| x.id == a.id) {
            ck.bad(loc, "id", "is already an authority id; added authorities need new ids");
        }
        let auth = authority_from_raw(ck, loc, a, &country_index, &known_codes);
        s.authorities.push(auth);
    }
    let authority_index: HashMap<String, usize> = s
        .authorities
        .iter()
        .enumerate()
        .map(|(i, a)| (a.id.clone(), i))
        .collect();
    for (loc, c) in &plan.add_channels {
        let ch = channel_from_raw(ck, loc, c, &authority_index, &s.authorities);
        if s.channels.iter().any(|x| x.id == ch.id) {
            ck.bad(
                loc,
                "id",
                format!(
                    "\"{}\" is already a channel id; give the added channel a distinct `id`",
                    ch.id
                ),
            );
        }
        s.channels.push(ch);
    }

    // (3) removals
    for (key, ids) in [
        ("remove_channels", &plan.remove_channels),
        ("remove_authorities", &plan.remove_authorities),
    ] {
        for (i, id) in ids.iter().enumerate() {
            if ids[..i].contains(id) {
                ck.bad(loc, key, format!("\"{id}\" is listed twice; list each id once"));
            }
        }
    }
    let mut removed: HashSet<&str> = HashSet::new();
    for id in &plan.remove_channels {
        if !removed.insert(id) {
            continue;
        }
        match s.channels.iter().position(|c| &c.id == id) {
            Some(e) => {
                s.channels.remove(e);
            }
            None => ck.bad(
                loc,
                "remove_channels",
                format!("\"{id}\" is not a channel id of the scenario; check the id (`FROM->TO` unless the channel sets one)"),
            ),
        }
    }
    for id in &plan.remove_authorities {
        if !removed.insert(id) {
            continue;
        }
        let Some(a) = s.authorities.iter().position(|x| &x.id == id) else {
            ck.bad(
                loc,
                "remove_authorities",
                format!("\"{id}\" is not an authority id of the scenario; check the id"),
            );
            continue;
        };
        if let Some(c) = s.cohorts.iter().find(|c| c.entry.iter().any(|&(e, _)| e == a)) {
            ck.bad(
                loc,
                "remove_authorities",
                format!(
                    "\"{id}\" is an entry point of cohort \"{}\"; an intervention cannot change where victims are \
                     first met, so keep the authority (e.g. set its identification to 0)",
                    c.name
                ),
            );
            continue;
        }
        remove_authority(&mut s, a);
    }

    // (4) parameter changes
    for (at, change) in &plan.changes {
        apply_change(&mut s, at, change, ck, warnings);
    }
    for auth in unbounded_weights(&s.authorities, &s.channels) {
        ck.bad(
            loc,
            "",
            format!(
                "makes the close weight and channel weights of \"{}\" add up to more than the largest number; \
                 use weights such as 1 and 3",
                auth.id
            ),
        );
    }
    s.warnings = super::graph::ReferralGraph::new(&s).warnings(&s);
    s
}

/// Removes authority `a` and every channel touching it, renumbering the rest.
fn remove_authority(s: &mut Scenario, a: usize) {
    s.channels.retain(|c| c.from != a && c.to != a);
    s.authorities.remove(a);
    let shift = |i: usize| if i > a { i - 1 } else { i };
    for c in &mut s.channels {
        c.from = shift(c.from);
        c.to = shift(c.to);
    }
    for cohort in &mut s.cohorts {
        for (e, _) in &mut cohort.entry {
            *e = shift(*e);
        }
    }
}

/// Checks a selector against the scenario: every named country, kind and id must exist, and
/// only keys that make sense for the target are used.
fn check_selector(ck: &mut Checker, loc: &str, s: &Scenario, sel: &RawSelector, target: Target) -> bool {
    let before = ck.problems.len();
    let countries: HashSet<&str> = s.countries.iter().map(|c| c.code.as_str()).collect();
    let kinds = kind_names();
    let check_codes = |ck: &mut Checker, key: &str, codes: &[String]| {
        for c in codes {
            if !countries.contains(c.as_str()) {
                ck.bad(
                    loc,
                    &format!("select.{key}"),
                    format!("\"{c}\" is not a [[country]] code of this scenario"),
                );
            }
        }
    };
    let channel_only: [(&str, bool); 10] = [
        ("from", sel.from.is_some()),
        ("to", sel.to.is_some()),
        ("from_country", sel.from_country.is_some()),
        ("to_country", sel.to_country.is_some()),
        ("between", sel.between.is_some()),
        ("from_kind", sel.from_kind.is_some()),
        ("to_kind", sel.to_kind.is_some()),
        ("cross_border", sel.cross_border.is_some()),
        ("formal", sel.formal.is_some()),
        ("language_differs", sel.language_differs.is_some()),
    ];
    if target == Target::Authority {
        for (key, given) in channel_only {
            if given {
                ck.bad(
                    loc,
                    &format!("select.{key}"),
                    "selects channels, but the change acts on authority parameters; select authorities by id, \
                     country or kind",
                );
            }
        }
    }
    for (key, v) in [
        ("from_country", &sel.from_country),
        ("to_country", &sel.to_country),
        ("country", &sel.country),
    ] {
        if let Some(v) = v {
            check_codes(ck, key, v.items());
        }
    }
    if let Some(b) = &sel.between {
        if b.len() != 2 || b[0] == b[1] {
            ck.bad(
                loc,
                "select.between",
                "must name two different countries, e.g. between = [\"MLI\", \"CIV\"]",
            );
        }
        check_codes(ck, "between", b);
    }
    for (key, v) in [
        ("kind", &sel.kind),
        ("from_kind", &sel.from_kind),
        ("to_kind", &sel.to_kind),
    ] {
        if let Some(v) = v {
            for k in v.items() {
                ck.one_of(loc, &format!("select.{key}"), k, &kinds);
            }
        }
    }
    let authority_ids: HashSet<&str> = s.authorities.iter().map(|a| a.id.as_str()).collect();
    for (key, v) in [("from", &sel.from), ("to", &sel.to)] {
        if let Some(v) = v {
            for id in v.items() {
                if !authority_ids.contains(id.as_str()) {
                    ck.bad(
                        loc,
                        &format!("select.{key}"),
                        format!("\"{id}\" is not an authority id of this scenario"),
                    );
                }
            }
        }
    }
    if let Some(ids) = &sel.id {
        for id in ids.items() {
            let known = match target {
                Target::Authority => authority_ids.contains(id.as_str()),
                Target::Channel => s.channels.iter().any(|c| &c.id == id),
            };
            if !known {
                let what = if target == Target::Authority {
                    "an authority"
                } else {
                    "a channel"
                };
                ck.bad(
                    loc,
                    "select.id",
                    format!(
                        "\"{id}\" is not {what} id of this scenario (after the intervention's additions and removals)"
                    ),
                );
            }
        }
    }
    ck.problems.len() == before
}

fn any_of(list: &Option<super::raw::OneOrMany>, v: &str) -> bool {
    list.as_ref().is_none_or(|l| l.items().iter().any(|x| x == v))
}

/// Whether channel `c` matches every key of `sel`.
pub(crate) fn channel_matches(s: &Scenario, sel: &RawSelector, c: &Channel) -> bool {
    let (fa, ta) = (&s.authorities[c.from], &s.authorities[c.to]);
    let (fc, tc) = (&s.countries[fa.country], &s.countries[ta.country]);
    let either = |list: &Option<super::raw::OneOrMany>, a: &str, b: &str| {
        list.as_ref().is_none_or(|l| l.items().iter().any(|x| x == a || x == b))
    };
    any_of(&sel.id, &c.id)
        && any_of(&sel.from, &fa.id)
        && any_of(&sel.to, &ta.id)
        && any_of(&sel.from_country, &fc.code)
        && any_of(&sel.to_country, &tc.code)
        && sel.between.as_ref().is_none_or(|b| {
            b.len() == 2 && ((fc.code == b[0] && tc.code == b[1]) || (fc.code == b[1] && tc.code == b[0]))
        })
        && either(&sel.country, &fc.code, &tc.code)
        && either(&sel.kind, fa.kind.name(), ta.kind.name())
        && any_of(&sel.from_kind, fa.kind.name())
        && any_of(&sel.to_kind, ta.kind.name())
        && sel.cross_border.is_none_or(|x| x == c.cross_border)
        && sel.formal.is_none_or(|x| x == c.formal)
        && sel.language_differs.is_none_or(|x| {
            let differs = !fc.languages.iter().any(|l| tc.languages.contains(l));
            x == differs
        })
}

/// Whether authority `a` matches every key of `sel` (only `id`, `country`, `kind` apply).
pub(crate) fn authority_matches(s: &Scenario, sel: &RawSelector, a: &Authority) -> bool {
    any_of(&sel.id, &a.id) && any_of(&sel.country, &s.countries[a.country].code) && any_of(&sel.kind, a.kind.name())
}

/// Counts of what an edit did, for one warning per edit instead of one per channel.
#[derive(Default)]
struct Notes {
    clamped: usize,
    example: Option<(String, f64, f64)>,
    skipped: usize,
}

fn apply_change(s: &mut Scenario, loc: &str, change: &Change, ck: &mut Checker, warnings: &mut Vec<Problem>) {
    let target = change.edits[0].param.target();
    if !check_selector(ck, loc, s, &change.select, target) {
        return;
    }
    let selected: Vec<usize> = match target {
        Target::Channel => (0..s.channels.len())
            .filter(|&e| channel_matches(s, &change.select, &s.channels[e]))
            .collect(),
        Target::Authority => (0..s.authorities.len())
            .filter(|&a| authority_matches(s, &change.select, &s.authorities[a]))
            .collect(),
    };
    if selected.is_empty() {
        let what = if target == Target::Channel {
            "channel"
        } else {
            "authority"
        };
        match &change.looks_for {
            Some(looks_for) => ck.bad(
                loc,
                "",
                format!("finds no {looks_for} in the scenario: nothing to act on"),
            ),
            None => ck.bad(
                loc,
                "select",
                format!("selects no {what}; check the selector's countries, kinds and ids (every key must match)"),
            ),
        }
        return;
    }
    for edit in &change.edits {
        let mut notes = Notes::default();
        for &i in &selected {
            let (id, old) = match target {
                Target::Channel => (&s.channels[i].id, channel_value(&s.channels[i], edit.param)),
                Target::Authority => (
                    &s.authorities[i].id,
                    Some(authority_value(&s.authorities[i], edit.param)),
                ),
            };
            let id = id.clone();
            if edit.param == Param::Delay {
                let c = &mut s.channels[i];
                let (scaled, clamped) = scale_delay(c.delay, edit.value);
                c.delay = scaled;
                if let Some(raw) = clamped {
                    notes.clamped += 1;
                    notes.example.get_or_insert((id, raw, MAX_DELAY_DAYS));
                }
                continue;
            }
            let Some(old) = old else {
                notes.skipped += 1;
                continue;
            };
            let raw = edit.op.combine(old, edit.value);
            let (lo, hi, open) = edit.param.range();
            let mut new = raw.clamp(lo, hi);
            if edit.param == Param::Retries {
                new = new.round();
            }
            if open && new <= lo {
                ck.bad(
                    loc,
                    &format!("{}.{}", edit.op.name(), edit.param.name()),
                    format!(
                        "makes {} of \"{id}\" {raw}, and it must stay > {lo}{}",
                        edit.param.name(),
                        if edit.param == Param::Weight {
                            "; to cut a channel, use remove_channels"
                        } else {
                            ""
                        }
                    ),
                );
                continue;
            }
            if new != raw {
                notes.clamped += 1;
                notes.example.get_or_insert((id.clone(), raw, new));
            }
            match target {
                Target::Channel => set_channel_value(&mut s.channels[i], edit.param, new),
                Target::Authority => set_authority_value(&mut s.authorities[i], edit.param, new),
            }
        }
        let key = format!("{}.{}", edit.op.name(), edit.param.name());
        if notes.skipped == selected.len() {
            ck.bad(
                loc,
                &key,
                format!(
                    "none of the {} selected channels has a delay law with `{}`; select channels whose delay has \
                     it, or scale the whole delay with `scale = {{ delay = ... }}`",
                    selected.len(),
                    edit.param.name().trim_start_matches("delay.")
                ),
            );
        } else if notes.skipped > 0 {
            warnings.push(Problem::new(
                format!("{loc} {key}"),
                format!(
                    "skipped {} of {} selected channels whose delay law has no `{}`",
                    notes.skipped,
                    selected.len(),
                    edit.param.name().trim_start_matches("delay.")
                ),
            ));
        }
        if let Some((id, raw, new)) = notes.example {
            warnings.push(Problem::new(
                format!("{loc} {key}"),
                format!(
                    "clamped {} value(s) to the valid range ({}), e.g. \"{id}\": {raw} -> {new}",
                    notes.clamped,
                    edit.param.describe_range()
                ),
            ));
        }
    }
    // Delay laws are checked once every edit of the change is applied, so that `delay.min` and
    // `delay.max` may move together.
    if target == Target::Channel {
        for &i in &selected {
            if let Err(msg) = s.channels[i].delay.check() {
                ck.bad(
                    loc,
                    "",
                    format!("leaves channel \"{}\" with an invalid delay: {msg}", s.channels[i].id),
                );
            }
        }
    }
}

/// Multiplies every time parameter of a delay law by `f`; the first value that had to be clamped
/// to the largest allowed delay, if any. (A law the scaling makes invalid otherwise, such as a
/// lognormal median of 0, is caught by the check at the end of the change.)
fn scale_delay(d: Delay, f: f64) -> (Delay, Option<f64>) {
    let mut clamped = None;
    let mut t = |x: f64| {
        let y = x * f;
        if y > MAX_DELAY_DAYS {
            clamped.get_or_insert(y);
            MAX_DELAY_DAYS
        } else {
            y
        }
    };
    let scaled = match d {
        Delay::Fixed(x) => Delay::Fixed(t(x)),
        Delay::Exponential { mean } => Delay::Exponential { mean: t(mean) },
        Delay::Gamma { mean, shape } => Delay::Gamma { mean: t(mean), shape },
        Delay::LogNormal { median, sigma } => Delay::LogNormal {
            median: t(median),
            sigma,
        },
        Delay::Uniform { min, max } => Delay::Uniform {
            min: t(min),
            max: t(max),
        },
    };
    (scaled, clamped)
}

/// The current value of a channel parameter; `None` for a delay field the law does not have.
pub(crate) fn channel_value(c: &Channel, p: Param) -> Option<f64> {
    Some(match (p, c.delay) {
        (Param::Quality, _) => c.quality,
        (Param::Fidelity, _) => c.fidelity,
        (Param::Weight, _) => c.weight,
        (Param::Retries, _) => f64::from(c.retries),
        (Param::DelayFixed, Delay::Fixed(d)) => d,
        (Param::DelayMean, Delay::Exponential { mean } | Delay::Gamma { mean, .. }) => mean,
        (Param::DelayShape, Delay::Gamma { shape, .. }) => shape,
        (Param::DelayMedian, Delay::LogNormal { median, .. }) => median,
        (Param::DelaySigma, Delay::LogNormal { sigma, .. }) => sigma,
        (Param::DelayMin, Delay::Uniform { min, .. }) => min,
        (Param::DelayMax, Delay::Uniform { max, .. }) => max,
        _ => return None,
    })
}

fn set_channel_value(c: &mut Channel, p: Param, v: f64) {
    match (p, &mut c.delay) {
        (Param::Quality, _) => c.quality = v,
        (Param::Fidelity, _) => c.fidelity = v,
        (Param::Weight, _) => c.weight = v,
        (Param::Retries, _) => c.retries = v as u32,
        (Param::DelayFixed, Delay::Fixed(d)) => *d = v,
        (Param::DelayMean, Delay::Exponential { mean } | Delay::Gamma { mean, .. }) => *mean = v,
        (Param::DelayShape, Delay::Gamma { shape, .. }) => *shape = v,
        (Param::DelayMedian, Delay::LogNormal { median, .. }) => *median = v,
        (Param::DelaySigma, Delay::LogNormal { sigma, .. }) => *sigma = v,
        (Param::DelayMin, Delay::Uniform { min, .. }) => *min = v,
        (Param::DelayMax, Delay::Uniform { max, .. }) => *max = v,
        _ => {}
    }
}

fn authority_value(a: &Authority, p: Param) -> f64 {
    match p {
        Param::Identification => a.identification,
        Param::AssistIncomplete => a.assist_incomplete,
        Param::DropoutPerDay => a.dropout_per_day,
        _ => a.close,
    }
}

fn set_authority_value(a: &mut Authority, p: Param, v: f64) {
    match p {
        Param::Identification => a.identification = v,
        Param::AssistIncomplete => a.assist_incomplete = v,
        Param::DropoutPerDay => a.dropout_per_day = v,
        _ => a.close = v,
    }
}

/// Builds the variants of `[[intervention]]` and `[[sweep]]` tables on top of `base`. Names
/// must be unique among themselves, among `existing` variants and differ from `baseline`.
/// Problems go to `ck`; clamping notes and structural warnings new in a variant go to `warnings`.
pub(crate) fn build_variants(
    base: &Scenario,
    interventions: &[RawIntervention],
    sweeps: &[super::raw::RawSweep],
    designs: &HashMap<String, Vec<u8>>,
    existing: &[Variant],
    ck: &mut Checker,
    warnings: &mut Vec<Problem>,
) -> Vec<Variant> {
    let mut out: Vec<Variant> = Vec::new();
    let mut names: HashSet<String> = existing.iter().map(|v| v.name.clone()).collect();
    names.insert(BASELINE.to_owned());
    let mut unique = |ck: &mut Checker, loc: &str, name: &str| {
        if name.trim().is_empty() {
            ck.bad(
                loc,
                "name",
                "is empty; give every intervention a name (it names the variant in every table)",
            );
        } else if !names.insert(name.to_owned()) {
            ck.bad(
                loc,
                "name",
                format!(
                    "\"{name}\" is already the name of a variant (or \"{BASELINE}\"); variant names must be unique"
                ),
            );
        }
    };
    for (i, raw) in interventions.iter().enumerate() {
        let loc = format!("[[intervention]] #{} \"{}\"", i + 1, raw.name);
        unique(ck, &loc, &raw.name);
        let before = ck.problems.len();
        let mut plan = Plan::default();
        for (k, p) in raw.practices.iter().enumerate() {
            super::toolbox::expand(ck, &format!("{loc} practices #{}", k + 1), base, p, &mut plan);
        }
        let Some(own) = plan_of(ck, &loc, raw) else { continue };
        plan.add_authorities.extend(own.add_authorities);
        plan.add_channels.extend(own.add_channels);
        plan.remove_channels = own.remove_channels;
        plan.remove_authorities = own.remove_authorities;
        plan.changes.extend(own.changes);
        if plan.changes.is_empty()
            && plan.add_authorities.is_empty()
            && plan.add_channels.is_empty()
            && plan.remove_channels.is_empty()
            && plan.remove_authorities.is_empty()
            && ck.problems.len() == before
        {
            ck.bad(
                &loc,
                "",
                "changes nothing; give it practices, [[intervention.change]] tables, additions or removals",
            );
        }
        if ck.problems.len() > before {
            continue;
        }
        let scenario = variant_scenario(base, &loc, &plan, ck, warnings);
        out.push(Variant {
            name: raw.name.clone(),
            kind: VariantKind::Intervention,
            description: raw.description.clone().unwrap_or_default(),
            scenario,
        });
    }
    for (i, raw) in sweeps.iter().enumerate() {
        let loc = format!("[[sweep]] #{} \"{}\"", i + 1, raw.name);
        for point in super::sweep::expand(ck, &loc, raw, base.seed, designs) {
            unique(ck, &loc, &point.name);
            let plan = Plan {
                changes: point.changes,
                ..Plan::default()
            };
            let scenario = variant_scenario(base, &format!("{loc} point \"{}\"", point.name), &plan, ck, warnings);
            out.push(Variant {
                name: point.name,
                kind: VariantKind::SweepPoint {
                    sweep: raw.name.trim().to_owned(),
                    values: point.values,
                },
                description: raw.description.clone().unwrap_or_default(),
                scenario,
            });
        }
    }
    out
}

/// Applies a plan and reports the structural warnings the variant has and the baseline has not.
fn variant_scenario(
    base: &Scenario,
    loc: &str,
    plan: &Plan,
    ck: &mut Checker,
    warnings: &mut Vec<Problem>,
) -> Scenario {
    let s = apply(base, loc, plan, ck, warnings);
    for w in &s.warnings {
        if !base.warnings.contains(w) {
            warnings.push(Problem::new(format!("{loc}: {}", w.location), w.message.clone()));
        }
    }
    s
}
