//! The results folder as the report reads it: `manifest.json` and its CSV tables, each read with
//! the `csv` crate **by column name** so that tables with extra columns (columns are only ever
//! appended) or from an older refgap still render. Nothing here knows about charts.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::report::folder::MANIFEST;
use crate::scenario::input::{DEFAULT_MAX_INPUT_BYTES, read_file};

/// One CSV table: its header and its rows as text, cells looked up by column name.
#[derive(Debug, Clone, Default)]
pub(crate) struct Table {
    columns: Vec<String>,
    rows: Vec<Vec<String>>,
}

/// A row of a [`Table`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct Row<'a> {
    table: &'a Table,
    cells: &'a [String],
}

impl Table {
    /// Parses CSV bytes (a UTF-8 byte-order mark, if any, is skipped).
    pub fn parse(bytes: &[u8], path: &Path) -> Result<Table> {
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        let bad = |e: csv::Error| Error::Input {
            path: path.to_path_buf(),
            reason: format!(
                "{} is not a readable CSV table ({e}); rerun the command that wrote it",
                path.display()
            ),
        };
        let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(bytes);
        let columns = reader.headers().map_err(bad)?.iter().map(str::to_owned).collect();
        let mut rows = Vec::new();
        for record in reader.records() {
            rows.push(record.map_err(bad)?.iter().map(str::to_owned).collect());
        }
        Ok(Table { columns, rows })
    }

    /// Whether the table has the column `name`.
    pub fn has(&self, name: &str) -> bool {
        self.columns.iter().any(|c| c == name)
    }

    /// The rows, in file order.
    pub fn rows(&self) -> impl Iterator<Item = Row<'_>> {
        self.rows.iter().map(move |cells| Row { table: self, cells })
    }
}

impl<'a> Row<'a> {
    /// The cell of column `name` as written (empty when the column is absent).
    pub fn get(&self, name: &str) -> &'a str {
        self.table
            .columns
            .iter()
            .position(|c| c == name)
            .and_then(|i| self.cells.get(i))
            .map_or("", String::as_str)
    }

    /// The cell of column `name` as a number (`None` when empty, absent or not a number).
    pub fn num(&self, name: &str) -> Option<f64> {
        self.get(name).parse().ok()
    }
}

/// A results folder: its manifest and every CSV table it holds.
#[derive(Debug)]
pub(crate) struct Folder {
    /// Where it is.
    pub dir: PathBuf,
    /// `manifest.json`, untyped: any version's manifest renders.
    pub manifest: serde_json::Value,
    /// Tables by file name.
    pub tables: BTreeMap<String, Table>,
}

impl Folder {
    /// Reads `dir`: its manifest (which must be refgap's) and the CSV files the manifest lists.
    pub fn read(dir: &Path) -> Result<Folder> {
        let path = dir.join(MANIFEST);
        let not_results = |reason: String| Error::Input {
            path: path.clone(),
            reason: format!(
                "{reason}; give `refgap report` a results folder written by `refgap run`, `exact`, `uncertainty` or `transfer`"
            ),
        };
        let bytes = read_file(&path, DEFAULT_MAX_INPUT_BYTES).map_err(|e| not_results(e.to_string()))?;
        let manifest: serde_json::Value = serde_json::from_slice(&bytes)
            .map_err(|_| not_results(format!("{} is not a JSON manifest", path.display())))?;
        if manifest.get("tool").and_then(|t| t.as_str()) != Some("refgap") {
            return Err(not_results(format!("{} is not a refgap manifest", path.display())));
        }
        let mut tables = BTreeMap::new();
        let listed = manifest
            .get("files")
            .and_then(|f| f.as_array())
            .cloned()
            .unwrap_or_default();
        for name in listed.iter().filter_map(|f| f.as_str()).filter(|f| f.ends_with(".csv")) {
            let p = dir.join(name);
            let bytes = read_file(&p, DEFAULT_MAX_INPUT_BYTES).map_err(|e| Error::Input {
                path: p.clone(),
                reason: format!("{e}; the folder's manifest lists it: rerun the command that wrote the folder"),
            })?;
            tables.insert(name.to_owned(), Table::parse(&bytes, &p)?);
        }
        Ok(Folder {
            dir: dir.to_path_buf(),
            manifest,
            tables,
        })
    }

    /// `run`, `exact`, `uncertainty` or `transfer` (the manifest's `kind`).
    pub fn kind(&self) -> &str {
        self.manifest.get("kind").and_then(|k| k.as_str()).unwrap_or("run")
    }

    /// The table `name`, if the folder has it.
    pub fn table(&self, name: &str) -> Option<&Table> {
        self.tables.get(name)
    }

    /// A text field of the manifest, by JSON pointer (`/scenario/name`).
    pub fn text(&self, pointer: &str) -> String {
        match self.manifest.pointer(pointer) {
            Some(serde_json::Value::String(s)) => s.clone(),
            Some(v) if !v.is_null() => v.to_string(),
            _ => String::new(),
        }
    }

    /// Victims per year of each cohort, from the manifest, in its order.
    pub fn cohorts(&self) -> Vec<(String, f64)> {
        let list = self.manifest.get("cohorts").and_then(|c| c.as_array());
        list.into_iter()
            .flatten()
            .map(|c| {
                let name = c.get("name").and_then(|n| n.as_str()).unwrap_or("").to_owned();
                (name, c.get("victims").and_then(|v| v.as_f64()).unwrap_or(0.0))
            })
            .collect()
    }
}
