//! One authority or one channel record turned into its validated form, with its defaults: the
//! rules shared by the baseline tables ([`super::validate`]) and by the authorities and channels
//! an intervention adds. Also the one check of routing-weight sums, run on the baseline and on
//! every variant.
//!
//! Uniqueness of ids is the caller's business (it knows which ids exist already).

use std::collections::HashMap;

use super::check::Checker;
use super::raw::{RawAuthority, RawChannel, RawDelay, RawWhen};
use super::{AgeFilter, Authority, AuthorityKind, Channel, Country, MAX_RETRIES, VictimsFilter};
use crate::vocab::delay::Delay;
use crate::vocab::{Service, Services};

/// The first 20 country codes, for messages about an unknown code.
pub(super) fn known_codes(countries: &[Country]) -> String {
    let codes: Vec<&str> = countries.iter().take(20).map(|c| c.code.as_str()).collect();
    codes.join(", ")
}

/// `(name, service)` pairs for [`Checker::one_of`].
pub(super) fn service_names() -> Vec<(&'static str, Service)> {
    Service::ALL.iter().map(|s| (s.name(), *s)).collect()
}

/// `(name, kind)` pairs for [`Checker::one_of`].
pub(super) fn kind_names() -> Vec<(&'static str, AuthorityKind)> {
    AuthorityKind::ALL.iter().map(|k| (k.name(), *k)).collect()
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

/// One authority record with its defaults; `country_index` maps codes to country indices.
pub(super) fn authority_from_raw(
    ck: &mut Checker,
    loc: &str,
    a: &RawAuthority,
    country_index: &HashMap<String, usize>,
    known_codes: &str,
) -> Authority {
    let services = service_names();
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
        // Required: a tool about communication quality must not assume a perfect channel.
        quality: match c.quality {
            Some(_) => ck.probability(loc, "quality", c.quality, 1.0),
            None => {
                ck.bad(
                    loc,
                    "quality",
                    "is missing; every channel needs the probability that one attempt is received and acted \
                     upon, e.g. quality = 0.8 (write quality = 1.0 for a channel that never fails)",
                );
                1.0
            }
        },
        delay,
        fidelity: ck.probability(loc, "fidelity", c.fidelity, 1.0),
        weight,
        retries,
        when_victims,
        when_age,
        any_origin: c.any_origin.unwrap_or(false),
        formal: c.formal.unwrap_or(false),
        movement: c.movement.unwrap_or(false),
        cross_border,
    }
}

/// The delay law a raw delay states (its validity is checked by [`Delay::check`]).
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
