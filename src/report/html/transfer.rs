//! The figures of a `transfer` results folder (issue 18): the practice × context matrix of
//! `transfer.csv` as heat maps — completed victims per year gained, then protected and the gap
//! closed —, country practices over countries and pair practices over country pairs as two
//! panels so that 40+ contexts stay readable, with the cells that do not apply hatched and, with
//! sampled worlds, the cells whose sign is uncertain ringed; and each country's best first
//! practice.

use super::chart::{self, Dots, Point};
use super::figure::{Cell, DataTable, Figure, fmt, key};
use super::heatmap::{self, Heat, HeatCell, Panel};
use super::page::key_attr;
use super::table::{Folder, Row, Table};

const FILE: &str = "transfer.csv";
/// The row key of a `transfer.csv` row.
const KEY: [&str; 4] = ["practice", "context", "measure", "subset"];
/// A gain above this many victims a year is a gain (as `p_positive` counts them).
const ZERO: f64 = 1e-9;
/// A cell is uncertain when P(gain > 0) lies strictly between these.
const SURE: (f64, f64) = (0.05, 0.95);

/// Every figure of a `transfer` folder, in page order.
pub(crate) fn figures(f: &Folder) -> Vec<Figure> {
    let Some(t) = f.table(FILE) else {
        return Vec::new();
    };
    let m = Matrix::new(t);
    vec![
        heat(&m, "completed", "completed victims per year gained"),
        best(&m),
        heat(&m, "protected", "protected victims per year gained"),
        heat(&m, "gap", "victims per year of referral gap closed"),
    ]
}

/// The rows of `transfer.csv` the page shows: those of the `plausible` subset when there are
/// any, else `all`, else the rows without samples.
struct Matrix<'a> {
    rows: Vec<Row<'a>>,
    subset: &'a str,
    sampled: bool,
    worlds: String,
    practices: Vec<&'a str>,
    contexts: Vec<&'a str>,
}

impl<'a> Matrix<'a> {
    fn new(t: &'a Table) -> Matrix<'a> {
        let subset = ["plausible", "all"]
            .into_iter()
            .find(|s| t.rows().any(|r| r.get("subset") == *s))
            .unwrap_or("");
        let rows: Vec<Row<'a>> = t.rows().filter(|r| r.get("subset") == subset).collect();
        let mut practices = Vec::new();
        let mut contexts = Vec::new();
        for r in &rows {
            if !practices.contains(&r.get("practice")) {
                practices.push(r.get("practice"));
            }
            if !contexts.contains(&r.get("context")) {
                contexts.push(r.get("context"));
            }
        }
        let sampled = rows.iter().any(|r| r.num("p_positive").is_some());
        let worlds = rows.first().map(|r| r.get("worlds").to_owned()).unwrap_or_default();
        Matrix {
            rows,
            subset,
            sampled,
            worlds,
            practices,
            contexts,
        }
    }

    fn measure<'s>(&'s self, measure: &'s str) -> impl Iterator<Item = &'s Row<'a>> + 's {
        self.rows.iter().filter(move |r| r.get("measure") == measure)
    }

    fn find(&self, practice: &str, context: &str, measure: &str) -> Option<&Row<'a>> {
        self.rows
            .iter()
            .find(|r| r.get("measure") == measure && r.get("practice") == practice && r.get("context") == context)
    }

    fn uncertain(r: &Row<'_>) -> bool {
        r.get("applies") == "true" && r.num("p_positive").is_some_and(|p| p > SURE.0 && p < SURE.1)
    }

    /// " (5th–95th percentile a to b, P(gain > 0) p %)" when sampled.
    fn range(r: &Row<'_>) -> String {
        match (r.num("p05"), r.num("p95"), r.num("p_positive")) {
            (Some(lo), Some(hi), Some(p)) => format!(
                "; 5th–95th percentile over the sampled worlds {} to {}, P(gain > 0) {} %",
                fmt(lo, 1),
                fmt(hi, 1),
                fmt(100.0 * p, 0)
            ),
            _ => String::new(),
        }
    }

