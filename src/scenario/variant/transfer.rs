//! Which practice transfers where (`refgap transfer`): the practices that can be carried to
//! another context, the contexts of a scenario, and each practice made in each context alone,
//! on top of the baseline.
//!
//! A **practice** is a toolbox practice with its defaults ([`TOOLBOX`]), or one of the
//! scenario's own interventions written as toolbox practices alone, all of one kind with the
//! same parameters (e.g. `training` of labour inspectors with a gain of 0.1 in sixteen
//! countries): its parameters are kept and its countries replaced by the context's.
//! A practice's **scope** is where it naturally applies: one country (`nrm_adoption`,
//! `training`, `standard_forms` restricted to the files the country's authorities send), or a
//! pair of countries (`bilateral_agreement`, `focal_points`, `regional_adviser`).
//!
//! A **context** is a country, or a pair of countries that at least one cohort crosses between:
//! a cohort whose origin is one of them and which enters in the other, or which can reach an
//! eligible cross-border channel between them. [`Contexts`] chooses which practice goes where.
//!
//! A practice made in a context is expanded by the toolbox exactly as the same practice written
//! in an `[[intervention]]` with those countries would be (`toolbox::expand`, then
//! `intervention::apply`), so a cell of the matrix *is* that intervention. A context
//! where the expansion finds nothing to act on (no cross-border channel between the two
//! countries, no coordination authority) or where the result is the baseline itself (every
//! quality already above the floor) is a cell that does not apply: kept, with its reason.

use std::collections::BTreeSet;

use super::intervention::{self, Plan};
use super::toolbox;
use crate::error::{Error, Result};
use crate::scenario::Scenario;
use crate::scenario::check::Checker;
use crate::scenario::graph::ReferralGraph;
use crate::scenario::raw::{OneOrMany, RawPractice};

/// The toolbox practices, in the order `refgap transfer` lists them.
pub const TOOLBOX: [&str; 6] = [
    "nrm_adoption",
    "training",
    "standard_forms",
    "bilateral_agreement",
    "focal_points",
    "regional_adviser",
];

/// Where a practice naturally applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// One country's authorities.
    Country,
    /// The link between two countries.
    Pair,
}

impl Scope {
    /// `country` or `pair`.
    pub fn name(self) -> &'static str {
        match self {
            Scope::Country => "country",
            Scope::Pair => "pair",
        }
    }
}

/// Which contexts each practice is made in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Contexts {
    /// Every country; pair practices, which have no single-country form, are left out.
    Countries,
    /// Every crossing pair; a country practice is made in both countries of the pair.
    Pairs,
    /// Each practice in its own scope: country practices in every country, pair practices in
    /// every crossing pair.
    Auto,
}

impl Contexts {
    /// `countries`, `pairs` or `auto`.
    pub fn name(self) -> &'static str {
        match self {
            Contexts::Countries => "countries",
            Contexts::Pairs => "pairs",
            Contexts::Auto => "auto",
        }
    }
}

/// A practice that can be carried to another context.
#[derive(Debug, Clone)]
pub struct Practice {
    /// The toolbox name, or the intervention's name.
    pub name: String,
    /// Where it naturally applies.
    pub scope: Scope,
    /// `toolbox`, or `intervention` (the scenario's own, with its parameters).
    pub origin: &'static str,
    template: RawPractice,
}

/// A country or a pair of countries.
#[derive(Debug, Clone, PartialEq)]
pub struct Context {
    /// The country code, or `A-B` (scenario order).
    pub label: String,
    /// Country indices (one or two).
    pub countries: Vec<usize>,
}

/// One practice made in one context.
#[derive(Debug, Clone)]
pub struct Cell {
    /// Index into [`Matrix::practices`].
    pub practice: usize,
    /// Index into [`Matrix::contexts`].
    pub context: usize,
    /// Why the practice does not apply in the scenario as given (`None`: it applies).
    pub not_applied: Option<String>,
    /// The variant's network in the scenario as given (`None` when it does not apply).
    pub variant: Option<Scenario>,
    /// How the practice is made there, kept to make it again in each sampled world (`None` when
    /// it finds nothing to act on).
    plan: Option<(String, Plan)>,
}

/// Every practice in every context where it is tried.
#[derive(Debug, Clone)]
pub struct Matrix {
    /// The practices, in the order asked for (default: the toolbox, then the scenario's own).
    pub practices: Vec<Practice>,
    /// The contexts (countries, then pairs), in scenario order.
    pub contexts: Vec<Context>,
    /// Cells by practice, then context.
    pub cells: Vec<Cell>,
    /// How contexts were chosen.
    pub mode: Contexts,
}

fn scope_of(p: &RawPractice) -> Scope {
    match p {
        RawPractice::NrmAdoption { .. } | RawPractice::Training { .. } | RawPractice::StandardForms { .. } => {
            Scope::Country
        }
        RawPractice::BilateralAgreement { .. }
        | RawPractice::FocalPoints { .. }
        | RawPractice::RegionalAdviser { .. } => Scope::Pair,
    }
}

