//! Raw records -> [`Scenario`]: defaults, ranges, references, uniqueness, the default goal
//! rule; then the structural warnings of [`super::graph`].
//!
//! Every check adds a [`Problem`] naming the table, the id and the key, and validation goes on,
//! so that a user fixes all problems of a file in one pass.

use std::collections::{HashMap, HashSet};

use super::raw::{RawAuthority, RawChannel, RawDelay, RawWhen};
use super::tables::Input;
use super::{
    Age, AgeFilter, Authority, AuthorityKind, Channel, Cohort, Country, DEFAULT_MAX_HOPS, DEFAULT_TRIALS, MAX_HOPS,
    MAX_RETRIES, MAX_TRIALS, Scenario, Source, VictimsFilter,
};
use crate::error::{Error, Problem, Result};
use crate::vocab::delay::Delay;
use crate::vocab::{Service, Services};

pub(crate) struct Checker {
    pub problems: Vec<Problem>,
}

impl Checker {
    pub fn bad(&mut self, loc: &str, key: &str, msg: impl Into<String>) {
        let at = if key.is_empty() {
            loc.to_owned()
        } else {
            format!("{loc} {key}")
        };
        self.problems.push(Problem::new(at, msg));
    }

    /// A probability in [0, 1], or `default` when absent.
    pub fn probability(&mut self, loc: &str, key: &str, v: Option<f64>, default: f64) -> f64 {
        match v {
            None => default,
            Some(p) if (0.0..=1.0).contains(&p) => p,
            Some(p) => {
                self.bad(loc, key, format!("{p} is not a probability; use a number from 0 to 1"));
                default
            }
        }
    }

    /// A finite number >= 0, or `default` when absent.
    pub fn non_negative(&mut self, loc: &str, key: &str, v: Option<f64>, default: f64, unit: &str) -> f64 {
        match v {
            None => default,
            Some(x) if x.is_finite() && x >= 0.0 => x,
            Some(x) => {
                self.bad(loc, key, format!("{x} is not allowed; use a finite {unit} >= 0"));
                default
            }
        }
    }

    pub fn one_of<T: Copy>(&mut self, loc: &str, key: &str, v: &str, options: &[(&str, T)]) -> Option<T> {
        let found = options.iter().find(|(n, _)| *n == v).map(|(_, t)| *t);
        if found.is_none() {
            let names: Vec<&str> = options.iter().map(|(n, _)| *n).collect();
            self.bad(
                loc,
                key,
                format!("unknown value \"{v}\"; use one of: {}", names.join(", ")),
            );
        }
        found
    }
}