    fn table(&self, measure: &str) -> DataTable {
        let mut headers = vec!["practice", "context", "applies", "gain_per_year", "rank"];
        if self.sampled {
            headers.extend(["subset", "p05", "p50", "p95", "p_positive"]);
        }
        let mut d = DataTable {
            file: FILE.into(),
            headers: headers.into_iter().map(String::from).collect(),
            rows: Vec::new(),
        };
        for r in self.measure(measure) {
            let mut cells = vec![
                Cell::text(r.get("practice")),
                Cell::text(r.get("context")),
                Cell::text(r.get("applies")),
                Cell::num(r, "gain_per_year", 2),
                Cell::num(r, "rank", 0),
            ];
            if self.sampled {
                cells.push(Cell::text(self.subset));
                cells.extend(["p05", "p50", "p95"].map(|c| Cell::num(r, c, 2)));
                cells.push(Cell::num(r, "p_positive", 2));
            }
            d.rows.push((key(r, &KEY), cells));
        }
        d
    }
}

/// The heat map of one measure: a panel of the practices tried in countries over the countries,
/// and one of those tried on pairs over the pairs.
fn heat(m: &Matrix<'_>, measure: &str, unit: &str) -> Figure {
    let mut panels = Vec::new();
    for (pairs, title) in [
        (false, "Practices in one country × the country"),
        (true, "Practices on a pair of countries × the pair"),
    ] {
        let cols: Vec<&str> = m
            .contexts
            .iter()
            .copied()
            .filter(|c| c.contains('-') == pairs)
            .collect();
        let practices: Vec<&str> = m
            .practices
            .iter()
            .copied()
            .filter(|p| cols.iter().any(|c| m.find(p, c, measure).is_some()))
            .collect();
        if practices.is_empty() {
            continue;
        }
        let cells = practices
            .iter()
            .map(|p| {
                cols.iter()
                    .map(|c| m.find(p, c, measure).map(|r| heat_cell(r, unit)))
                    .collect()
            })
            .collect();
        panels.push(Panel {
            title: title.into(),
            rows: practices.iter().map(|p| (*p).to_owned()).collect(),
            cols: cols.iter().map(|c| (*c).to_owned()).collect(),
            cells,
        });
    }
    let marker = if m.sampled {
        format!(
            "sign uncertain: {} % < P(gain > 0) < {} %",
            fmt(100.0 * SURE.0, 0),
            fmt(100.0 * SURE.1, 0)
        )
    } else {
        String::new()
    };
    let id = format!("transfer-{measure}");
    let mut how = format!(
        "Each cell is one practice made in one context alone, on top of the baseline: its colour and number are the {unit} (the scenario as given, solved exactly), blue a gain, vermillion a loss, grey none (the colour's strength grows with the square root of the gain, so small gains and losses show); hatched cells marked n/a are contexts where the practice finds nothing to act on or changes nothing."
    );
    if m.sampled {
        how.push_str(&format!(
            " A ring marks a cell whose sign is uncertain: over the {} {}sampled worlds, the share where it gains (P(gain > 0)) is above {} % and below {} %.",
            m.worlds,
            if m.subset == "plausible" { "plausible " } else { "" },
            fmt(100.0 * SURE.0, 0),
            fmt(100.0 * SURE.1, 0)
        ));
    }
    let notes = if panels.is_empty() {
        vec![format!("{FILE} has no `{measure}` rows: nothing to draw.")]
    } else {
        Vec::new()
    };
    Figure {
        title: format!("Which practice transfers where: {unit}"),
        how,
        svg: if panels.is_empty() {
            String::new()
        } else {
            heatmap::draw(&Heat {
                id: id.clone(),
                unit: format!("{unit} (colour scale)"),
                panels,
                marker,
            })
        },
        notes,
        table: m.table(measure),
        id,
    }
}

