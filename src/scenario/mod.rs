//! The validated scenario: countries, authorities, channels and cohorts that satisfy every rule
//! of docs/MODEL.md ("Scenario format"), with their defaults filled in.
//!
//! Reading is two-stage (ripgrep's low/high args): `raw` mirrors the TOML and the CSV tables
//! with serde and rejects unknown keys; `validate` turns that into a [`Scenario`] or a list of
//! every problem found, each naming the table, the id and the key. A `Scenario` can only be built
//! that way, so code holding one may rely on these **invariants**:
//!
//! - ids are unique: country codes, authority ids, channel ids, cohort names;
//! - every reference resolves: an authority's country, a channel's ends, a cohort's origin and
//!   entry points (stored as indices into [`Scenario::countries`] and
//!   [`Scenario::authorities`]);
//! - probabilities (`identification`, `assist_incomplete`, `quality`, `fidelity`) are in [0, 1];
//!   `dropout_per_day`, `close` are finite and >= 0; `weight` is finite and > 0; delays pass
//!   [`Delay::check`]; no channel goes from an authority to itself;
//! - every cohort has at least one entry point, its shares are > 0 and normalised to sum to 1,
//!   and its goal is a non-empty set of services (the default rule of docs/MODEL.md applied);
//! - `trials` is in 1..=[`MAX_TRIALS`], `max_hops` in 1..=[`MAX_HOPS`], `retries` in
//!   0..=[`MAX_RETRIES`], `horizon_days` finite and > 0 when given.
//!
//! Files are read only by [`Scenario::load`]; [`Scenario::from_toml_str`] does no I/O unless
//! the text names CSV tables, which are read relative to the given base folder.
//!
//! Loading is a pipeline of one-way steps, run by this file: `tables` (the TOML records and the
//! CSV rows, located) -> `validate` (the baseline tables, one function per table, with the
//! per-record rules of `records` and the problem collector of `check`) -> [`graph`] (structural
//! warnings) -> [`variant`] (interventions, practices and sweep points, stated in the vocabulary
//! of [`edit`]). Sibling files never use each other in a cycle; they may use the types defined
//! here.

mod check;
mod counterfactual;
pub mod diff;
pub mod edit;
pub mod graph;
mod hash;
pub mod input;
pub mod observed;
pub(crate) mod raw;
mod records;
mod tables;
mod validate;
pub mod variant;

use std::fmt;
use std::path::{Path, PathBuf};

use self::check::Checker;
use self::hash::InputHash;
pub use self::hash::{HashedFile, VariantsFile};
use self::input::{Folder, InputRules};
pub use self::input::{default_name, scenario_file};
pub use self::validate::default_goal;
use crate::error::{Error, Problem, Result};
use crate::vocab::Services;
use crate::vocab::delay::Delay;

/// The variant name of the scenario as given.
pub const BASELINE: &str = "baseline";

/// Largest number of trials per cohort (2^40): keeps every trial's stream position in range.
pub const MAX_TRIALS: u64 = 1 << 40;
/// Largest `max_hops`.
pub const MAX_HOPS: u32 = 4096;
/// Largest `retries` of a channel.
pub const MAX_RETRIES: u32 = 255;
/// `max_hops` when the scenario does not set it.
pub const DEFAULT_MAX_HOPS: u32 = 64;
/// `trials` when the scenario does not set it.
pub const DEFAULT_TRIALS: u64 = 100_000;

/// The kind of an authority.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub enum AuthorityKind {
    Police,
    Border,
    Labour,
    Prosecutor,
    Social,
    Shelter,
    Coordination,
    Consulate,
    IntlOrg,
    Ngo,
    Health,
}

impl AuthorityKind {
    /// All kinds, in the order of docs/MODEL.md, "Scenario format".
    pub const ALL: [AuthorityKind; 11] = [
        AuthorityKind::Police,
        AuthorityKind::Border,
        AuthorityKind::Labour,
        AuthorityKind::Prosecutor,
        AuthorityKind::Social,
        AuthorityKind::Shelter,
        AuthorityKind::Coordination,
        AuthorityKind::Consulate,
        AuthorityKind::IntlOrg,
        AuthorityKind::Ngo,
        AuthorityKind::Health,
    ];

