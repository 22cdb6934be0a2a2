//! Interventions: named lists of changes applied on top of the baseline network, producing the
//! network of one variant (docs/MODEL.md, "Comparisons, sweeps, interventions").
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

use crate::error::Problem;
use crate::scenario::Country;
use crate::scenario::Scenario;
use crate::scenario::check::Checker;
use crate::scenario::edit::apply::Change;
use crate::scenario::graph::ReferralGraph;
use crate::scenario::raw::{RawAuthority, RawChannel, RawIntervention, RawPractice};
use crate::scenario::records::{authority_from_raw, channel_from_raw, known_codes, unbounded_weights};

/// An intervention read from a file, not yet applied.
#[derive(Debug, Clone, Default)]
pub(crate) struct Plan {
    pub add_authorities: Vec<(String, RawAuthority)>,
    pub add_channels: Vec<(String, RawChannel)>,
    pub remove_channels: Vec<String>,
    pub remove_authorities: Vec<String>,
    /// `(location, change)`, in application order.
    pub changes: Vec<(String, Change)>,
    /// The toolbox practices of an intervention made of practices alone (nothing else), as
    /// written: what `refgap transfer` may carry to other contexts ([`super::transfer`]).
    pub practices: Vec<RawPractice>,
}

/// Reads an `[[intervention]]` into a plan (practices are expanded later, against the
/// scenario); `None` when it has problems.
pub(crate) fn plan_of(ck: &mut Checker, loc: &str, raw: &RawIntervention, countries: &[Country]) -> Option<Plan> {
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
        practices: Vec::new(),
    };
    for (i, c) in raw.change.iter().enumerate() {
        let at = format!("{loc} change #{}", i + 1);
        if let Some(change) = Change::read(ck, &at, c, countries) {
            plan.changes.push((at, change));
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
    let known_codes = known_codes(&s.countries);
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
    // Channel ids and authority ids are separate namespaces: an authority may share its id
    // with a channel, and removing both must remove both.
    let (mut removed_channels, mut removed_authorities): (HashSet<&str>, HashSet<&str>) = Default::default();
    for id in &plan.remove_channels {
        if !removed_channels.insert(id) {
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
        if !removed_authorities.insert(id) {
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
        change.apply(&mut s, at, ck, warnings);
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
    s.warnings = ReferralGraph::new(&s).warnings(&s);
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
