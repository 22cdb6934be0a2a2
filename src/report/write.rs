//! The list of files of each kind of results folder, and writing them.
//!
//! Each report kind has **one** list of its files ([`Report::files`],
//! [`ExactReport::files`](super::exact::ExactReport::files)); the manifest's `files` is derived
//! from the same list, so the manifest names exactly what the folder holds. Writing goes through
//! [`OutputFolder`]: reserved before the work, committed atomically after it.

use std::path::Path;

use super::Report;
use super::csv::{
    AuthorityRow, ChannelRow, CohortRow, ComparisonRow, CsvRow, GapRow, HopsRow, InconsistencyRow, PairwiseRow,
    RateRow, TimeRow, VariantRow, to_csv,
};
use super::folder::{MANIFEST, OutputFolder};
use crate::error::Result;

/// The terminal summary of a run, saved as printed.
pub const SUMMARY: &str = "summary.txt";

/// A file of a results folder: its name and how to render it from the report.
pub(crate) type Table<R> = (&'static str, fn(&R) -> Vec<u8>);

/// The names of `tables`, for the manifest.
pub(crate) fn names<R>(tables: &[Table<R>]) -> Vec<&'static str> {
    tables.iter().map(|(name, _)| *name).collect()
}

/// Renders `tables` of `report`, then the manifest (already listing their names) last.
pub(crate) fn render<R>(report: &R, tables: &[Table<R>], manifest: Vec<u8>) -> Vec<(&'static str, Vec<u8>)> {
    let mut files: Vec<(&'static str, Vec<u8>)> = tables.iter().map(|(name, f)| (*name, f(report))).collect();
    files.push((MANIFEST, manifest));
    files
}

impl Report {
    /// The tables of a `run` results folder, in writing order: the one list of its files.
    /// `comparisons.csv` and `pairwise.csv` are there when the run has variants besides the
    /// baseline.
    pub(crate) fn tables(has_variants: bool) -> Vec<Table<Report>> {
        let mut t: Vec<Table<Report>> = vec![
            (RateRow::FILE, |r| to_csv(&r.rates)),
            (TimeRow::FILE, |r| to_csv(&r.times)),
            (HopsRow::FILE, |r| to_csv(&r.hops)),
            (ChannelRow::FILE, |r| to_csv(&r.channels)),
            (AuthorityRow::FILE, |r| to_csv(&r.authorities)),
            (GapRow::FILE, |r| to_csv(&r.gap)),
            (InconsistencyRow::FILE, |r| to_csv(&r.inconsistency)),
            (VariantRow::FILE, |r| to_csv(&r.variants)),
            (CohortRow::FILE, |r| to_csv(&r.cohorts)),
        ];
        if has_variants {
            t.push((ComparisonRow::FILE, |r| to_csv(&r.comparisons)));
            t.push((PairwiseRow::FILE, |r| to_csv(&r.pairwise)));
        }
        t.push((SUMMARY, |r| r.text.clone().into_bytes()));
        t
    }

    /// Every file of the results folder (name, bytes), `manifest.json` last.
    pub fn files(&self) -> Vec<(&'static str, Vec<u8>)> {
        render(
            self,
            &Report::tables(self.manifest.has_variants()),
            self.manifest.to_json(),
        )
    }
}

/// Writes every file of `report` into `dir`: reserves it (see [`OutputFolder::reserve`]; an
/// earlier refgap result is replaced, anything else refused) and commits at once. A command that
/// simulates reserves its folder before simulating instead.
pub fn write_all(report: &Report, dir: &Path) -> Result<()> {
    OutputFolder::reserve(dir, &[])?.commit(&report.files())?;
    Ok(())
}
