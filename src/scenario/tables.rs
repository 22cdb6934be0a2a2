//! CSV authority and channel tables named in `[tables]`: reads them (relative to the scenario
//! file), turns each row into the same raw record as a TOML table, and remembers where every
//! record came from so that validation messages can point at a file and line.

use std::collections::HashMap;
use std::path::Path;

use super::hash::InputHash;
use super::input::Folder;
use super::raw::{DelayCell, RawAuthority, RawAuthorityRow, RawChannel, RawChannelRow, RawFile, RawWhen};
use crate::error::{Error, Problem, Result};

/// Raw records with their locations, ready for validation.
pub(crate) struct Input {
    pub file: RawFile,
    /// `(location, record)`: TOML tables first, then CSV rows in table order.
    pub authorities: Vec<(String, RawAuthority)>,
    pub channels: Vec<(String, RawChannel)>,
    /// Bytes of the sweeps' CSV design files, by the name given in `file`.
    pub designs: HashMap<String, Vec<u8>>,
}

/// Moves the TOML records into an [`Input`] and appends every row of the named CSV tables.
/// The bytes of each table are fed to `hasher`, so the scenario hash covers them and names them.
pub(crate) fn read_tables(mut file: RawFile, path: &Path, base: &Folder<'_>, hasher: &mut InputHash) -> Result<Input> {
    let mut problems = Vec::new();
    let authorities = std::mem::take(&mut file.authority)
        .into_iter()
        .enumerate()
        .map(|(i, a)| (format!("[[authority]] #{} \"{}\"", i + 1, a.id), a))
        .collect::<Vec<_>>();
    let channels = std::mem::take(&mut file.channel)
        .into_iter()
        .enumerate()
        .map(|(i, c)| (format!("[[channel]] #{} \"{}->{}\"", i + 1, c.from, c.to), c))
        .collect::<Vec<_>>();
    let designs = read_designs(&file.sweep, base, hasher, &mut problems);
    let mut input = Input {
        file,
        authorities,
        channels,
        designs,
    };
    for name in input.file.tables.authorities.clone() {
        if let Some(bytes) = read_table(base, &name, "authorities", hasher, &mut problems) {
            for (line, row) in
                rows::<RawAuthorityRow>(&bytes, &name, (&AUTHORITY_COLUMNS, &AUTHORITY_REQUIRED), &mut problems)
            {
                let loc = format!("{name} line {line} \"{}\"", row.id);
                input.authorities.push((loc, authority_from_row(row)));
            }
        }
    }
    for name in input.file.tables.channels.clone() {
        if let Some(bytes) = read_table(base, &name, "channels", hasher, &mut problems) {
            for (line, row) in
                rows::<RawChannelRow>(&bytes, &name, (&CHANNEL_COLUMNS, &CHANNEL_REQUIRED), &mut problems)
            {
                let loc = format!("{name} line {line} \"{}->{}\"", row.from, row.to);
                match channel_from_row(row) {
                    Ok(c) => input.channels.push((loc, c)),
                    Err(msg) => problems.push(Problem::new(format!("{loc} delay"), msg)),
                }
            }
        }
    }
    if problems.is_empty() {
        Ok(input)
    } else {
        Err(Error::Invalid {
            path: path.to_path_buf(),
            problems,
        })
    }
}

/// Reads the CSV design file of every sweep with `design = "csv"`, relative to `base`.
pub(crate) fn read_designs(
    sweeps: &[super::raw::RawSweep],
    base: &Folder<'_>,
    hasher: &mut InputHash,
    problems: &mut Vec<Problem>,
) -> HashMap<String, Vec<u8>> {
    let mut out = HashMap::new();
    for sw in sweeps {
        if let Some(file) = &sw.file
            && !out.contains_key(file)
            && let Some(bytes) = read_table(base, file, &format!("[[sweep]] \"{}\" file", sw.name), hasher, problems)
        {
            out.insert(file.clone(), bytes);
        }
    }
    out
}

fn read_table(
    base: &Folder<'_>,
    name: &str,
    key: &str,
    hasher: &mut InputHash,
    problems: &mut Vec<Problem>,
) -> Option<Vec<u8>> {
    match base.read(name) {
        Ok(bytes) => {
            hasher.add(name, &bytes);
            Some(bytes)
        }
        Err(e) => {
            let at = if key.starts_with('[') {
                key.to_owned()
            } else {
                format!("[tables] {key}")
            };
            problems.push(Problem::new(
                at,
                format!("{e}; paths are relative to the folder of the file that names them"),
            ));
            None
        }
    }
}

/// Columns of an authorities table, and those it must have.
const AUTHORITY_COLUMNS: [&str; 8] = [
    "id",
    "country",
    "kind",
    "identification",
    "provides",
    "assist_incomplete",
    "dropout_per_day",
    "close",
];
const AUTHORITY_REQUIRED: [&str; 3] = ["id", "country", "kind"];
/// Columns of a channels table, and those it must have.
const CHANNEL_COLUMNS: [&str; 13] = [
    "id",
    "from",
    "to",
    "quality",
    "delay",
    "fidelity",
    "weight",
    "retries",
    "when_victims",
    "when_age",
    "any_origin",
    "formal",
    "movement",
];
const CHANNEL_REQUIRED: [&str; 3] = ["from", "to", "quality"];