/// The toolbox practice `name` with its defaults (countries filled in per context).
fn toolbox_practice(name: &str) -> Option<RawPractice> {
    Some(match name {
        "nrm_adoption" => RawPractice::NrmAdoption {
            countries: Vec::new(),
            quality: None,
        },
        "training" => RawPractice::Training {
            countries: None,
            kinds: None,
            identification_gain: None,
        },
        "standard_forms" => RawPractice::StandardForms {
            fidelity: None,
            select: None,
        },
        "bilateral_agreement" => RawPractice::BilateralAgreement {
            countries: Vec::new(),
            quality: None,
            delay_scale: None,
        },
        "focal_points" => RawPractice::FocalPoints {
            countries: None,
            quality: None,
            delay: None,
            fidelity: None,
        },
        "regional_adviser" => RawPractice::RegionalAdviser {
            countries: None,
            quality: None,
            delay: None,
            fidelity: None,
        },
        _ => return None,
    })
}

/// `p` with its countries replaced by `codes`: a country practice restricted to them
/// (`standard_forms`: to the channels their authorities send on), a pair practice between them.
/// `None` when `p` cannot be restricted (a `standard_forms` selector that already names
/// countries).
fn in_countries(p: &RawPractice, codes: &[String]) -> Option<RawPractice> {
    let codes = codes.to_vec();
    let mut out = p.clone();
    match &mut out {
        RawPractice::NrmAdoption { countries, .. } | RawPractice::BilateralAgreement { countries, .. } => {
            *countries = codes;
        }
        RawPractice::Training { countries, .. }
        | RawPractice::FocalPoints { countries, .. }
        | RawPractice::RegionalAdviser { countries, .. } => *countries = Some(codes),
        RawPractice::StandardForms { select, .. } => {
            let mut sel = select.as_deref().cloned().unwrap_or_default();
            if sel.from_country.is_some() || sel.to_country.is_some() || sel.between.is_some() || sel.country.is_some()
            {
                return None;
            }
            sel.from_country = Some(OneOrMany::Many(codes));
            *select = Some(Box::new(sel));
        }
    }
    Some(out)
}

/// The practice an intervention made of practices alone carries, when they are all one kind
/// with the same parameters (only their countries differ).
fn carried(practices: &[RawPractice]) -> Option<RawPractice> {
    let first = practices.first()?;
    // The raw types have no `PartialEq` (serde mirrors of the file); their debug text, with the
    // countries emptied, is the same exactly when every parameter is.
    let key = |p: &RawPractice| in_countries(p, &[]).map(|p| format!("{p:?}"));
    let k = key(first)?;
    practices
        .iter()
        .all(|p| key(p).as_ref() == Some(&k))
        .then(|| first.clone())
}

impl Scenario {
    /// The practices `refgap transfer` can carry: the toolbox, then the scenario's interventions
    /// made of practices alone, one kind with one set of parameters (a name also in the toolbox
    /// is the toolbox's).
    pub fn transferable_practices(&self) -> Vec<Practice> {
        let mut out: Vec<Practice> = TOOLBOX
            .iter()
            .filter_map(|&name| {
                let template = toolbox_practice(name)?;
                Some(Practice {
                    name: name.to_owned(),
                    scope: scope_of(&template),
                    origin: "toolbox",
                    template,
                })
            })
            .collect();
        for v in &self.variants {
            let Some(template) = v.plan.as_ref().and_then(|p| carried(&p.practices)) else {
                continue;
            };
            if out.iter().any(|p| p.name == v.name) {
                continue;
            }
            out.push(Practice {
                name: v.name.clone(),
                scope: scope_of(&template),
                origin: "intervention",
                template,
            });
        }
        out
    }

    /// The countries and crossing pairs of the scenario (see the module docs), countries first.
    pub fn transfer_contexts(&self) -> (Vec<Context>, Vec<Context>) {
        let countries = (0..self.countries.len())
            .map(|c| Context {
                label: self.countries[c].code.clone(),
                countries: vec![c],
            })
            .collect();
        let graph = ReferralGraph::new(self);
        let mut pairs: BTreeSet<(usize, usize)> = BTreeSet::new();
        let mut add = |a: usize, b: usize| {
            if a != b {
                pairs.insert((a.min(b), a.max(b)));
            }
        };
        for cohort in &self.cohorts {
            for &(e, _) in &cohort.entry {
                add(cohort.origin, self.authorities[e].country);
            }
            let reach = graph.reachable(self, cohort);
            for c in self.channels.iter().filter(|c| c.cross_border) {
                if reach[c.from] && self.is_eligible(c, cohort) {
                    add(self.authorities[c.from].country, self.authorities[c.to].country);
                }
            }
        }
        let pairs = pairs
            .into_iter()
            .map(|(a, b)| Context {
                label: format!("{}-{}", self.countries[a].code, self.countries[b].code),
                countries: vec![a, b],
            })
            .collect();
        (countries, pairs)
    }
}

