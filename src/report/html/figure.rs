//! What every chart of the page is made of: a [`Figure`] (title, a one-line "how to read this",
//! the drawing, notes) and the [`DataTable`] of its numbers below it. Every number cell that comes
//! from a CSV cell carries the file, the row's key columns and the column name, and the cell as
//! written (`data-raw`), so a reader (or the browser test) can check the page against the CSVs.

use super::table::Row;

/// One chart of the page with its numbers.
#[derive(Debug, Clone, Default)]
pub(crate) struct Figure {
    /// Anchor and test id (`data-chart`).
    pub id: String,
    /// Title.
    pub title: String,
    /// One line: how to read the chart.
    pub how: String,
    /// The drawing: one `<svg>` element (or empty when there is nothing to draw).
    pub svg: String,
    /// Remarks shown under the chart (missing columns, fallbacks).
    pub notes: Vec<String>,
    /// The numbers drawn.
    pub table: DataTable,
}

/// The numbers of a figure, as a table.
#[derive(Debug, Clone, Default)]
pub(crate) struct DataTable {
    /// The CSV file the numbers come from.
    pub file: String,
    /// Column titles.
    pub headers: Vec<String>,
    /// Rows: the key columns that find the CSV row (`column=value`), then the cells.
    pub rows: Vec<(Key, Vec<Cell>)>,
}

/// The key columns of a CSV row, `(column, value)`.
pub(crate) type Key = Vec<(String, String)>;

/// A cell of a [`DataTable`].
#[derive(Debug, Clone, Default)]
pub(crate) struct Cell {
    /// Shown text.
    pub text: String,
    /// The CSV column the number comes from, and the cell as written there.
    pub source: Option<(String, String)>,
}

impl Cell {
    /// A text cell (a label, or a number computed by the page).
    pub fn text(s: impl Into<String>) -> Cell {
        Cell {
            text: s.into(),
            source: None,
        }
    }

    /// The number in column `col` of `row`, shown with `decimals` decimals (empty if absent).
    pub fn num(row: &Row<'_>, col: &str, decimals: usize) -> Cell {
        let raw = row.get(col);
        Cell {
            text: row.num(col).map_or_else(String::new, |v| fmt(v, decimals)),
            source: Some((col.to_owned(), raw.to_owned())),
        }
    }
}

/// `v` with `decimals` decimals, never `-0`.
pub(crate) fn fmt(v: f64, decimals: usize) -> String {
    let s = format!("{v:.decimals$}");
    if s.starts_with('-') && s[1..].chars().all(|c| c == '0' || c == '.') {
        s[1..].to_owned()
    } else {
        s
    }
}

/// Key columns of a CSV row, for [`DataTable::rows`].
pub(crate) fn key(row: &Row<'_>, cols: &[&str]) -> Key {
    cols.iter().map(|c| ((*c).to_owned(), row.get(c).to_owned())).collect()
}

/// A label cut to `n` characters with an ellipsis (the full label is in the hover text).
pub(crate) fn short(label: &str, n: usize) -> String {
    if label.chars().count() <= n {
        label.to_owned()
    } else {
        let mut s: String = label.chars().take(n.saturating_sub(1)).collect();
        s.push('…');
        s
    }
}