pub(crate) fn validate(input: Input, stem: &str, source: Source) -> Result<Scenario> {
    let mut ck = Checker { problems: Vec::new() };
    let Input {
        file,
        authorities: raw_authorities,
        channels: raw_channels,
        designs,
    } = input;

    // [scenario]
    let s = &file.scenario;
    let seed = s.seed.unwrap_or_else(|| {
        ck.bad(
            "[scenario]",
            "seed",
            "is missing; add `seed = <integer>` so that results can be reproduced",
        );
        0
    });
    let trials = s.trials.unwrap_or(DEFAULT_TRIALS);
    if !(1..=MAX_TRIALS).contains(&trials) {
        ck.bad(
            "[scenario]",
            "trials",
            format!("{trials} is out of range; use 1 to {MAX_TRIALS} trials per cohort"),
        );
    }
    let max_hops = s.max_hops.unwrap_or(DEFAULT_MAX_HOPS);
    if !(1..=MAX_HOPS).contains(&max_hops) {
        ck.bad(
            "[scenario]",
            "max_hops",
            format!("{max_hops} is out of range; use 1 to {MAX_HOPS}"),
        );
    }
    if let Some(h) = s.horizon_days
        && !(h.is_finite() && h > 0.0)
    {
        ck.bad(
            "[scenario]",
            "horizon_days",
            format!("{h} is not allowed; use a finite number of days > 0, or remove the key for no deadline"),
        );
    }
    let name = match s.name.as_deref().map(str::trim) {
        Some("") => {
            ck.bad(
                "[scenario]",
                "name",
                "is empty; give the scenario a name or remove the key",
            );
            String::new()
        }
        Some(n) => n.to_owned(),
        None => stem.to_owned(),
    };
    // [[country]]
    let mut countries = Vec::new();
    let mut country_index = HashMap::new();
    for (i, c) in file.country.iter().enumerate() {
        let loc = format!("[[country]] #{} \"{}\"", i + 1, c.code);
        if c.code.len() != 3 || !c.code.bytes().all(|b| b.is_ascii_uppercase()) {
            ck.bad(
                &loc,
                "code",
                "must be an ISO 3166-1 alpha-3 code: three capital letters, e.g. \"CIV\"",
            );
        }
        if country_index.insert(c.code.clone(), countries.len()).is_some() {
            ck.bad(
                &loc,
                "code",
                "is used by an earlier [[country]]; country codes must be unique",
            );
        }
        for l in &c.languages {
            if l.len() != 2 || !l.bytes().all(|b| b.is_ascii_lowercase()) {
                ck.bad(
                    &loc,
                    "languages",
                    format!("\"{l}\" is not an ISO 639-1 code; use two small letters, e.g. \"fr\""),
                );
            }
        }
        if c.lat.is_some_and(|v| !(-90.0..=90.0).contains(&v)) {
            ck.bad(&loc, "lat", "must be a latitude from -90 to 90");
        }
        if c.lon.is_some_and(|v| !(-180.0..=180.0).contains(&v)) {
            ck.bad(&loc, "lon", "must be a longitude from -180 to 180");
        }
        countries.push(Country {
            code: c.code.clone(),
            name: c.name.clone().unwrap_or_else(|| c.code.clone()),
            languages: c.languages.clone(),
            lat: c.lat,
            lon: c.lon,
        });
    }
    let codes = || {
        let mut v: Vec<&str> = countries.iter().map(|c| c.code.as_str()).collect();
        v.truncate(20);
        v.join(", ")
    };
    let known_codes = codes();

    // [[authority]]
    let services: Vec<(&str, Service)> = Service::ALL.iter().map(|s| (s.name(), *s)).collect();
    let mut authorities = Vec::new();
    let mut authority_index = HashMap::new();
    for (loc, a) in &raw_authorities {
        if a.id.trim().is_empty() {
            ck.bad(loc, "id", "is empty; give every authority an id such as \"CIV.police\"");
        }
        if authority_index.insert(a.id.clone(), authorities.len()).is_some() {
            ck.bad(
                loc,
                "id",
                "is used by an earlier authority; authority ids must be unique",
            );
        }
        authorities.push(authority_from_raw(&mut ck, loc, a, &country_index, &known_codes));
    }
    if authorities.is_empty() {
        ck.bad(
            "[[authority]]",
            "",
            "the scenario has no authorities; add [[authority]] tables or a [tables] authorities CSV",
        );
    }

    // [[channel]]
    let mut channels = Vec::new();
    let mut channel_ids = HashSet::new();
    for (loc, c) in &raw_channels {
        let channel = channel_from_raw(&mut ck, loc, c, &authority_index, &authorities);
        if !channel_ids.insert(channel.id.clone()) {
            ck.bad(
                loc,
                "id",
                format!(
                    "\"{}\" is used by an earlier channel; give parallel channels distinct `id`s",
                    channel.id
                ),
            );
        }
        channels.push(channel);
    }

    for auth in unbounded_weights(&authorities, &channels) {
        ck.bad(
            &format!("[[authority]] \"{}\"", auth.id),
            "close",
            "this weight and the weights of the channels leaving the authority add up to more than the \
             largest number; use weights such as 1 and 3",
        );
    }

    // [[cohort]]
    let ages = [("child", Age::Child), ("adult", Age::Adult)];
    let mut cohorts = Vec::new();
    let mut cohort_names = HashSet::new();
    for (i, c) in file.cohort.iter().enumerate() {
        let loc = format!("[[cohort]] #{} \"{}\"", i + 1, c.name);
        if c.name.trim().is_empty() {
            ck.bad(&loc, "name", "is empty; give every cohort a name");
        }
        if !cohort_names.insert(c.name.clone()) {
            ck.bad(
                &loc,
                "name",
                "is used by an earlier cohort; cohort names must be unique",
            );
        }
        let origin = match country_index.get(&c.origin) {
            Some(&o) => o,
            None => {
                ck.bad(&loc, "origin", format!("\"{}\" is not a [[country]] code of this scenario (known: {known_codes}); add the country or fix the code", c.origin));
                0
            }
        };
        let age = ck.one_of(&loc, "age", &c.age, &ages).unwrap_or(Age::Adult);
        let victims = ck.non_negative(&loc, "victims", c.victims, 0.0, "number of victims per year");
        if c.entry.is_empty() {
            ck.bad(
                &loc,
                "entry",
                "is empty; list where victims are first met, e.g. entry = [{ at = \"CIV.police\", share = 1.0 }]",
            );
        }
        let mut entry = Vec::new();
        let mut seen = HashSet::new();
        for e in &c.entry {
            let at = match authority_index.get(&e.at) {
                Some(&a) => a,
                None => {
                    ck.bad(
                        &loc,
                        "entry",
                        format!(
                            "\"{}\" is not an authority id of this scenario; add the authority or fix the id",
                            e.at
                        ),
                    );
                    continue;
                }
            };
            if !seen.insert(at) {
                ck.bad(
                    &loc,
                    "entry",
                    format!(
                        "\"{}\" is listed twice; give each entry point once, with the sum of its shares",
                        e.at
                    ),
                );
            }
            if !(e.share.is_finite() && e.share > 0.0) {
                ck.bad(
                    &loc,
                    "entry",
                    format!(
                        "share = {} at \"{}\" is not allowed; use a finite share > 0 (shares are normalised)",
                        e.share, e.at
                    ),
                );
                continue;
            }
            entry.push((at, e.share));
        }
        let total: f64 = entry.iter().map(|(_, s)| s).sum();
        if !total.is_finite() {
            ck.bad(
                &loc,
                "entry",
                "the shares add up to more than the largest number; use shares such as 0.7 and 0.3",
            );
        }
        for (_, s) in &mut entry {
            *s /= total;
        }
        let goal = match &c.goal {
            Some(names) => {
                if names.is_empty() {
                    ck.bad(&loc, "goal", "is empty; list the services that count as complete assistance, or remove the key for the default");
                }
                names
                    .iter()
                    .filter_map(|n| ck.one_of(&loc, "goal", n, &services))
                    .collect()
            }
            None => default_goal(&entry, &authorities, origin),
        };
        cohorts.push(Cohort {
            name: c.name.clone(),
            origin,
            age,
            exploitation: c.exploitation.clone().unwrap_or_default(),
            victims,
            entry,
            goal,
        });
    }
    if cohorts.is_empty() {
        ck.bad(
            "[[cohort]]",
            "",
            "the scenario has no cohorts; add at least one [[cohort]] with its entry points",
        );
    }

    if !ck.problems.is_empty() {
        return Err(Error::Invalid {
            path: source.path,
            problems: ck.problems,
        });
    }
    let mut scenario = Scenario {
        name,
        description: s.description.clone().unwrap_or_default(),
        seed,
        trials,
        horizon_days: s.horizon_days,
        max_hops,
        countries,
        authorities,
        channels,
        cohorts,
        warnings: Vec::new(),
        source,
        variants: Vec::new(),
    };
    scenario.warnings = super::graph::ReferralGraph::new(&scenario).warnings(&scenario);
    let mut notes = Vec::new();
    let variants = super::intervention::build_variants(
        &scenario,
        &file.intervention,
        &file.sweep,
        &designs,
        &[],
        &mut ck,
        &mut notes,
    );
    if !ck.problems.is_empty() {
        return Err(Error::Invalid {
            path: scenario.source.path,
            problems: ck.problems,
        });
    }
    scenario.variants = variants;
    scenario.warnings.extend(notes);
    Ok(scenario)
}

