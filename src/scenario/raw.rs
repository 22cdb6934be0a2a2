//! Serde mirror of the scenario file, one struct per TOML table, with no logic.
//!
//! This is the "raw input" half of the parse-then-validate split (ripgrep's `LowArgs` role):
//! every struct rejects unknown keys, optional keys are `Option`s so that validation can tell
//! "absent" from "given", and enumerated values (kinds, services, filters) stay strings here so
//! that [`super::validate`] can answer a typo with the list of allowed values, the same way for
//! TOML and for CSV tables. Nothing outside `scenario/` sees these types.

use serde::{Deserialize, Deserializer};

/// The whole scenario file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawFile {
    pub scenario: RawSettings,
    #[serde(default)]
    pub tables: RawTables,
    #[serde(default)]
    pub country: Vec<RawCountry>,
    #[serde(default)]
    pub authority: Vec<RawAuthority>,
    #[serde(default)]
    pub channel: Vec<RawChannel>,
    #[serde(default)]
    pub cohort: Vec<RawCohort>,
    #[serde(default)]
    pub intervention: Vec<RawIntervention>,
    #[serde(default)]
    pub sweep: Vec<RawSweep>,
    #[serde(default)]
    pub uncertain: Vec<RawUncertain>,
    #[serde(default)]
    pub observed: Vec<RawObserved>,
}

/// `[[observed]]`: a published figure that plausible worlds must reproduce.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawObserved {
    pub name: String,
    pub cohort: String,
    pub group: Option<String>,
    pub key: Option<String>,
    pub measure: String,
    pub given: Option<String>,
    pub per_year: Option<bool>,
    pub range: Vec<f64>,
    pub source: Option<String>,
}

/// `[[uncertain]]`: a factor nobody knows for sure, drawn by `refgap uncertainty`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawUncertain {
    pub name: String,
    pub select: Option<RawSelector>,
    pub parameter: String,
    pub op: Option<String>,
    pub range: Vec<f64>,
    pub dist: Option<RawDist>,
    pub basis: Option<String>,
}

/// `dist = { triangular = { mode = m } }`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub(crate) enum RawDist {
    Triangular { mode: f64 },
}

/// A file given with `--intervention`: only `[[intervention]]` and `[[sweep]]` tables.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawVariantsFile {
    #[serde(default)]
    pub intervention: Vec<RawIntervention>,
    #[serde(default)]
    pub sweep: Vec<RawSweep>,
}

/// `[[intervention]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawIntervention {
    pub name: String,
    pub description: Option<String>,
    #[serde(default)]
    pub practices: Vec<RawPractice>,
    #[serde(default)]
    pub remove_channels: Vec<String>,
    #[serde(default)]
    pub remove_authorities: Vec<String>,
    #[serde(default)]
    pub add_authority: Vec<RawAuthority>,
    #[serde(default)]
    pub add_channel: Vec<RawChannel>,
    #[serde(default)]
    pub change: Vec<RawChange>,
}

/// A string or a list of strings (`kind = "police"` or `kind = ["police", "border"]`).
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub(crate) enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    pub fn items(&self) -> &[String] {
        match self {
            OneOrMany::One(s) => std::slice::from_ref(s),
            OneOrMany::Many(v) => v,
        }
    }
}

/// `select = { ... }`: which channels or authorities a change applies to. Every given key must
/// match; `{}` selects everything.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawSelector {
    pub id: Option<OneOrMany>,
    pub from: Option<OneOrMany>,
    pub to: Option<OneOrMany>,
    pub from_country: Option<OneOrMany>,
    pub to_country: Option<OneOrMany>,
    pub between: Option<Vec<String>>,
    pub country: Option<OneOrMany>,
    pub kind: Option<OneOrMany>,
    pub from_kind: Option<OneOrMany>,
    pub to_kind: Option<OneOrMany>,
    pub cross_border: Option<bool>,
    pub formal: Option<bool>,
    pub movement: Option<bool>,
    pub language_differs: Option<bool>,
}

/// `[[intervention.change]]`: a selector and one table of `parameter = number` per operation.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawChange {
    pub select: Option<RawSelector>,
    #[serde(default)]
    pub set: toml::Table,
    #[serde(default)]
    pub scale: toml::Table,
    #[serde(default)]
    pub add: toml::Table,
    #[serde(default)]
    pub at_least: toml::Table,
    #[serde(default)]
    pub at_most: toml::Table,
}

/// A toolbox practice: `{ bilateral_agreement = { countries = [..], ... } }`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub(crate) enum RawPractice {
    BilateralAgreement {
        countries: Vec<String>,
        quality: Option<f64>,
        delay_scale: Option<f64>,
    },
    StandardForms {
        fidelity: Option<f64>,
        select: Option<Box<RawSelector>>,
    },
    FocalPoints {
        countries: Option<Vec<String>>,
        quality: Option<f64>,
        delay: Option<RawDelay>,
        fidelity: Option<f64>,
    },
    Training {
        countries: Option<Vec<String>>,
        kinds: Option<Vec<String>>,
        identification_gain: Option<f64>,
    },
    NrmAdoption {
        countries: Vec<String>,
        quality: Option<f64>,
    },
    RegionalAdviser {
        countries: Option<Vec<String>>,
        quality: Option<f64>,
        delay: Option<RawDelay>,
        fidelity: Option<f64>,
    },
}

