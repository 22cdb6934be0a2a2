//! `report.html`: one self-contained page that shows a results folder as charts, read **only**
//! from the folder's files (the manifest says which kind of folder it is: `run` — and `merge`,
//! which writes the same tables —, `exact`, `uncertainty` or `transfer`).
//!
//! The page has no script, no font, no stylesheet or image from elsewhere: inline CSS and inline
//! SVG only, so it opens offline, in any browser, and prints. Each chart has a title, axis titles
//! with units, a one-line "how to read this", hover text with its numbers (SVG `<title>`) and a
//! table of the same numbers below it; each number cell names the CSV file, row and column it
//! comes from (`data-*` attributes), which is how the browser test checks the page against the
//! CSVs. Tables are read by column name, so a folder with more columns, or an older one with
//! fewer, still renders; what is missing is said on the page.
//!
//! Layout: `table` reads the folder; `run`, `channels`, `practices`, `exact`, `uncertainty` and
//! `transfer` turn its tables into `figure::Figure`s using `chart` (plotters), `network` (the leak
//! map) and `heatmap` (the transfer matrix);
//! `page` lays the figures out (maud). The file is written by [`write()`], through
//! [`crate::report::folder::write_report`] (atomic; never over a `report.html` refgap did not
//! write: refgap's pages carry [`crate::report::folder::REPORT_MARKER`]).

use std::path::{Path, PathBuf};

use crate::error::Result;

mod channels;
mod chart;
mod exact;
mod figure;
mod heatmap;
mod network;
mod page;
mod practices;
mod run;
mod table;
mod transfer;
mod uncertainty;

/// Renders the page of the results folder `dir`.
pub fn render(dir: &Path) -> Result<String> {
    let folder = table::Folder::read(dir)?;
    let figures = match folder.kind() {
        "exact" => exact::figures(&folder),
        "uncertainty" => uncertainty::figures(&folder),
        "transfer" => transfer::figures(&folder),
        _ => run_figures(&folder),
    };
    Ok(page::page(&folder, &figures))
}

/// Every figure of a `run` folder (and a `merge` folder: the same tables), in page order.
fn run_figures(f: &table::Folder) -> Vec<figure::Figure> {
    let mut v = vec![run::outcomes(f), run::milestones(f), run::gap(f)];
    v.push(run::by_group(f, "country", "entry country"));
    v.push(run::by_group(f, "entry", "entry point"));
    v.push(channels::leak_map(f));
    v.push(channels::top_channels(f));
    v.push(practices::forest(f));
    v.extend(practices::sweeps(f));
    v.push(run::times(f));
    v
}

/// Renders the page of `dir` and writes it as `dir/report.html`; returns its path.
pub fn write(dir: &Path) -> Result<PathBuf> {
    let html = render(dir)?;
    crate::report::folder::write_report(dir, html.as_bytes())
}