impl Matrix {
    /// Makes every practice named in `names` (all of [`Scenario::transferable_practices`] when
    /// empty) in every context `mode` gives it, on top of `s`'s baseline.
    ///
    /// # Errors
    /// A name that is not a transferable practice: the message names it and lists the valid
    /// names.
    pub fn new(s: &Scenario, names: &[String], mode: Contexts) -> std::result::Result<Matrix, String> {
        let all = s.transferable_practices();
        let practices: Vec<Practice> = if names.is_empty() {
            all
        } else {
            let mut chosen: Vec<Practice> = Vec::new();
            for name in names {
                match all.iter().find(|p| &p.name == name) {
                    Some(p) if !chosen.iter().any(|c| c.name == p.name) => chosen.push(p.clone()),
                    Some(_) => {}
                    None => {
                        let valid: Vec<String> = all.iter().map(|p| format!("\"{}\"", p.name)).collect();
                        return Err(format!(
                            "--practice \"{name}\" is not a practice refgap can transfer in {}; valid names: {}",
                            s.source.path.display(),
                            valid.join(", ")
                        ));
                    }
                }
            }
            chosen
        };
        let (countries, pairs) = s.transfer_contexts();
        let uses = |scope: Scope| -> (bool, bool) {
            match (mode, scope) {
                (Contexts::Countries, Scope::Country) | (Contexts::Auto, Scope::Country) => (true, false),
                (Contexts::Countries, Scope::Pair) => (false, false),
                (Contexts::Pairs, _) | (Contexts::Auto, Scope::Pair) => (false, true),
            }
        };
        let with_countries = practices.iter().any(|p| uses(p.scope).0);
        let with_pairs = practices.iter().any(|p| uses(p.scope).1);
        let mut contexts = Vec::new();
        let first_pair = if with_countries { countries.len() } else { 0 };
        if with_countries {
            contexts.extend(countries);
        }
        if with_pairs {
            contexts.extend(pairs);
        }
        let mut cells = Vec::new();
        for (i, p) in practices.iter().enumerate() {
            let (c, pr) = uses(p.scope);
            for (k, ctx) in contexts.iter().enumerate() {
                if (k < first_pair && c) || (k >= first_pair && pr) {
                    cells.push(make_cell(s, i, p, k, ctx));
                }
            }
        }
        Ok(Matrix {
            practices,
            contexts,
            cells,
            mode,
        })
    }
}

/// Practice `p` made in context `ctx` of `s`.
fn make_cell(s: &Scenario, practice: usize, p: &Practice, context: usize, ctx: &Context) -> Cell {
    let loc = format!("practice \"{}\" in {}", p.name, ctx.label);
    let mut cell = Cell {
        practice,
        context,
        not_applied: None,
        variant: None,
        plan: None,
    };
    let codes: Vec<String> = ctx.countries.iter().map(|&c| s.countries[c].code.clone()).collect();
    let Some(raw) = in_countries(&p.template, &codes) else {
        cell.not_applied = Some("its selector already names countries".to_owned());
        return cell;
    };
    let mut ck = Checker::new();
    let mut plan = Plan::default();
    toolbox::expand(&mut ck, &loc, s, &raw, &mut plan);
    let variant = if ck.problems.is_empty() {
        intervention::apply(s, &loc, &plan, &mut ck, &mut Vec::new())
    } else {
        s.network_only()
    };
    if let Some(problem) = ck.problems.first() {
        // The practice's parameters are valid (defaults, or read with the scenario); what is
        // left is a context with nothing to act on.
        cell.not_applied = Some(problem.message.clone());
        return cell;
    }
    cell.plan = Some((loc, plan));
    if variant.channels == s.channels && variant.authorities == s.authorities {
        cell.not_applied = Some("changes nothing: every parameter it sets is already at its level".to_owned());
    } else {
        cell.variant = Some(variant);
    }
    cell
}

impl Cell {
    /// Whether the practice changes the scenario as given in this context.
    pub fn applies(&self) -> bool {
        self.variant.is_some()
    }

    /// The practice made again on top of `world` (a sampled world of the same scenario):
    /// `None` when it finds nothing to act on.
    ///
    /// # Errors
    /// Only if the practice cannot be made in this world; the error names the practice.
    pub fn in_world(&self, world: &Scenario) -> Result<Option<Scenario>> {
        let Some((loc, plan)) = &self.plan else {
            return Ok(None);
        };
        let mut ck = Checker::new();
        let v = intervention::apply(world, loc, plan, &mut ck, &mut Vec::new());
        if !ck.problems.is_empty() {
            return Err(Error::Invalid {
                path: world.source.path.clone(),
                problems: ck.problems,
            });
        }
        Ok(Some(v))
    }
}