/// The authorities whose close weight and outgoing channel weights add up to infinity. Routing
/// weights are normalised per authority, so their sum must be a finite number (in the baseline
/// and in every variant).
pub(super) fn unbounded_weights<'a>(authorities: &'a [Authority], channels: &[Channel]) -> Vec<&'a Authority> {
    let mut sums: Vec<f64> = authorities.iter().map(|a| a.close).collect();
    for c in channels {
        if let Some(x) = sums.get_mut(c.from) {
            *x += c.weight;
        }
    }
    authorities
        .iter()
        .zip(sums)
        .filter(|(_, x)| !x.is_finite())
        .map(|(a, _)| a)
        .collect()
}

/// `(name, kind)` pairs for [`Checker::one_of`].
pub(super) fn kind_names() -> Vec<(&'static str, AuthorityKind)> {
    AuthorityKind::ALL.iter().map(|k| (k.name(), *k)).collect()
}

/// One authority record with its defaults; `country_index` maps codes to country indices.
pub(super) fn authority_from_raw(
    ck: &mut Checker,
    loc: &str,
    a: &RawAuthority,
    country_index: &HashMap<String, usize>,
    known_codes: &str,
) -> Authority {
    let services: Vec<(&str, Service)> = Service::ALL.iter().map(|s| (s.name(), *s)).collect();
    let country = match country_index.get(&a.country) {
        Some(&i) => i,
        None => {
            ck.bad(loc, "country", format!("\"{}\" is not a [[country]] code of this scenario (known: {known_codes}); add the country or fix the code", a.country));
            0
        }
    };
    let kind = ck
        .one_of(loc, "kind", &a.kind, &kind_names())
        .unwrap_or(AuthorityKind::Police);
    let mut provides = Services::NONE;
    for p in &a.provides {
        if let Some(s) = ck.one_of(loc, "provides", p, &services) {
            provides = provides.with(s);
        }
    }
    Authority {
        id: a.id.clone(),
        country,
        kind,
        identification: ck.probability(loc, "identification", a.identification, 0.0),
        provides,
        assist_incomplete: ck.probability(loc, "assist_incomplete", a.assist_incomplete, 0.5),
        dropout_per_day: ck.non_negative(loc, "dropout_per_day", a.dropout_per_day, 0.0, "hazard per day"),
        close: ck.non_negative(loc, "close", a.close, 0.0, "routing weight"),
    }
}