    /// The name used in scenario files.
    pub fn name(self) -> &'static str {
        match self {
            AuthorityKind::Police => "police",
            AuthorityKind::Border => "border",
            AuthorityKind::Labour => "labour",
            AuthorityKind::Prosecutor => "prosecutor",
            AuthorityKind::Social => "social",
            AuthorityKind::Shelter => "shelter",
            AuthorityKind::Coordination => "coordination",
            AuthorityKind::Consulate => "consulate",
            AuthorityKind::IntlOrg => "intl_org",
            AuthorityKind::Ngo => "ngo",
            AuthorityKind::Health => "health",
        }
    }
}

/// A victim's age group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Age {
    /// Under 18.
    Child,
    /// 18 or over.
    Adult,
}

impl Age {
    /// The name used in scenario files.
    pub fn name(self) -> &'static str {
        match self {
            Age::Child => "child",
            Age::Adult => "adult",
        }
    }
}

/// `when.victims` of a channel: relative to the country of the channel's sending authority.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum VictimsFilter {
    /// Victims whose origin is the sending authority's country.
    National,
    /// Victims from another country.
    Foreign,
    /// Everyone.
    #[default]
    Any,
}

/// `when.age` of a channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum AgeFilter {
    /// Children only.
    Child,
    /// Adults only.
    Adult,
    /// Everyone.
    #[default]
    Any,
}

/// A country.
#[derive(Debug, Clone, PartialEq)]
pub struct Country {
    /// ISO 3166-1 alpha-3 code.
    pub code: String,
    /// Display name.
    pub name: String,
    /// ISO 639-1 language codes.
    pub languages: Vec<String>,
    /// Latitude of the capital, for maps.
    pub lat: Option<f64>,
    /// Longitude of the capital, for maps.
    pub lon: Option<f64>,
}

/// An authority: a node of the referral graph.
#[derive(Debug, Clone, PartialEq)]
pub struct Authority {
    /// Unique id, conventionally `CCC.kind`.
    pub id: String,
    /// Index into [`Scenario::countries`].
    pub country: usize,
    /// What kind of authority this is.
    pub kind: AuthorityKind,
    /// Probability that a victim first met here is identified.
    pub identification: f64,
    /// Services granted to a case that reaches this authority.
    pub provides: Services,
    /// Probability that services are still granted to a case with an incomplete file.
    pub assist_incomplete: f64,
    /// Hazard per day of leaving the process while a referral sent from here is pending.
    pub dropout_per_day: f64,
    /// Routing weight of closing the case here.
    pub close: f64,
}

/// A channel: a directed edge of the referral graph.
#[derive(Debug, Clone, PartialEq)]
pub struct Channel {
    /// Unique id; `FROM->TO` unless the scenario gives one.
    pub id: String,
    /// Index of the sending authority.
    pub from: usize,
    /// Index of the receiving authority.
    pub to: usize,
    /// Probability that one attempt is received and acted upon.
    pub quality: f64,
    /// Days one attempt takes.
    pub delay: Delay,
    /// Probability that the file arrives complete.
    pub fidelity: f64,
    /// Routing weight.
    pub weight: f64,
    /// Extra attempts after a failed one.
    pub retries: u32,
    /// Which victims the channel is used for (nationality).
    pub when_victims: VictimsFilter,
    /// Which victims the channel is used for (age).
    pub when_age: AgeFilter,
    /// Exempt from the cross-border rule.
    pub any_origin: bool,
    /// Rests on a written agreement or SOP (metadata).
    pub formal: bool,
    /// The victim's own movement (transit, a crossing, secondary movement), not a referral
    /// between authorities: perfect communication, toolbox practices and the leak map's
    /// communication figures leave it out.
    pub movement: bool,
    /// The two ends are in different countries (derived).
    pub cross_border: bool,
}

