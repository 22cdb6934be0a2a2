//! What a variant changes in a network: channels and authorities added or changed, and removed,
//! compared by id (removing an authority renumbers the others, so indices are never compared).
//! Plain data for `refgap check`; no printing here.

use std::collections::HashMap;

use super::{Authority, Channel, Scenario};

/// How a variant's network differs from the baseline's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct NetworkDiff {
    /// Channels added, or present in both with other parameters or other ends.
    pub channels_changed: usize,
    /// Authorities added, or present in both with other parameters.
    pub authorities_changed: usize,
    /// Channels of the baseline that the variant does not have.
    pub channels_removed: usize,
    /// Authorities of the baseline that the variant does not have.
    pub authorities_removed: usize,
}

/// Compares `variant` with `base`, in time linear in the size of both.
pub fn diff(base: &Scenario, variant: &Scenario) -> NetworkDiff {
    let base_channels: HashMap<&str, &Channel> = base.channels().iter().map(|c| (c.id.as_str(), c)).collect();
    let base_authorities: HashMap<&str, &Authority> = base.authorities().iter().map(|a| (a.id.as_str(), a)).collect();
    let variant_channels: HashMap<&str, &Channel> = variant.channels().iter().map(|c| (c.id.as_str(), c)).collect();
    let variant_authorities: HashMap<&str, &Authority> =
        variant.authorities().iter().map(|a| (a.id.as_str(), a)).collect();
    NetworkDiff {
        channels_changed: variant
            .channels()
            .iter()
            .filter(|c| {
                base_channels
                    .get(c.id.as_str())
                    .is_none_or(|b| !same_channel(base, b, variant, c))
            })
            .count(),
        authorities_changed: variant
            .authorities()
            .iter()
            .filter(|a| base_authorities.get(a.id.as_str()) != Some(a))
            .count(),
        channels_removed: base
            .channels()
            .iter()
            .filter(|c| !variant_channels.contains_key(c.id.as_str()))
            .count(),
        authorities_removed: base
            .authorities()
            .iter()
            .filter(|a| !variant_authorities.contains_key(a.id.as_str()))
            .count(),
    }
}

/// Whether two channels are the same: same ends (by authority id) and the same parameters.
/// Destructured field by field so that a new field of [`Channel`] cannot be forgotten here.
fn same_channel(sa: &Scenario, a: &Channel, sb: &Scenario, b: &Channel) -> bool {
    let Channel {
        id,
        from,
        to,
        quality,
        delay,
        fidelity,
        weight,
        retries,
        when_victims,
        when_age,
        any_origin,
        formal,
        movement,
        cross_border,
    } = a;
    let ends = |s: &Scenario, f: usize, t: usize| (s.authorities()[f].id.clone(), s.authorities()[t].id.clone());
    *id == b.id
        && ends(sa, *from, *to) == ends(sb, b.from, b.to)
        && *quality == b.quality
        && *delay == b.delay
        && *fidelity == b.fidelity
        && *weight == b.weight
        && *retries == b.retries
        && *when_victims == b.when_victims
        && *when_age == b.when_age
        && *any_origin == b.any_origin
        && *formal == b.formal
        && *movement == b.movement
        && *cross_border == b.cross_border
}

/// Whether `a` and `b` are the same network once communication is made perfect: equal in
/// everything but the quality and fidelity of their channels (countries, authorities, channels
/// otherwise, cohorts, clock and hop limit). Their perfect-communication versions
/// ([`Scenario::with_perfect_communication`]) are then identical, and so is anything computed
/// from them: an intervention that only changes how well channels communicate shares its
/// referral gap's upper arm with the baseline.
pub fn same_with_perfect_communication(a: &Scenario, b: &Scenario) -> bool {
    let perfect = |c: &Channel| Channel {
        quality: 1.0,
        fidelity: 1.0,
        ..c.clone()
    };
    a.countries == b.countries
        && a.authorities == b.authorities
        && a.cohorts == b.cohorts
        && a.horizon_days == b.horizon_days
        && a.max_hops == b.max_hops
        && a.channels.len() == b.channels.len()
        && a.channels
            .iter()
            .zip(&b.channels)
            .all(|(x, y)| perfect(x) == perfect(y))
}
