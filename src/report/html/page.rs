//! The page around the figures: header (what produced the folder), contents, one section per
//! figure with its numbers, the cohorts. Written with `maud`, which escapes every text it is
//! given; the charts' SVG, built by this module's siblings, is inserted as is.

use maud::{DOCTYPE, Markup, PreEscaped, html};

use super::figure::{Cell, DataTable, Figure, key};
use super::table::Folder;
use crate::report::folder::REPORT_MARKER;

const CSS: &str = "
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif;color:#222;max-width:960px;margin:0 auto;padding:1em 1.5em;line-height:1.4}
h1{font-size:1.6em;margin-bottom:.2em} h2{font-size:1.2em;margin:0 0 .3em}
.meta{color:#555;font-size:.9em} .how{color:#444;font-style:italic;margin:.2em 0 .6em}
.note{color:#8a4b00;font-size:.9em}
section.figure{border-top:1px solid #ddd;padding:1em 0;break-inside:avoid-page}
svg{max-width:100%;height:auto;display:block}
table{border-collapse:collapse;font-size:.85em;margin:.5em 0}
th,td{border:1px solid #ddd;padding:2px 6px;text-align:left} td.n{text-align:right;font-variant-numeric:tabular-nums}
details summary{cursor:pointer;color:#0072b2}
nav ol{columns:2;font-size:.9em}
@media print{nav{display:none} details{display:block} body{max-width:none}}
";

/// The whole page.
pub(crate) fn page(f: &Folder, figures: &[Figure]) -> String {
    let name = f.text("/scenario/name");
    let kind = f.kind().to_owned();
    let markup = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                (PreEscaped(REPORT_MARKER))
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { "refgap report: " (name) }
                style { (PreEscaped(CSS)) }
            }
            body data-kind=(kind) {
                header {
                    h1 { (name) }
                    p.meta {
                        "refgap " (f.text("/version"))
                        @if !f.text("/commit").is_empty() { " (commit " (f.text("/commit").chars().take(12).collect::<String>()) ")" }
                        " · " (kind) " results · scenario file " (f.text("/scenario/file"))
                        @if !f.text("/seed").is_empty() { " · seed " (f.text("/seed")) }
                        @if !f.text("/trials").is_empty() { " · " (f.text("/trials")) " trials per cohort" }
                        @if !f.text("/samples").is_empty() { " · " (f.text("/samples")) " sampled worlds (" (f.text("/design")) ")" }
                        @if !f.text("/method").is_empty() { " · " (f.text("/method")) }
                    }
                    @if !f.text("/command").is_empty() { p.meta { "command: " code { (f.text("/command")) } } }
                    p.meta { "Every number on this page is in the CSV tables beside it, in the folder " code { (folder_name(f)) } "; hover a chart for its numbers, or open the table below it." }
                    nav { ol { @for fig in figures { li { a href={ "#" (fig.id) } { (fig.title) } } } li { a href="#cohorts" { "Cohorts" } } } }
                }
                @for fig in figures { (figure(fig)) }
                (cohorts(f))
            }
        }
    };
    markup.into_string()
}

/// The results folder's own name (not its full path: the page may be mailed or published).
fn folder_name(f: &Folder) -> String {
    f.dir
        .canonicalize()
        .ok()
        .and_then(|d| d.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| f.dir.display().to_string())
}

fn figure(fig: &Figure) -> Markup {
    html! {
        section.figure id=(fig.id) data-chart=(fig.id) {
            h2 { (fig.title) }
            @if !fig.how.is_empty() { p.how { "How to read this: " (fig.how) } }
            (PreEscaped(&fig.svg))
            @for n in &fig.notes { p.note { (n) } }
            @if !fig.table.rows.is_empty() { (table(&fig.table)) }
        }
    }
}

fn table(t: &DataTable) -> Markup {
    html! {
        details {
            summary { "Numbers (" (t.rows.len()) @if t.rows.len() == 1 { " row" } @else { " rows" } " of " (t.file) ")" }
            table data-file=(t.file) {
                thead { tr { @for h in &t.headers { th { (h) } } } }
                tbody {
                    @for (key, cells) in &t.rows {
                        tr data-key=(key_attr(key)) {
                            @for c in cells {
                                @match &c.source {
                                    Some((col, raw)) => td.n data-col=(col) data-raw=(raw) { (c.text) },
                                    None => td { (c.text) },
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The key columns of a row as `col=value` pairs joined by a unit separator (U+001F never
/// appears in a name).
pub(crate) fn key_attr(key: &[(String, String)]) -> String {
    key.iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("\u{1f}")
}

fn cohorts(f: &Folder) -> Markup {
    if let Some(t) = f.table("cohorts.csv") {
        let mut d = DataTable {
            file: "cohorts.csv".into(),
            headers: [
                "cohort",
                "origin",
                "age",
                "exploitation",
                "victims_per_year",
                "goal",
                "entry",
                "entry_share",
            ]
            .map(String::from)
            .to_vec(),
            rows: Vec::new(),
        };
        for r in t.rows() {
            d.rows.push((
                key(&r, &["cohort", "entry"]),
                vec![
                    Cell::text(r.get("cohort")),
                    Cell::text(r.get("origin")),
                    Cell::text(r.get("age")),
                    Cell::text(r.get("exploitation")),
                    Cell::num(&r, "victims_per_year", 0),
                    Cell::text(r.get("goal")),
                    Cell::text(r.get("entry")),
                    Cell::num(&r, "entry_share", 3),
                ],
            ));
        }
        return html! {
            section.figure id="cohorts" {
                h2 { "Cohorts" }
                p.how { "From cohorts.csv: who each cohort is, its victims per year, its goal and where its victims are identified (one row per entry point)." }
                (table(&d))
            }
        };
    }
    let list = f
        .manifest
        .get("cohorts")
        .and_then(|c| c.as_array())
        .cloned()
        .unwrap_or_default();
    let text = |v: &serde_json::Value, k: &str| match v.get(k) {
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(serde_json::Value::Array(a)) => a.iter().filter_map(|x| x.as_str()).collect::<Vec<_>>().join(", "),
        Some(x) if !x.is_null() => x.to_string(),
        _ => String::new(),
    };
    html! {
        section.figure id="cohorts" {
            h2 { "Cohorts" }
            p.how { "From manifest.json: the cohorts of the scenario, their victims per year and goal." }
            table { thead { tr { th { "cohort" } th { "victims per year" } th { "goal" } th { "trials" } } }
                tbody { @for c in &list { tr { td { (text(c, "name")) } td.n { (text(c, "victims")) } td { (text(c, "goal")) } td.n { (text(c, "trials")) } } } } }
        }
    }
}