/// A cohort: a flow of victims with the same profile.
#[derive(Debug, Clone, PartialEq)]
pub struct Cohort {
    /// Unique name.
    pub name: String,
    /// Index of the origin country.
    pub origin: usize,
    /// Age group.
    pub age: Age,
    /// Free label (`labour`, `sexual`, ...).
    pub exploitation: String,
    /// Expected victims per year.
    pub victims: f64,
    /// Entry points: (authority index, share), shares normalised to sum to 1.
    pub entry: Vec<(usize, f64)>,
    /// Per entry point (in the order of `entry`), the services that count as complete
    /// assistance for victims first met there; read it with [`Cohort::goal`].
    pub goals: Vec<Services>,
}

impl Cohort {
    /// The goal of victims entering at entry point `k` (index into `entry`): the entry's own
    /// `goal`, else the cohort's, else the default rule ([`default_goal`]). Every part of
    /// refgap that asks whether a case is complete reads it here.
    pub fn goal(&self, k: usize) -> Services {
        self.goals[k]
    }
}

/// Where a scenario came from: its file and the hash of everything that was read.
#[derive(Debug, Clone, PartialEq)]
pub struct Source {
    /// The scenario file (or a label such as `<string>`).
    pub path: PathBuf,
    /// SHA-256 of the scenario text followed by every CSV table's bytes, in the order read.
    pub sha256: String,
    /// The scenario file (its file name), then every table and design file in the order read
    /// (named as in it, relative to its folder), each with its own SHA-256.
    pub files: Vec<HashedFile>,
    /// Files of variants added with `--intervention`, with their hashes.
    pub extra: Vec<VariantsFile>,
    /// The rules its files were read under.
    pub rules: InputRules,
}

/// What a variant is.
#[derive(Debug, Clone, PartialEq)]
pub enum VariantKind {
    /// An `[[intervention]]`.
    Intervention,
    /// A point of a `[[sweep]]`.
    SweepPoint {
        /// The sweep's name.
        sweep: String,
        /// `(axis name, value)` of the point, in axis order.
        values: Vec<(String, f64)>,
    },
}

impl VariantKind {
    /// `intervention` or `sweep`.
    pub fn name(&self) -> &'static str {
        match self {
            VariantKind::Intervention => "intervention",
            VariantKind::SweepPoint { .. } => "sweep",
        }
    }
}

/// A variant of the scenario: an intervention or a sweep point, with its whole network.
///
/// Its scenario has the baseline's countries and cohorts (so entry points and cohort indices
/// are the same in every variant), its own authorities and channels, and no variants.
#[derive(Debug, Clone)]
pub struct Variant {
    /// Unique name (never `baseline`).
    pub name: String,
    /// Intervention or sweep point.
    pub kind: VariantKind,
    /// Free description from the file.
    pub description: String,
    /// The network of the variant.
    pub scenario: Scenario,
    /// How an intervention is made from the baseline, kept to make it again in each sampled
    /// world of `refgap uncertainty` (`None` for sweep points).
    pub(crate) plan: Option<variant::intervention::Plan>,
}

/// A validated scenario; see the module docs for its invariants.
#[derive(Debug, Clone)]
pub struct Scenario {
    name: String,
    description: String,
    seed: u64,
    trials: u64,
    horizon_days: Option<f64>,
    max_hops: u32,
    countries: Vec<Country>,
    authorities: Vec<Authority>,
    channels: Vec<Channel>,
    cohorts: Vec<Cohort>,
    warnings: Vec<Problem>,
    source: Source,
    variants: Vec<Variant>,
    factors: Vec<variant::factor::Factor>,
    observed: Vec<observed::Observation>,
}

impl Scenario {
    /// Reads and validates a scenario file, or the `scenario.toml` of a scenario folder, under the
    /// default [`InputRules`]. CSV tables named in it are read relative to its folder.
    pub fn load(path: &Path) -> Result<Scenario> {
        Scenario::load_with(path, InputRules::default())
    }

