//! Variants of the baseline: interventions (with their toolbox practices) and sweep points,
//! each turned into a whole network validated with the baseline's rules.
//!
//! [`intervention`] reads an `[[intervention]]` into a plan (additions, removals, changes) and
//! applies it; [`toolbox`] expands named practices into the same plan; [`sweep`] expands a
//! `[[sweep]]` into points, each a list of one-edit changes. All of them state their edits in
//! the vocabulary of [`super::edit`]. Dependencies run one way: `toolbox` -> `intervention`;
//! this module calls all three; none calls back. [`transfer`] makes toolbox practices (and
//! interventions made of them) in each country or pair of countries, through `toolbox` and
//! `intervention`, for `refgap transfer`.
//!
//! **Why under `scenario` and not a top-level `variant` module.** A [`Scenario`] owns its
//! variants: [`Scenario::load`] returns them, an invalid one makes the file invalid with the
//! same located problems as the baseline tables, and a variant's network is a [`Scenario`]
//! built with the scenario's private constructor and record rules (`records`). A
//! top-level module would need the scenario to call up into it (a cycle) or the loader to move
//! above the scenario type; as a child of `scenario` it uses the parent's types and its siblings
//! (`check`, `records`, `graph`, `edit`) and is used only by the parent's loader.

pub mod design;
pub mod factor;
pub mod intervention;
pub mod sweep;
pub mod toolbox;
pub mod transfer;

use std::collections::{HashMap, HashSet};

use self::intervention::{Plan, plan_of};
use super::check::Checker;
use super::raw::{RawIntervention, RawSweep};
use super::{BASELINE, Scenario, Variant, VariantKind};
use crate::error::Problem;

/// Builds the variants of `[[intervention]]` and `[[sweep]]` tables on top of `base`. Names
/// must be unique among themselves, among `existing` variants and differ from `baseline`.
/// Problems go to `ck`; clamping notes and structural warnings new in a variant go to `warnings`.
pub(crate) fn build_variants(
    base: &Scenario,
    interventions: &[RawIntervention],
    sweeps: &[RawSweep],
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
            toolbox::expand(ck, &format!("{loc} practices #{}", k + 1), base, p, &mut plan);
        }
        let Some(own) = plan_of(ck, &loc, raw, &base.countries) else {
            continue;
        };
        if own.changes.is_empty()
            && own.add_authorities.is_empty()
            && own.add_channels.is_empty()
            && own.remove_channels.is_empty()
            && own.remove_authorities.is_empty()
        {
            plan.practices = raw.practices.clone();
        }
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
            plan: Some(plan),
        });
    }
    for (i, raw) in sweeps.iter().enumerate() {
        let loc = format!("[[sweep]] #{} \"{}\"", i + 1, raw.name);
        for point in sweep::expand(ck, &loc, raw, base, designs) {
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
                plan: None,
            });
        }
    }
    out
}

/// Applies a plan and reports the structural warnings the variant has and the baseline has not.
pub(crate) fn variant_scenario(
    base: &Scenario,
    loc: &str,
    plan: &Plan,
    ck: &mut Checker,
    warnings: &mut Vec<Problem>,
) -> Scenario {
    let s = intervention::apply(base, loc, plan, ck, warnings);
    for w in &s.warnings {
        if !base.warnings.contains(w) {
            warnings.push(Problem::new(format!("{loc}: {}", w.location), w.message.clone()));
        }
    }
    s
}