/// One channel record with its defaults (the uniqueness of its id is checked by the caller).
pub(super) fn channel_from_raw(
    ck: &mut Checker,
    loc: &str,
    c: &RawChannel,
    authority_index: &HashMap<String, usize>,
    authorities: &[Authority],
) -> Channel {
    let mut end = |key: &str, id: &str| match authority_index.get(id) {
        Some(&i) => Some(i),
        None => {
            ck.bad(
                loc,
                key,
                format!("\"{id}\" is not an authority id of this scenario; add the authority or fix the id"),
            );
            None
        }
    };
    let from = end("from", &c.from);
    let to = end("to", &c.to);
    if from.is_some() && from == to {
        ck.bad(
            loc,
            "to",
            "is the same authority as `from`; a channel must lead to another authority",
        );
    }
    let id = c.id.clone().unwrap_or_else(|| format!("{}->{}", c.from, c.to));
    let delay = c.delay.clone().map_or(Delay::default(), delay_from_raw);
    if let Err(msg) = delay.check() {
        ck.bad(loc, "delay", msg);
    }
    let weight = match c.weight {
        None => 1.0,
        Some(w) if w.is_finite() && w > 0.0 => w,
        Some(w) => {
            ck.bad(
                loc,
                "weight",
                format!("{w} is not allowed; use a finite routing weight > 0"),
            );
            1.0
        }
    };
    let retries = match c.retries {
        None => 0,
        Some(r) if (0..=i64::from(MAX_RETRIES)).contains(&r) => r as u32,
        Some(r) => {
            ck.bad(
                loc,
                "retries",
                format!("{r} is out of range; use a whole number from 0 to {MAX_RETRIES}"),
            );
            0
        }
    };
    let (when_victims, when_age) = when_from_raw(c.when.as_ref(), loc, ck);
    let (from, to) = (from.unwrap_or(0), to.unwrap_or(0));
    let cross_border = match (authorities.get(from), authorities.get(to)) {
        (Some(a), Some(b)) => a.country != b.country,
        _ => false,
    };
    Channel {
        id,
        from,
        to,
        quality: ck.probability(loc, "quality", c.quality, 1.0),
        delay,
        fidelity: ck.probability(loc, "fidelity", c.fidelity, 1.0),
        weight,
        retries,
        when_victims,
        when_age,
        any_origin: c.any_origin.unwrap_or(false),
        formal: c.formal.unwrap_or(false),
        cross_border,
    }
}

/// MODEL.md: `["protection"]` when every entry point is in the origin country, else
/// `["protection", "return", "reintegration"]`.
fn default_goal(entry: &[(usize, f64)], authorities: &[Authority], origin: usize) -> Services {
    let at_home = entry
        .iter()
        .all(|&(a, _)| authorities.get(a).is_some_and(|a| a.country == origin));
    if at_home {
        Services::NONE.with(Service::Protection)
    } else {
        Service::ALL.into_iter().collect()
    }
}

pub(super) fn delay_from_raw(d: RawDelay) -> Delay {
    match d {
        RawDelay::Fixed(d) => Delay::Fixed(d),
        RawDelay::Exponential(mean) => Delay::Exponential { mean },
        RawDelay::Gamma { mean, shape } => Delay::Gamma { mean, shape },
        RawDelay::Lognormal { median, sigma } => Delay::LogNormal { median, sigma },
        RawDelay::Uniform { min, max } => Delay::Uniform { min, max },
    }
}

fn when_from_raw(when: Option<&RawWhen>, loc: &str, ck: &mut Checker) -> (VictimsFilter, AgeFilter) {
    let Some(w) = when else {
        return (VictimsFilter::Any, AgeFilter::Any);
    };
    let victims = w.victims.as_deref().map_or(Some(VictimsFilter::Any), |v| {
        ck.one_of(
            loc,
            "when.victims",
            v,
            &[
                ("national", VictimsFilter::National),
                ("foreign", VictimsFilter::Foreign),
                ("any", VictimsFilter::Any),
            ],
        )
    });
    let age = w.age.as_deref().map_or(Some(AgeFilter::Any), |v| {
        ck.one_of(
            loc,
            "when.age",
            v,
            &[
                ("child", AgeFilter::Child),
                ("adult", AgeFilter::Adult),
                ("any", AgeFilter::Any),
            ],
        )
    });
    (victims.unwrap_or_default(), age.unwrap_or_default())
}