    /// [`Scenario::load`] under `rules`; the variant files added later are read under them too.
    pub fn load_with(path: &Path, rules: InputRules) -> Result<Scenario> {
        let file = scenario_file(path);
        let text = input::read_text(&file, rules)?;
        let base = file.parent().map(Path::to_path_buf).unwrap_or_default();
        Scenario::from_toml_str_with(&text, &file, &base, rules)
    }

    /// Validates scenario text. `path` is used in messages; CSV tables are read relative to
    /// `base`, under the default [`InputRules`].
    pub fn from_toml_str(text: &str, path: &Path, base: &Path) -> Result<Scenario> {
        Scenario::from_toml_str_with(text, path, base, InputRules::default())
    }

    /// [`Scenario::from_toml_str`] under `rules`.
    pub fn from_toml_str_with(text: &str, path: &Path, base: &Path, rules: InputRules) -> Result<Scenario> {
        let raw: raw::RawFile = toml::from_str(text).map_err(|e| Error::Syntax {
            path: path.to_path_buf(),
            message: e.to_string().trim_end().to_owned(),
        })?;
        let mut hasher = InputHash::new(path, text);
        let input = tables::read_tables(raw, path, &Folder { dir: base, rules }, &mut hasher)?;
        let (sha256, files) = hasher.finish();
        let source = Source {
            path: path.to_path_buf(),
            sha256,
            files,
            extra: Vec::new(),
            rules,
        };
        let stem = default_name(path);
        let mut scenario = validate::baseline(&input, &stem, source)?;
        scenario.warnings = graph::ReferralGraph::new(&scenario).warnings(&scenario);
        let mut ck = Checker::new();
        let mut notes = Vec::new();
        let variants = variant::build_variants(
            &scenario,
            &input.file.intervention,
            &input.file.sweep,
            &input.designs,
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
        scenario.factors = variant::factor::read_factors(&scenario, &input.file.uncertain)?;
        scenario.observed = observed::read(&scenario, &input.file.observed)?;
        Ok(scenario)
    }

    /// Display name.
    pub fn name(&self) -> &str {
        &self.name
    }
    /// Free description.
    pub fn description(&self) -> &str {
        &self.description
    }
    /// Seed of every random stream.
    pub fn seed(&self) -> u64 {
        self.seed
    }
    /// Trials per cohort.
    pub fn trials(&self) -> u64 {
        self.trials
    }
    /// Deadline for `protected_in_time`, in days.
    pub fn horizon_days(&self) -> Option<f64> {
        self.horizon_days
    }
    /// Hops after which a trial is `stalled`.
    pub fn max_hops(&self) -> u32 {
        self.max_hops
    }
    /// Countries, in file order.
    pub fn countries(&self) -> &[Country] {
        &self.countries
    }
    /// Authorities, in file order (TOML first, then CSV tables).
    pub fn authorities(&self) -> &[Authority] {
        &self.authorities
    }
    /// Channels, in file order (TOML first, then CSV tables).
    pub fn channels(&self) -> &[Channel] {
        &self.channels
    }
    /// Cohorts, in file order.
    pub fn cohorts(&self) -> &[Cohort] {
        &self.cohorts
    }
    /// Warnings found while validating (structural holes, unreachable goals).
    pub fn warnings(&self) -> &[Problem] {
        &self.warnings
    }
    /// The file and hash the scenario came from.
    pub fn source(&self) -> &Source {
        &self.source
    }
    /// The variants (interventions, then sweep points), in file order; the baseline is not
    /// among them.
    pub fn variants(&self) -> &[Variant] {
        &self.variants
    }

    /// The same network without variants or warnings: the starting point of a variant, and
    /// cheap to clone for counterfactuals.
    pub(crate) fn network_only(&self) -> Scenario {
        Scenario {
            name: self.name.clone(),
            description: self.description.clone(),
            seed: self.seed,
            trials: self.trials,
            horizon_days: self.horizon_days,
            max_hops: self.max_hops,
            countries: self.countries.clone(),
            authorities: self.authorities.clone(),
            channels: self.channels.clone(),
            cohorts: self.cohorts.clone(),
            warnings: Vec::new(),
            source: self.source.clone(),
            variants: Vec::new(),
            factors: Vec::new(),
            observed: Vec::new(),
        }
    }

    /// The same scenario without its variants (`--no-variants`).
    pub fn without_variants(mut self) -> Scenario {
        self.variants.clear();
        self
    }

    /// Adds the `[[intervention]]` and `[[sweep]]` tables of another file (`--intervention`).
    /// Its sweeps' design files are read relative to it; its hash is added to [`Source::extra`].
    pub fn with_variants_file(mut self, path: &Path) -> Result<Scenario> {
        let text = input::read_text(path, self.source.rules)?;
        let raw: raw::RawVariantsFile = toml::from_str(&text).map_err(|e| Error::Syntax {
            path: path.to_path_buf(),
            message: e.to_string().trim_end().to_owned(),
        })?;
        let mut hasher = InputHash::new(path, &text);
        let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
        let mut problems = Vec::new();
        let folder = Folder {
            dir: &base,
            rules: self.source.rules,
        };
        let designs = tables::read_designs(&raw.sweep, &folder, &mut hasher, &mut problems);
        let mut ck = Checker { problems };
        let mut warnings = Vec::new();
        let added = variant::build_variants(
            &self,
            &raw.intervention,
            &raw.sweep,
            &designs,
            &self.variants,
            &mut ck,
            &mut warnings,
        );
        if raw.intervention.is_empty() && raw.sweep.is_empty() {
            ck.bad(
                "the file",
                "",
                "has no [[intervention]] or [[sweep]] tables; add at least one",
            );
        }
        if !ck.problems.is_empty() {
            return Err(Error::InvalidInterventions {
                path: path.to_path_buf(),
                scenario: self.source.path.clone(),
                problems: ck.problems,
            });
        }
        self.variants.extend(added);
        let from = path.display().to_string();
        self.warnings.extend(
            warnings
                .into_iter()
                .map(|w| Problem::new(format!("{from}: {}", w.location), w.message)),
        );
        let (sha256, files) = hasher.finish();
        self.source.extra.push(VariantsFile {
            path: path.to_path_buf(),
            sha256,
            files,
        });
        Ok(self)
    }

    /// The same scenario with another seed.
    pub fn with_seed(mut self, seed: u64) -> Scenario {
        self.seed = seed;
        self
    }

    /// The same scenario with another number of trials per cohort.
    pub fn with_trials(mut self, trials: u64) -> Result<Scenario> {
        if !(1..=MAX_TRIALS).contains(&trials) {
            return Err(Error::Invalid {
                path: self.source.path.clone(),
                problems: vec![Problem::new(
                    "--trials",
                    format!("{trials} is out of range; use 1 to {MAX_TRIALS}"),
                )],
            });
        }
        self.trials = trials;
        Ok(self)
    }

    /// Whether a channel may carry a case of `cohort` (the `when` filter and the cross-border
    /// rule of docs/MODEL.md, "One trial", step 4). National/foreign is judged against the country of
    /// the sending authority.
    pub fn is_eligible(&self, channel: &Channel, cohort: &Cohort) -> bool {
        let from_country = self.authorities[channel.from].country;
        let to_country = self.authorities[channel.to].country;
        let victims_ok = match channel.when_victims {
            VictimsFilter::Any => true,
            VictimsFilter::National => cohort.origin == from_country,
            VictimsFilter::Foreign => cohort.origin != from_country,
        };
        let age_ok = match channel.when_age {
            AgeFilter::Any => true,
            AgeFilter::Child => cohort.age == Age::Child,
            AgeFilter::Adult => cohort.age == Age::Adult,
        };
        let border_ok = !channel.cross_border || channel.any_origin || to_country == cohort.origin;
        victims_ok && age_ok && border_ok
    }
}

impl fmt::Display for Scenario {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.name, self.source.path.display())
    }
}
