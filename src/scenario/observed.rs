//! Observed figures (`[[observed]]`): published numbers that a sampled world must reproduce to
//! count as **plausible** (history matching by rejection: each world is solved exactly, so there
//! is no emulator to train and no emulator error).
//!
//! An observation names a rate as in `rates.csv` — a cohort (or `*`, every cohort), a group
//! (`all`, `entry` with an entry authority's id, or `country` with an entry country's code) and a
//! measure — optionally conditional on another measure (`given`, e.g. returned among identified),
//! or in victims per year (`per_year = true`), and the range `[lo, hi]` it must fall in. Checked
//! when the scenario is read: unique names, the cohort, the group and key among the cohort's
//! entries, known measures (`protected_in_time` needs a clock the exact solver has not), and a
//! range with `lo <= hi`. The value of an observation in a world is [`Observation::value`] of the
//! world's exact or simulated rates.

use super::Scenario;
use super::check::{Checker, read_named};
use super::raw::RawObserved;
use crate::error::Result;
use crate::vocab::measure::Measure;

/// Which entry points of a cohort an observation looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Group {
    /// Every entry point.
    All,
    /// One entry authority (index into the authorities).
    Entry(usize),
    /// Every entry point in one country (index into the countries).
    Country(usize),
}

/// A validated observation; see the module docs.
#[derive(Debug, Clone, PartialEq)]
pub struct Observation {
    /// Unique name.
    pub name: String,
    /// The cohort (index), or `None` for every cohort (`*`).
    pub cohort: Option<usize>,
    /// Which entry points.
    pub group: Group,
    /// The measure observed.
    pub measure: Measure,
    /// The measure it is conditional on, if any (the rate is `measure / given`).
    pub given: Option<Measure>,
    /// Victims per year instead of a rate.
    pub per_year: bool,
    /// Smallest plausible value.
    pub lo: f64,
    /// Largest plausible value.
    pub hi: f64,
    /// Where the figure comes from.
    pub source: String,
}

impl Observation {
    /// Whether entry point `k` of cohort `c` of `s` is in the observation's group.
    pub fn keeps(&self, s: &Scenario, c: usize, k: usize) -> bool {
        let a = s.cohorts[c].entry[k].0;
        match self.group {
            Group::All => true,
            Group::Entry(e) => a == e,
            Group::Country(country) => s.authorities[a].country == country,
        }
    }

    /// The value of the observation in a world `s` whose cohort `c` has, at its entry point
    /// `k`, the probability `entries(c)[k][m]` of each measure `m` (exact, or simulated rates):
    /// entry points weighted by victims × share, the rate of the measure among them (or among
    /// those with `given`), or victims per year with it. Not finite (nobody with `given`): 0.
    pub fn value<'a>(&self, s: &Scenario, entries: impl Fn(usize) -> &'a [[f64; Measure::COUNT]]) -> f64 {
        let (mut with, mut given, mut all) = (0.0, 0.0, 0.0);
        let cohorts: Vec<usize> = self.cohort.map_or_else(|| (0..s.cohorts.len()).collect(), |c| vec![c]);
        for c in cohorts {
            let cohort = &s.cohorts[c];
            // One cohort's rate does not depend on its victims: weigh by shares if it has none.
            let victims = if cohort.victims > 0.0 || self.per_year {
                cohort.victims
            } else {
                1.0
            };
            for (k, p) in entries(c).iter().enumerate() {
                if self.keeps(s, c, k) {
                    let w = victims * cohort.entry[k].1;
                    all += w;
                    with += w * p[self.measure.index()];
                    given += self.given.map_or(0.0, |g| w * p[g.index()]);
                }
            }
        }
        let value = if self.per_year {
            with
        } else if self.given.is_some() {
            with / given
        } else {
            with / all
        };
        if value.is_finite() { value } else { 0.0 }
    }
}

impl Scenario {
    /// The observed figures, in file order.
    pub fn observed(&self) -> &[Observation] {
        &self.observed
    }
}