/// `[[sweep]]`: one axis written inline (`select`, `parameter`, `values` or `range`), or
/// several `[[sweep.axis]]` combined by `design`. The inline keys repeat [`RawAxis`]'s rather
/// than `#[serde(flatten)]` it, because serde cannot combine `flatten` with
/// `deny_unknown_fields`, and a typo must stay an error.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawSweep {
    pub name: String,
    pub description: Option<String>,
    pub design: Option<String>,
    pub points: Option<u64>,
    pub seed: Option<u64>,
    pub file: Option<String>,
    pub select: Option<RawSelector>,
    pub parameter: Option<String>,
    pub op: Option<String>,
    pub values: Option<Vec<f64>>,
    pub range: Option<RawRange>,
    #[serde(default)]
    pub axis: Vec<RawAxis>,
}

/// `[[sweep.axis]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawAxis {
    pub name: Option<String>,
    pub select: Option<RawSelector>,
    pub parameter: String,
    pub op: Option<String>,
    pub values: Option<Vec<f64>>,
    pub range: Option<RawRange>,
}

/// `range = { from, to, step }` or `{ from, to, points }`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawRange {
    pub from: f64,
    pub to: f64,
    pub step: Option<f64>,
    pub points: Option<u64>,
}

/// `[scenario]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawSettings {
    pub name: Option<String>,
    pub description: Option<String>,
    pub seed: Option<u64>,
    pub trials: Option<u64>,
    pub horizon_days: Option<f64>,
    pub max_hops: Option<u32>,
}

/// `[tables]`: CSV files holding more authorities and channels, relative to the scenario file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawTables {
    #[serde(default, deserialize_with = "one_or_many")]
    pub authorities: Vec<String>,
    #[serde(default, deserialize_with = "one_or_many")]
    pub channels: Vec<String>,
}

/// `[[country]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawCountry {
    pub code: String,
    pub name: Option<String>,
    #[serde(default)]
    pub languages: Vec<String>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
}

/// `[[authority]]`, or one row of an authorities CSV table.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawAuthority {
    pub id: String,
    pub country: String,
    pub kind: String,
    pub identification: Option<f64>,
    #[serde(default)]
    pub provides: Vec<String>,
    pub assist_incomplete: Option<f64>,
    pub dropout_per_day: Option<f64>,
    pub close: Option<f64>,
}

/// A delay distribution as written: `{ fixed = d }`, `{ gamma = { mean, shape } }`, ...
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "lowercase", deny_unknown_fields)]
pub(crate) enum RawDelay {
    Fixed(f64),
    Exponential(f64),
    Gamma { mean: f64, shape: f64 },
    Lognormal { median: f64, sigma: f64 },
    Uniform { min: f64, max: f64 },
}

/// `when = { victims = "...", age = "..." }`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawWhen {
    pub victims: Option<String>,
    pub age: Option<String>,
}

/// `[[channel]]`, or one row of a channels CSV table.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawChannel {
    pub id: Option<String>,
    pub from: String,
    pub to: String,
    pub quality: Option<f64>,
    pub delay: Option<RawDelay>,
    pub fidelity: Option<f64>,
    pub weight: Option<f64>,
    pub retries: Option<i64>,
    pub when: Option<RawWhen>,
    pub any_origin: Option<bool>,
    pub formal: Option<bool>,
    pub movement: Option<bool>,
}

/// `entry = [{ at = "...", share = ..., goal = [...] }]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawEntry {
    pub at: String,
    pub share: f64,
    pub goal: Option<Vec<String>>,
}

/// `[[cohort]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawCohort {
    pub name: String,
    pub origin: String,
    pub age: String,
    pub exploitation: Option<String>,
    pub victims: Option<f64>,
    #[serde(default)]
    pub entry: Vec<RawEntry>,
    pub goal: Option<Vec<String>>,
}

/// One row of an authorities CSV table: the same keys as `[[authority]]`, with `provides`
/// as a list separated by `;` or spaces. Empty cells take the defaults.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawAuthorityRow {
    pub id: String,
    pub country: String,
    pub kind: String,
    pub identification: Option<f64>,
    pub provides: Option<String>,
    pub assist_incomplete: Option<f64>,
    pub dropout_per_day: Option<f64>,
    pub close: Option<f64>,
}

/// One row of a channels CSV table: the keys of `[[channel]]`, with `delay` written as the
/// same TOML inline table (`"{ gamma = { mean = 2, shape = 2 } }"`) and `when` split into
/// `when_victims` and `when_age`. Empty cells take the defaults.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawChannelRow {
    pub id: Option<String>,
    pub from: String,
    pub to: String,
    pub quality: Option<f64>,
    pub delay: Option<String>,
    pub fidelity: Option<f64>,
    pub weight: Option<f64>,
    pub retries: Option<i64>,
    pub when_victims: Option<String>,
    pub when_age: Option<String>,
    pub any_origin: Option<bool>,
    pub formal: Option<bool>,
    pub movement: Option<bool>,
}

/// Wrapper to parse one CSV `delay` cell with the TOML grammar.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct DelayCell {
    pub delay: RawDelay,
}

/// Accepts `key = "a.csv"` as well as `key = ["a.csv", "b.csv"]`.
fn one_or_many<'de, D: Deserializer<'de>>(de: D) -> Result<Vec<String>, D::Error> {
    struct Visitor;
    impl<'de> serde::de::Visitor<'de> for Visitor {
        type Value = Vec<String>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a file name or a list of file names")
        }
        fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
            Ok(vec![v.to_owned()])
        }
        fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            let mut out = Vec::new();
            while let Some(s) = seq.next_element::<String>()? {
                out.push(s);
            }
            Ok(out)
        }
    }
    de.deserialize_any(Visitor)
}