/// Checks the header row once (unknown or missing columns), so that a bad header gives one
/// message at line 1 rather than one per row, even for a table with no rows.
fn check_header(headers: &csv::StringRecord, name: &str, columns: &[&str], required: &[&str]) -> Vec<Problem> {
    let list = columns.iter().map(|c| format!("`{c}`")).collect::<Vec<_>>().join(", ");
    let mut out: Vec<Problem> = headers
        .iter()
        .filter(|h| !columns.contains(h))
        .map(|h| {
            Problem::new(
                format!("{name} line 1"),
                format!("unknown field `{}`, expected one of {list}", clip(h)),
            )
        })
        .collect();
    for r in required {
        if !headers.iter().any(|h| h == *r) {
            out.push(Problem::new(
                format!("{name} line 1"),
                format!(
                    "missing column `{r}`; the header row needs at least {}",
                    required.join(", ")
                ),
            ));
        }
    }
    out
}

/// A cell as quoted in a message: at most 20 characters, so that a file read by mistake (a
/// password file named as a table) is never echoed beyond the start of the offending cell.
fn clip(cell: &str) -> String {
    match cell.char_indices().nth(20) {
        Some((end, _)) => format!("{}…", &cell[..end]),
        None => cell.to_owned(),
    }
}

/// What a cell that failed to parse should have been.
fn cell_message(err: &csv::DeserializeError, headers: &csv::StringRecord, row: &csv::StringRecord) -> String {
    use csv::DeserializeErrorKind as K;
    let Some(f) = err.field().map(|f| f as usize) else {
        return err.kind().to_string();
    };
    let column = format!("column {} ({})", f + 1, headers.get(f).unwrap_or("?"));
    let value = clip(row.get(f).unwrap_or(""));
    let wanted = match err.kind() {
        K::ParseFloat(_) => "a number such as 0.5",
        K::ParseInt(_) => "a whole number such as 2",
        K::ParseBool(_) => "true or false",
        other => return format!("{column}: {other}"),
    };
    format!("{column}: \"{value}\" is not valid; write {wanted}, or leave the cell empty for the default")
}

/// Deserialises every row with its line number, recording a problem for each bad one.
fn rows<T: serde::de::DeserializeOwned>(
    bytes: &[u8],
    name: &str,
    (columns, required): (&[&str], &[&str]),
    problems: &mut Vec<Problem>,
) -> Vec<(u64, T)> {
    let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).from_reader(bytes);
    let headers = match reader.headers() {
        Ok(h) => h.clone(),
        Err(e) => {
            problems.push(Problem::new(
                format!("{name} line 1"),
                format!("cannot read the header row: {e}"),
            ));
            return Vec::new();
        }
    };
    let header_problems = check_header(&headers, name, columns, required);
    if !header_problems.is_empty() {
        problems.extend(header_problems);
        return Vec::new();
    }
    let mut out = Vec::new();
    for rec in reader.records() {
        let line = |pos: Option<&csv::Position>| pos.map_or(0, csv::Position::line);
        match rec {
            Ok(r) => match r.deserialize::<T>(Some(&headers)) {
                Ok(row) => out.push((line(r.position()), row)),
                Err(e) => {
                    let what = match e.kind() {
                        csv::ErrorKind::Deserialize { err, .. } => cell_message(err, &headers, &r),
                        _ => e.to_string(),
                    };
                    problems.push(Problem::new(format!("{name} line {}", line(r.position())), what));
                }
            },
            Err(e) => problems.push(Problem::new(
                format!("{name} line {}", line(e.position())),
                e.to_string(),
            )),
        }
    }
    out
}

fn authority_from_row(row: RawAuthorityRow) -> RawAuthority {
    RawAuthority {
        id: row.id,
        country: row.country,
        kind: row.kind,
        identification: row.identification,
        provides: row
            .provides
            .unwrap_or_default()
            .split(|c: char| c == ';' || c == ',' || c.is_whitespace())
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
        assist_incomplete: row.assist_incomplete,
        dropout_per_day: row.dropout_per_day,
        close: row.close,
    }
}

fn channel_from_row(row: RawChannelRow) -> Result<RawChannel, String> {
    let delay = match row.delay.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(cell) => Some(
            toml::from_str::<DelayCell>(&format!("delay = {cell}"))
                .map_err(|e| {
                    format!(
                        "cannot read delay `{cell}`: {}; write it as in TOML, e.g. \
                         \"{{ gamma = {{ mean = 2.0, shape = 2.0 }} }}\"",
                        e.message()
                    )
                })?
                .delay,
        ),
    };
    let when = (row.when_victims.is_some() || row.when_age.is_some()).then_some(RawWhen {
        victims: row.when_victims,
        age: row.when_age,
    });
    Ok(RawChannel {
        id: row.id,
        from: row.from,
        to: row.to,
        quality: row.quality,
        delay,
        fidelity: row.fidelity,
        weight: row.weight,
        retries: row.retries,
        when,
        any_origin: row.any_origin,
        formal: row.formal,
        movement: row.movement,
    })
}
