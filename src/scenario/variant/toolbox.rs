//! The toolbox: named practices from the assessment that expand into ordinary changes.
//!
//! Each practice is a shorthand for changes a user could write by hand (the expansion is the
//! whole definition; nothing here has effects of its own), with defaults stated below and in
//! the README. Their basis in `docs/SOURCES.md` (cited by section, "SOURCES §1.3"):
//!
//! | practice | expands into | basis |
//! |---|---|---|
//! | `bilateral_agreement` | cross-border channels between two countries, either direction: `at_least` quality (0.8), `scale` delay (0.5) | bilateral agreements and joint commissions on child trafficking (MLI–CIV, MLI–SEN, MLI–BFA, BFA–CIV, BEN–NGA), SOURCES §1.3, §1.5 |
//! | `standard_forms` | selected channels (default all): `at_least` fidelity (0.95) | standard referral forms / SOPs, SOURCES §1.5 |
//! | `focal_points` | a new formal channel between the coordination bodies of every ordered pair of the listed countries that has none (quality 0.7, gamma delay mean 14 days shape 2, fidelity 0.9) | RNNI-TIP focal-point network, SOURCES §1.3 |
//! | `training` | authorities of the listed kinds (default police, border, labour) in the listed countries (default all): `add` identification (0.1), clamped at 1 | training of first responders, SOURCES §1.5 |
//! | `nrm_adoption` | in-country channels of the listed countries: `at_least` quality (0.8) | national referral mechanisms adopted after 2020, SOURCES §1.3 |
//! | `regional_adviser` | a regional technical adviser linking the coordination bodies of the listed countries (default: all with one): a new formal channel between the coordination bodies of every ordered pair that has none (quality 0.7, gamma delay mean 28 days shape 2, fidelity 0.9), existing ones `at_least` quality 0.7, and every cross-border channel between two of the countries `at_least` fidelity 0.9 | the French South-East Europe adviser post of the 2014 evaluation, SOURCES §5 [F1, F3], with §6.3 and §6.4 [C1–C5] for the channel's level and duration |
//!
//! **Practices never change movements.** Every channel selector of a practice carries
//! `movement = false`: a channel marked `movement = true` is the victim's own journey (a
//! crossing, a transit), which no agreement, form or focal point improves.

use super::intervention::Plan;
use crate::scenario::check::Checker;
use crate::scenario::edit::apply::Change;
use crate::scenario::edit::change::{Edit, Op, Param, Target};
use crate::scenario::edit::selector::Selector;
use crate::scenario::raw::{RawChannel, RawDelay, RawPractice};
use crate::scenario::records::kind_names;
use crate::scenario::{AuthorityKind, Scenario};

/// `bilateral_agreement` quality floor when not given.
pub const AGREEMENT_QUALITY: f64 = 0.8;
/// `bilateral_agreement` delay factor when not given.
pub const AGREEMENT_DELAY_SCALE: f64 = 0.5;
/// `standard_forms` fidelity floor when not given.
pub const FORMS_FIDELITY: f64 = 0.95;
/// `focal_points` channel quality when not given.
pub const FOCAL_QUALITY: f64 = 0.7;
/// `focal_points` channel fidelity when not given.
pub const FOCAL_FIDELITY: f64 = 0.9;
/// `focal_points` delay (gamma mean, shape) when not given.
pub const FOCAL_DELAY: (f64, f64) = (14.0, 2.0);
/// `training` identification gain when not given.
pub const TRAINING_GAIN: f64 = 0.1;
/// `training` kinds when not given: first responders.
pub const TRAINING_KINDS: [AuthorityKind; 3] = [AuthorityKind::Police, AuthorityKind::Border, AuthorityKind::Labour];
/// `nrm_adoption` in-country quality floor when not given.
pub const NRM_QUALITY: f64 = 0.8;
/// `regional_adviser` quality of the coordination links when not given: "medium", the level of
/// a formal bilateral channel (SOURCES §6.3), as for focal points.
pub const ADVISER_QUALITY: f64 = 0.7;
/// `regional_adviser` cross-border fidelity floor (and new links' fidelity) when not given: a
/// shared procedure short of a full standard form (0.95).
pub const ADVISER_FIDELITY: f64 = 0.9;
/// `regional_adviser` delay of a new link (gamma mean, shape) when not given: four weeks, the
/// short end of the 4–7 weeks of the observed cross-border cases (SOURCES §6.3, §6.4, sources C1–C5),
/// since the adviser works through embassies and attachés (SOURCES §5, source F3).
pub const ADVISER_DELAY: (f64, f64) = (28.0, 2.0);