fn heat_cell(r: &Row<'_>, unit: &str) -> HeatCell {
    let applies = r.get("applies") == "true";
    let value = r.num("gain_per_year").unwrap_or(0.0);
    let (practice, context) = (r.get("practice"), r.get("context"));
    let title = if applies {
        format!(
            "{practice} in {context}: {} {unit} (rank {} of the practice){}",
            if value > 0.0 {
                format!("+{}", fmt(value, 2))
            } else {
                fmt(value, 2)
            },
            r.get("rank"),
            Matrix::range(r)
        )
    } else {
        format!("{practice} in {context}: does not apply (nothing to act on, or nothing changes)")
    };
    HeatCell {
        value,
        applies,
        uncertain: Matrix::uncertain(r),
        title,
        source: Some([
            FILE.into(),
            key_attr(&key(r, &KEY)),
            "gain_per_year".into(),
            r.get("gain_per_year").to_owned(),
        ]),
    }
}

/// Each country's best first practice: of the practices made in the country, or on a pair that
/// includes it, the one that gains most completed victims a year.
fn best(m: &Matrix<'_>) -> Figure {
    let mut countries: Vec<&str> = Vec::new();
    for c in m.contexts.iter().flat_map(|c| c.split('-')) {
        if !countries.contains(&c) {
            countries.push(c);
        }
    }
    let mut headers = vec!["country", "practice", "context", "gain_per_year"];
    if m.sampled {
        headers.extend(["p05", "p95", "p_positive"]);
    }
    let mut table = DataTable {
        file: FILE.into(),
        headers: headers.into_iter().map(String::from).collect(),
        rows: Vec::new(),
    };
    let mut rows = Vec::new();
    for country in countries {
        let best = m
            .measure("completed")
            .filter(|r| r.get("applies") == "true" && r.get("context").split('-').any(|c| c == country))
            .filter(|r| r.num("gain_per_year").is_some_and(|g| g > ZERO))
            .fold(None::<&Row<'_>>, |b, r| match b {
                Some(b) if b.num("gain_per_year") >= r.num("gain_per_year") => Some(b),
                _ => Some(r),
            });
        let Some(r) = best else {
            rows.push((format!("{country}: no practice tried here gains"), vec![None]));
            table.rows.push((
                Vec::new(),
                vec![
                    Cell::text(country),
                    Cell::text("none gains completed referrals"),
                    Cell::text(""),
                    Cell::text(""),
                ],
            ));
            continue;
        };
        let (practice, context) = (r.get("practice"), r.get("context"));
        let label = if context == country {
            format!("{country}: {practice}")
        } else {
            format!("{country}: {practice} on {context}")
        };
        rows.push((
            label,
            vec![r.num("gain_per_year").map(|value| Point {
                value,
                interval: r.num("p05").zip(r.num("p95")),
            })],
        ));
        let mut cells = vec![
            Cell::text(country),
            Cell::text(practice),
            Cell::text(context),
            Cell::num(r, "gain_per_year", 2),
        ];
        if m.sampled {
            cells.extend(["p05", "p95", "p_positive"].map(|c| Cell::num(r, c, 2)));
        }
        table.rows.push((key(r, &KEY), cells));
    }
    Figure {
        id: "transfer-best".into(),
        title: "Each country's best first practice (completed victims per year gained)".into(),
        how: "For each country, of the practices made in it or on a pair of countries that includes it, the one that gains most completed victims a year in the scenario as given; with sampled worlds the line runs from the 5th to the 95th percentile of that gain.".into(),
        svg: chart::dots(
            &Dots::new("completed victims per year gained", ["best first practice"], rows)
                .bars()
                .interval("5th–95th percentile over the sampled worlds"),
        ),
        notes: Vec::new(),
        table,
    }
}
