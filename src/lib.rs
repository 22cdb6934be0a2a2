//! refgap simulates how victims of human trafficking are referred between national authorities,
//! within and across borders, and measures where poor communication loses them.
//!
//! # Bird's-eye view
//!
//! A scenario file describes countries, **authorities** (graph nodes: police, border, labour
//! inspection, social services, shelters, consulates, coordination bodies, NGOs...), directed
//! **channels** between them (quality, delay law, file fidelity, retries, eligibility filters; a
//! channel may be the victim's own **movement**, a transit or a crossing, rather than a referral)
//! and **cohorts** of victims (origin, age, exploitation, entry points, and the goal of the victims
//! met at each entry point, [`scenario::Cohort::goal`]). A parallel Monte Carlo
//! engine follows many simulated victims of each cohort through the referral pathways exactly as
//! `docs/MODEL.md` ("One trial") specifies, and reports who is identified, protected, returned,
//! reintegrated or lost and where, the **referral gap** (perfect communication, movements left as
//! they are, minus actual, on the same random numbers), the **inconsistency** of outcomes across
//! entry points and countries (for all victims and for identified ones: referral consistency,
//! with a chi-square test), a **leak map** of channels per cohort (leaks before and after the
//! cohort's goal told apart, movements apart from referrals), and **where cases end** at each
//! authority (closes, stalls in structural holes or at the hop limit, dropouts), as tidy CSV
//! tables. **Variants** (interventions such as a
//! bilateral agreement or standard forms, and sweep points) are simulated on the same random
//! numbers as the baseline, so their differences from it — and from each other — come with paired
//! intervals.
//!
//! ```no_run
//! use refgap::{engine, report::Report, scenario::Scenario};
//! let s = Scenario::load("scenarios/minimal.toml".as_ref())?;
//! let result = engine::run(&s, &engine::RunConfig::from_scenario(&s), &|_| {});
//! let report = Report::new(&s, &result);
//! refgap::report::write::write_all(&report, "results/minimal".as_ref())?;
//! # Ok::<(), refgap::Error>(())
//! ```
//!
//! # Codemap
//!
//! Lowest layer first; each module may use only the modules above it in this list (see
//! "Architecture invariants").
//!
//! - `error`: [`Error`], [`Problem`], [`Result`].
//! - [`vocab`]: the words every layer shares: services ([`vocab::Service`],
//!   [`vocab::Services`]), delay laws with their samplers and transforms ([`vocab::delay`]),
//!   and the Latin hypercube that sweeps and sensitivity designs share ([`vocab::latin`]).
//! - [`scenario`]: the validated [`scenario::Scenario`] and how it is read. `raw` mirrors the
//!   TOML and CSV tables with serde (`tables` reads the CSV files); `validate` checks the
//!   baseline tables, one function per table, with `records` (one authority or channel record,
//!   shared with interventions) and `check` (the problem collector);
//!   [`scenario::graph`] is the petgraph view of a scenario (reachability, eligible channels,
//!   structural warnings); [`scenario::edit`] is the one vocabulary of edits
//!   ([`scenario::edit::change`]: operations, parameters and ranges;
//!   [`scenario::edit::selector`]: selectors parsed once and matched on indices;
//!   [`scenario::edit::apply`]: a change applied to a network); [`scenario::variant`] builds the
//!   variants from it ([`scenario::variant::intervention`], [`scenario::variant::toolbox`]
//!   practices, [`scenario::variant::sweep`] points over a [`scenario::variant::design`],
//!   [`scenario::variant::factor`]: `[[uncertain]]` factors and the sampled worlds they make;
//!   [`scenario::variant::transfer`]: every practice made in every country or crossing pair);
//!   [`scenario::input`] reads input files under the reading rules (inside the scenario's
//!   folder, regular files only, size cap); [`scenario::diff`] says what a variant changes.
//! - [`model`]: outcomes, measures, milestones; [`model::network`] (the scenario compiled into
//!   flat arrays and routing tables), [`model::trial`] (one trial, a pure function of a network
//!   and a stream of words), [`model::perfect`] (the perfect-communication arm's probability of
//!   completing from a trial's first communication failure, by backward induction).
//! - [`stats`]: mergeable integer tallies, Wilson and paired intervals, histogram, the gap's
//!   fixed-point sums and Agresti–Min interval ([`stats::gap`]), the
//!   inconsistency, the chi-square test of homogeneity ([`stats::homogeneity`]);
//!   [`stats::sensitivity`]: designs (Saltelli, Morris, Latin hypercube) and
//!   estimators (Sobol' S1/ST, Morris mu*/sigma) of global sensitivity analysis;
//!   [`stats::world`]: the outcomes of one sampled world, however it was evaluated.
//! - [`engine`]: blocks of trials over rayon, every variant of a block on the same words, with an
//!   optional target-precision stop at fixed stage boundaries; [`engine::stream`] keys the
//!   ChaCha8 streams; [`engine::pairs`] pairs variants with each other (at most 20);
//!   [`engine::part`] runs a range of a run's blocks (the work items of shards and
//!   checkpoints) and turns merged tallies into the result a whole run gives;
//!   [`engine::world`] simulates sampled worlds (`uncertainty --simulate`).
//! - [`exact`]: the same model as an absorbing Markov chain solved with a sparse LU, or for large
//!   chains by [`exact::iterative`] propagation in linear memory (every probability without
//!   sampling noise, the exact gap); [`exact::estimate`] bounds its size before it is built,
//!   [`exact::rank`] ranks channels by low-rank updates of the LU, [`exact::check`] measures
//!   simulated rates against it (z-scores), [`exact::uncertainty`] solves sampled worlds,
//!   [`exact::transfer`] solves a practice × context matrix, reusing the baseline's work.
//! - [`report`]: CSV row types (one row set per variant, paired comparisons; `csv::encode` makes
//!   text cells spreadsheet-safe), one list of files per kind of results folder and one manifest
//!   layout ([`report::write`], [`report::manifest`]), terminal summaries, and
//!   [`report::folder`], the results folder reserved before the work and committed atomically
//!   (and single files written atomically); [`report::shard`], the versioned file of the tallies
//!   of part of a run (shards for `merge`, checkpoints for `--resume`) and its checks;
//!   [`report::uncertainty`] streams sampled worlds into the staging folder and turns their
//!   compact numbers into levels, gains, rank acceptability and pairwise tables;
//!   [`report::transfer`] turns a transfer matrix into gains and ranks; [`report::html`] draws
//!   any results folder, from its files alone, as one self-contained `report.html`.
//! - [`cli`]: the command line, one file per subcommand (`run`, `check`, `exact`, `uncertainty`,
//!   `transfer`, `report`, `bench`, `plan`, `missing`, `merge`), each
//!   calling the library and printing what it returns; `main.rs` only maps its result to an
//!   exit code.
//!
//! # Architecture invariants
//!
//! - **Layering.** `error` < `vocab` < `scenario` < `model` < `stats` < `engine` < `exact` <
//!   `report` < `cli`: a module uses only modules of lower layers, never a higher one, so the
//!   data path scenario -> model -> engine -> stats -> report -> cli has no back-edges (`stats`
//!   sits below `engine` because the engine fills its tallies). Inside a module, sibling files
//!   never use each other in a cycle; a parent `mod.rs` may use its children and children may use
//!   the items defined in their ancestors' `mod.rs`. The scenario owns its graph and its
//!   variants (a `Scenario` is loaded with its structural warnings and variants), so neither is
//!   a layer of its own. `tests/it/tidy.rs` checks all this, and that no file under `src/` is
//!   longer than 600 lines. (Unit tests, `#[cfg(test)]`, may use any module.)
//! - `model`, `engine`, `stats`, `exact` and `scenario::graph` do no I/O and print nothing.
//!   Input files are read only through [`scenario::input`] (the scenario, its tables,
//!   intervention and design files); results are written only by [`report::folder`] (which reads
//!   back only an earlier result's `manifest.json`, and never deletes or replaces a file that a
//!   refgap manifest does not list); only [`cli`] prints (and reads `/proc/meminfo` for
//!   `exact`'s memory limit).
//! - Only `report` types derive `Serialize`; only `scenario::raw` derives `Deserialize`. One
//!   exception, explained in [`stats`]: the integer tallies derive both, so that the shard
//!   format ([`report::shard`]) covers every tally field from one place.
//! - Every random word comes from the ChaCha8 stream of (seed, cohort name, trial index)
//!   ([`engine::stream`]), the same in every variant; nothing uses `thread_rng`, `StdRng` or
//!   the clock (Latin-hypercube sweeps draw from a ChaCha8 seeded by the sweep's seed). Tallies are
//!   integers merged exactly, so results depend only on (scenario, seed, trials): never on the
//!   thread count or on how trials are split (into blocks, shards or resumed steps).
//! - `model::trial` knows nothing of rayon; `engine` knows nothing of CSV.
//! - `exact` shares the scenario, the graph and the delay transforms, but never calls
//!   `model::trial` or `engine`: it stays an independent check of the simulation.

#![deny(missing_docs)]

pub mod cli;
pub mod engine;
mod error;
pub mod exact;
pub mod model;
pub mod report;
pub mod scenario;
pub mod stats;
pub mod vocab;

pub use error::{Error, Problem, Result};
