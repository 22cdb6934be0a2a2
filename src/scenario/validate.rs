//! The baseline tables -> a [`Scenario`] without variants or warnings: defaults, ranges,
//! references, uniqueness and the default goal rule, one function per table, in file order.
//!
//! Every check adds a [`Problem`](crate::Problem) naming the table, the id and the key, and
//! validation goes on, so that a user fixes all problems of a file in one pass. Structural
//! warnings ([`super::graph`]) and variants ([`super::variant`]) are later steps of
//! [`Scenario::from_toml_str`].

use std::collections::{HashMap, HashSet};

use super::check::Checker;
use super::raw::{RawAuthority, RawChannel, RawCohort, RawCountry, RawSettings};
use super::records::{authority_from_raw, channel_from_raw, known_codes, service_names, unbounded_weights};
use super::tables::Input;
use super::{
    Age, Authority, Channel, Cohort, Country, DEFAULT_MAX_HOPS, DEFAULT_TRIALS, MAX_HOPS, MAX_TRIALS, Scenario, Source,
};
use crate::error::{Error, Result};
use crate::vocab::{Service, Services};

/// Validates the baseline tables of `input` (its `[[intervention]]` and `[[sweep]]` tables are
/// left to the caller). `stem` names the scenario when `[scenario]` does not.
pub(super) fn baseline(input: &Input, stem: &str, source: Source) -> Result<Scenario> {
    let mut ck = Checker::new();
    let settings = settings(&mut ck, &input.file.scenario, stem);
    let (countries, country_index) = countries(&mut ck, &input.file.country);
    let (authorities, authority_index) = authorities(&mut ck, &input.authorities, &countries, &country_index);
    let channels = channels(&mut ck, &input.channels, &authorities, &authority_index);
    weights(&mut ck, &authorities, &channels);
    let cohorts = cohorts(
        &mut ck,
        &input.file.cohort,
        &countries,
        &country_index,
        &authorities,
        &authority_index,
    );
    if !ck.problems.is_empty() {
        return Err(Error::Invalid {
            path: source.path,
            problems: ck.problems,
        });
    }
    Ok(Scenario {
        name: settings.name,
        description: input.file.scenario.description.clone().unwrap_or_default(),
        seed: settings.seed,
        trials: settings.trials,
        horizon_days: input.file.scenario.horizon_days,
        max_hops: settings.max_hops,
        countries,
        authorities,
        channels,
        cohorts,
        warnings: Vec::new(),
        source,
        variants: Vec::new(),
        factors: Vec::new(),
        observed: Vec::new(),
    })
}

/// The checked values of `[scenario]`.
struct Settings {
    name: String,
    seed: u64,
    trials: u64,
    max_hops: u32,
}

/// `[scenario]`.
fn settings(ck: &mut Checker, s: &RawSettings, stem: &str) -> Settings {
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
    Settings {
        name,
        seed,
        trials,
        max_hops,
    }
}

/// `[[country]]`: the countries and the index of each code.
fn countries(ck: &mut Checker, raw: &[RawCountry]) -> (Vec<Country>, HashMap<String, usize>) {
    let mut countries = Vec::new();
    let mut country_index = HashMap::new();
    for (i, c) in raw.iter().enumerate() {
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

    (countries, country_index)
}

/// `[[authority]]` tables and CSV rows: the authorities and the index of each id.
fn authorities(
    ck: &mut Checker,
    raw: &[(String, RawAuthority)],
    countries: &[Country],
    country_index: &HashMap<String, usize>,
) -> (Vec<Authority>, HashMap<String, usize>) {
    let known_codes = known_codes(countries);
    let mut authorities = Vec::new();
    let mut authority_index = HashMap::new();
    for (loc, a) in raw {
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
        authorities.push(authority_from_raw(ck, loc, a, country_index, &known_codes));
    }
    if authorities.is_empty() {
        ck.bad(
            "[[authority]]",
            "",
            "the scenario has no authorities; add [[authority]] tables or a [tables] authorities CSV",
        );
    }

    (authorities, authority_index)
}

/// `[[channel]]` tables and CSV rows.
fn channels(
    ck: &mut Checker,
    raw: &[(String, RawChannel)],
    authorities: &[Authority],
    authority_index: &HashMap<String, usize>,
) -> Vec<Channel> {
    let mut channels = Vec::new();
    let mut channel_ids = HashSet::new();
    for (loc, c) in raw {
        let channel = channel_from_raw(ck, loc, c, authority_index, authorities);
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

    channels
}

/// Routing weights are normalised per authority, so each authority's sum must be finite.
fn weights(ck: &mut Checker, authorities: &[Authority], channels: &[Channel]) {
    for auth in unbounded_weights(authorities, channels) {
        ck.bad(
            &format!("[[authority]] \"{}\"", auth.id),
            "close",
            "this weight and the weights of the channels leaving the authority add up to more than the \
             largest number; use weights such as 1 and 3",
        );
    }
}

/// `[[cohort]]`: references, entry shares (normalised) and the goal with its default.
fn cohorts(
    ck: &mut Checker,
    raw: &[RawCohort],
    countries: &[Country],
    country_index: &HashMap<String, usize>,
    authorities: &[Authority],
    authority_index: &HashMap<String, usize>,
) -> Vec<Cohort> {
    let known_codes = known_codes(countries);
    let ages = [("child", Age::Child), ("adult", Age::Adult)];
    let mut cohorts = Vec::new();
    let mut cohort_names = HashSet::new();
    for (i, c) in raw.iter().enumerate() {
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
        let cohort_goal = c.goal.as_ref().map(|names| goal_from_names(ck, &loc, "goal", names));
        let mut entry = Vec::new();
        let mut goals = Vec::new();
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
            let entry_loc = format!("{loc} entry \"{}\"", e.at);
            let goal = match &e.goal {
                Some(names) => goal_from_names(ck, &entry_loc, "goal", names),
                None => cohort_goal.unwrap_or_else(|| default_goal(authorities[at].country, origin)),
            };
            entry.push((at, e.share));
            goals.push(goal);
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
        cohorts.push(Cohort {
            name: c.name.clone(),
            origin,
            age,
            exploitation: c.exploitation.clone().unwrap_or_default(),
            victims,
            entry,
            goals,
        });
    }
    if cohorts.is_empty() {
        ck.bad(
            "[[cohort]]",
            "",
            "the scenario has no cohorts; add at least one [[cohort]] with its entry points",
        );
    }

    cohorts
}
/// A goal as written (`goal = [...]` of a cohort or of one entry point): a non-empty list of
/// service names.
fn goal_from_names(ck: &mut Checker, loc: &str, key: &str, names: &[String]) -> Services {
    if names.is_empty() {
        ck.bad(
            loc,
            key,
            "is empty; list the services that count as complete assistance, e.g. goal = [\"protection\"], \
             or remove the key for the default",
        );
    }
    let services = service_names();
    names.iter().filter_map(|n| ck.one_of(loc, key, n, &services)).collect()
}

/// The default goal of victims first met at an authority of country `entry_country`
/// (docs/MODEL.md, "Scenario format"), used when neither the entry point nor the cohort gives
/// one: `["protection"]` when the entry point is in the cohort's origin country `origin`, else
/// `["protection", "return", "reintegration"]`.
pub fn default_goal(entry_country: usize, origin: usize) -> Services {
    if entry_country == origin {
        Services::NONE.with(Service::Protection)
    } else {
        Service::ALL.into_iter().collect()
    }
}