/// Reads and checks the `[[observed]]` tables of `s`'s file.
pub(crate) fn read(s: &Scenario, raw: &[RawObserved]) -> Result<Vec<Observation>> {
    read_named(
        &s.source.path,
        ("observed", "observation"),
        raw,
        |r| &r.name,
        |ck, loc, r| read_one(ck, loc, r, s),
    )
}

fn measure(ck: &mut Checker, loc: &str, key: &str, name: &str) -> Option<Measure> {
    match Measure::parse(name) {
        Some(Measure::ProtectedInTime) => {
            ck.bad(
                loc,
                key,
                "protected_in_time needs a clock that the exact solver has not; observe protected",
            );
            None
        }
        Some(m) => Some(m),
        None => {
            let names: Vec<&str> = Measure::ALL[..Measure::COUNT - 1].iter().map(|m| m.name()).collect();
            ck.bad(
                loc,
                key,
                format!("unknown measure \"{name}\"; use one of: {}", names.join(", ")),
            );
            None
        }
    }
}

fn read_one(ck: &mut Checker, loc: &str, r: &RawObserved, s: &Scenario) -> Option<Observation> {
    let cohort = if r.cohort == "*" {
        Some(None)
    } else {
        match s.cohorts.iter().position(|c| c.name == r.cohort) {
            Some(c) => Some(Some(c)),
            None => {
                ck.bad(
                    loc,
                    "cohort",
                    format!("\"{}\" is not a cohort; give a cohort's name or \"*\"", r.cohort),
                );
                None
            }
        }
    };
    let m = measure(ck, loc, "measure", &r.measure);
    let given = r.given.as_deref().map(|g| measure(ck, loc, "given", g));
    let range = match *r.range.as_slice() {
        [lo, hi] if lo.is_finite() && hi.is_finite() && lo <= hi && lo >= 0.0 => Some((lo, hi)),
        _ => {
            ck.bad(
                loc,
                "range",
                "must be two finite numbers >= 0, [lowest, highest], e.g. range = [0.36, 1.0]",
            );
            None
        }
    };
    let cohort = cohort?;
    let cohorts: Vec<usize> = cohort.map_or_else(|| (0..s.cohorts.len()).collect(), |c| vec![c]);
    let entries = || cohorts.iter().flat_map(|&c| s.cohorts[c].entry.iter().map(|&(a, _)| a));
    let group = match (r.group.as_deref().unwrap_or("all"), r.key.as_deref()) {
        ("all", None) => Some(Group::All),
        ("entry", Some(key)) => match s.authorities.iter().position(|a| a.id == key) {
            Some(a) if entries().any(|e| e == a) => Some(Group::Entry(a)),
            _ => {
                ck.bad(loc, "key", format!("\"{key}\" is not an entry point of {}", r.cohort));
                None
            }
        },
        ("country", Some(key)) => match s.countries.iter().position(|c| c.code == key) {
            Some(c) if entries().any(|e| s.authorities[e].country == c) => Some(Group::Country(c)),
            _ => {
                ck.bad(
                    loc,
                    "key",
                    format!("\"{key}\" is not a country of an entry point of {}", r.cohort),
                );
                None
            }
        },
        (g @ ("all" | "entry" | "country"), _) => {
            let need = if g == "all" { "no key" } else { "a key" };
            ck.bad(loc, "key", format!("group \"{g}\" takes {need}"));
            None
        }
        (g, _) => {
            ck.bad(
                loc,
                "group",
                format!("unknown group \"{g}\"; use all, entry or country"),
            );
            None
        }
    };
    Some(Observation {
        name: r.name.trim().to_owned(),
        cohort,
        group: group?,
        measure: m?,
        given: given.flatten(),
        per_year: r.per_year.unwrap_or(false),
        lo: range?.0,
        hi: range?.1,
        source: r.source.clone().unwrap_or_default(),
    })
}