/// A practice's edit, its value checked as if the user had written it (at the practice's key).
fn edit(ck: &mut Checker, loc: &str, key: &str, op: Op, param: Param, value: f64) -> Option<Edit> {
    Edit::new(op, param, value).map_err(|msg| ck.bad(loc, key, msg)).ok()
}

/// The indices of the countries `codes` names; `None` when one is unknown.
fn known_countries(ck: &mut Checker, loc: &str, s: &Scenario, codes: &[String]) -> Option<Vec<usize>> {
    let mut out = Vec::new();
    for c in codes {
        match s.countries.iter().position(|x| &x.code == c) {
            Some(i) => out.push(i),
            None => ck.bad(
                loc,
                "countries",
                format!("\"{c}\" is not a [[country]] code of this scenario"),
            ),
        }
    }
    (out.len() == codes.len()).then_some(out)
}

/// Adds the changes (and added channels) of practice `p` to `plan`.
pub(crate) fn expand(ck: &mut Checker, loc: &str, s: &Scenario, p: &RawPractice, plan: &mut Plan) {
    match p {
        RawPractice::BilateralAgreement {
            countries,
            quality,
            delay_scale,
        } => {
            if countries.len() != 2 || countries[0] == countries[1] {
                ck.bad(
                    loc,
                    "countries",
                    "must name the two countries of the agreement, e.g. countries = [\"MLI\", \"CIV\"]",
                );
                return;
            }
            let Some(ends) = known_countries(ck, loc, s, countries) else {
                return;
            };
            let q = edit(
                ck,
                loc,
                "quality",
                Op::AtLeast,
                Param::Quality,
                quality.unwrap_or(AGREEMENT_QUALITY),
            );
            let d = edit(
                ck,
                loc,
                "delay_scale",
                Op::Scale,
                Param::Delay,
                delay_scale.unwrap_or(AGREEMENT_DELAY_SCALE),
            );
            if let (Some(q), Some(d)) = (q, d) {
                let select = Selector::all(Target::Channel)
                    .between(ends[0], ends[1])
                    .crossing_border(true)
                    .movements(false);
                let looks_for = Some(format!(
                    "cross-border channel between {} and {}",
                    countries[0], countries[1]
                ));
                plan.changes
                    .push((loc.to_owned(), Change::new(select, vec![q, d], looks_for)));
            }
        }
        RawPractice::StandardForms { fidelity, select } => {
            if let Some(f) = edit(
                ck,
                loc,
                "fidelity",
                Op::AtLeast,
                Param::Fidelity,
                fidelity.unwrap_or(FORMS_FIDELITY),
            ) {
                if select.as_ref().is_some_and(|raw| raw.movement == Some(true)) {
                    ck.bad(
                        loc,
                        "select.movement",
                        "practices never change movements; remove `movement = true` (write a [[intervention.change]] \
                         to change a movement)",
                    );
                }
                let select = match select {
                    Some(raw) => Selector::parse(ck, loc, raw, Target::Channel, &s.countries),
                    None => Some(Selector::all(Target::Channel)),
                };
                if let Some(select) = select.map(|x| x.movements(false)) {
                    plan.changes.push((loc.to_owned(), Change::new(select, vec![f], None)));
                }
            }
        }
        RawPractice::FocalPoints {
            countries,
            quality,
            delay,
            fidelity,
        } => {
            let coordination = |code: &str| {
                s.authorities
                    .iter()
                    .find(|a| a.kind == AuthorityKind::Coordination && s.countries[a.country].code == code)
            };
            let codes: Vec<String> = match countries {
                Some(c) => {
                    if known_countries(ck, loc, s, c).is_none() {
                        return;
                    }
                    for code in c {
                        if coordination(code).is_none() {
                            ck.bad(
                                loc,
                                "countries",
                                format!(
                                    "\"{code}\" has no authority of kind \"coordination\"; add one to the scenario \
                                     (practices see the baseline network, not the intervention's additions) or leave \
                                     the country out"
                                ),
                            );
                        }
                    }
                    c.clone()
                }
                None => s
                    .countries
                    .iter()
                    .filter(|c| coordination(&c.code).is_some())
                    .map(|c| c.code.clone())
                    .collect(),
            };
            if codes.len() < 2 {
                ck.bad(
                    loc,
                    "countries",
                    "a focal-point network needs at least two countries with a coordination authority",
                );
                return;
            }
            for a in &codes {
                for b in &codes {
                    let (Some(from), Some(to)) = (coordination(a), coordination(b)) else {
                        continue;
                    };
                    if a == b
                        || s.channels
                            .iter()
                            .any(|c| s.authorities[c.from].id == from.id && s.authorities[c.to].id == to.id)
                    {
                        continue;
                    }
                    let (mean, shape) = FOCAL_DELAY;
                    plan.add_channels.push((
                        format!("{loc} channel \"{}->{}\"", from.id, to.id),
                        RawChannel {
                            id: None,
                            from: from.id.clone(),
                            to: to.id.clone(),
                            quality: Some(quality.unwrap_or(FOCAL_QUALITY)),
                            delay: Some(delay.clone().unwrap_or(RawDelay::Gamma { mean, shape })),
                            fidelity: Some(fidelity.unwrap_or(FOCAL_FIDELITY)),
                            weight: None,
                            retries: None,
                            when: None,
                            any_origin: None,
                            formal: Some(true),
                            movement: None,
                        },
                    ));
                }
            }
        }
        RawPractice::Training {
            countries,
            kinds,
            identification_gain,
        } => {
            let mut select = Selector::all(Target::Authority);
            if let Some(c) = countries {
                let Some(c) = known_countries(ck, loc, s, c) else {
                    return;
                };
                select = select.in_countries(c);
            }
            let gain = identification_gain.unwrap_or(TRAINING_GAIN);
            if let Some(e) = edit(ck, loc, "identification_gain", Op::Add, Param::Identification, gain) {
                let kinds = match kinds {
                    Some(names) => {
                        let before = ck.problems.len();
                        let table = kind_names();
                        let kinds: Vec<AuthorityKind> = names
                            .iter()
                            .filter_map(|k| ck.one_of(loc, "kinds", k, &table))
                            .collect();
                        if ck.problems.len() > before {
                            return;
                        }
                        kinds
                    }
                    None => TRAINING_KINDS.to_vec(),
                };
                let looks_for = Some("authority of the kinds to train in those countries".to_owned());
                plan.changes
                    .push((loc.to_owned(), Change::new(select.of_kinds(kinds), vec![e], looks_for)));
            }
        }
        RawPractice::NrmAdoption { countries, quality } => {
            if countries.is_empty() {
                ck.bad(
                    loc,
                    "countries",
                    "is empty; list the countries that adopt a national referral mechanism",
                );
                return;
            }
            let Some(indices) = known_countries(ck, loc, s, countries) else {
                return;
            };
            if let Some(e) = edit(
                ck,
                loc,
                "quality",
                Op::AtLeast,
                Param::Quality,
                quality.unwrap_or(NRM_QUALITY),
            ) {
                let select = Selector::all(Target::Channel)
                    .in_countries(indices)
                    .crossing_border(false)
                    .movements(false);
                let looks_for = Some(format!("in-country channel in {}", countries.join(", ")));
                plan.changes
                    .push((loc.to_owned(), Change::new(select, vec![e], looks_for)));
            }
        }
        RawPractice::RegionalAdviser { .. } => expand_adviser(ck, loc, s, p, plan),
    }
}

/// `regional_adviser`: links between the coordination bodies of the countries (added where
/// missing, lifted where present), and the fidelity of every cross-border channel among them.
fn expand_adviser(ck: &mut Checker, loc: &str, s: &Scenario, p: &RawPractice, plan: &mut Plan) {
    let RawPractice::RegionalAdviser {
        countries,
        quality,
        delay,
        fidelity,
    } = p
    else {
        return;
    };
    let coordination = |c: usize| {
        s.authorities
            .iter()
            .position(|a| a.kind == AuthorityKind::Coordination && a.country == c)
    };
    let indices: Vec<usize> = match countries {
        Some(codes) => {
            let Some(indices) = known_countries(ck, loc, s, codes) else {
                return;
            };
            for (&c, code) in indices.iter().zip(codes) {
                if coordination(c).is_none() {
                    ck.bad(
                        loc,
                        "countries",
                        format!(
                            "\"{code}\" has no authority of kind \"coordination\" for the adviser to link; add one to \
                             the scenario or leave the country out"
                        ),
                    );
                }
            }
            indices
        }
        None => (0..s.countries.len()).filter(|&c| coordination(c).is_some()).collect(),
    };
    let mut unique = indices.clone();
    unique.sort_unstable();
    unique.dedup();
    if unique.len() < 2 || unique.len() != indices.len() {
        ck.bad(
            loc,
            "countries",
            "a regional adviser links at least two distinct countries with a coordination authority",
        );
        return;
    }
    let q = quality.unwrap_or(ADVISER_QUALITY);
    let f = fidelity.unwrap_or(ADVISER_FIDELITY);
    let (Some(lift), Some(file)) = (
        edit(ck, loc, "quality", Op::AtLeast, Param::Quality, q),
        edit(ck, loc, "fidelity", Op::AtLeast, Param::Fidelity, f),
    ) else {
        return;
    };
    let bodies: Vec<usize> = indices.iter().filter_map(|&c| coordination(c)).collect();
    let ids: Vec<String> = bodies.iter().map(|&a| s.authorities[a].id.clone()).collect();
    let existing = |from: usize, to: usize| s.channels.iter().any(|c| c.from == from && c.to == to);
    if bodies.iter().any(|&a| bodies.iter().any(|&b| a != b && existing(a, b))) {
        let select = Selector::all(Target::Channel)
            .within(indices.clone())
            .linking(AuthorityKind::Coordination)
            .crossing_border(true)
            .movements(false);
        plan.changes
            .push((loc.to_owned(), Change::new(select, vec![lift], None)));
    }
    let (mean, shape) = ADVISER_DELAY;
    for (&a, from) in bodies.iter().zip(&ids) {
        for (&b, to) in bodies.iter().zip(&ids) {
            if a == b || existing(a, b) {
                continue;
            }
            plan.add_channels.push((
                format!("{loc} channel \"{from}->{to}\""),
                RawChannel {
                    id: None,
                    from: from.clone(),
                    to: to.clone(),
                    quality: Some(q),
                    delay: Some(delay.clone().unwrap_or(RawDelay::Gamma { mean, shape })),
                    fidelity: Some(f),
                    weight: None,
                    retries: None,
                    when: None,
                    any_origin: None,
                    formal: Some(true),
                    movement: None,
                },
            ));
        }
    }
    let select = Selector::all(Target::Channel)
        .within(indices)
        .crossing_border(true)
        .movements(false);
    let looks_for = Some("cross-border channel between two of the adviser's countries".to_owned());
    plan.changes
        .push((loc.to_owned(), Change::new(select, vec![file], looks_for)));
}
