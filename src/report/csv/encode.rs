//! Rows to CSV bytes: the header, the serde fields in order, numbers rounded to [`DIGITS`]
//! significant digits, and spreadsheet-safe text cells.

use super::CsvRow;

/// Serialises rows as CSV with the header row (written even when there are no rows); numbers
/// are rounded to [`DIGITS`] significant digits, text cells are made spreadsheet-safe (a
/// formula-like text cell gets a leading apostrophe) and no number is written as `-0`.
pub fn to_csv<T: CsvRow>(rows: &[T]) -> Vec<u8> {
    rows_to_csv::<T, _>(rows)
}

/// [`to_csv`] of rows made one at a time (a large table never held as row structs).
pub fn rows_to_csv<T: CsvRow, R: serde::Serialize>(rows: impl IntoIterator<Item = R>) -> Vec<u8> {
    let mut w = CsvWriter::new::<T>(Vec::new()).expect("writing to memory cannot fail");
    for r in rows {
        w.write(&r).expect("writing to memory cannot fail");
    }
    w.finish().expect("writing to memory cannot fail")
}

/// Writes rows as CSV into `W` as they come (a table streamed to a file is never held in
/// memory): the header, then each row, with its formula-like text cells neutralised. The bytes
/// are those [`to_csv`] gives for the same rows, since each record is serialised on its own and
/// neutralising a record never depends on the others.
#[derive(Debug)]
pub struct CsvWriter<W: std::io::Write> {
    out: W,
    builder: csv::WriterBuilder,
    record: Vec<u8>,
}

impl<W: std::io::Write> CsvWriter<W> {
    /// Starts the table of `T` in `out`, with its header.
    pub fn new<T: CsvRow>(out: W) -> std::io::Result<CsvWriter<W>> {
        let mut builder = csv::WriterBuilder::new();
        builder.has_headers(false).buffer_capacity(1024);
        let mut w = CsvWriter {
            out,
            builder,
            record: Vec::new(),
        };
        let mut record = w.builder.from_writer(&mut w.record);
        record.write_record(T::HEADER)?;
        record.flush()?;
        drop(record);
        w.emit()?;
        Ok(w)
    }

    /// Writes one row (a flat serde record in the table's column order).
    pub fn write<R: serde::Serialize>(&mut self, row: &R) -> std::io::Result<()> {
        let mut record = self.builder.from_writer(&mut self.record);
        record.serialize(row).map_err(std::io::Error::other)?;
        record.flush()?;
        drop(record);
        self.emit()
    }

    /// The record just serialised, its numbers rounded and its cells neutralised, to `out`.
    fn emit(&mut self) -> std::io::Result<()> {
        if let Some(rounded) = round_numbers(&self.record) {
            self.record = rounded;
        }
        if may_be_risky(&self.record) {
            let safe = neutralise(std::mem::take(&mut self.record));
            self.out.write_all(&safe)?;
        } else {
            self.out.write_all(&self.record)?;
            self.record.clear();
        }
        Ok(())
    }

    /// Flushes the rows and returns the output.
    pub fn finish(mut self) -> std::io::Result<W> {
        self.out.flush()?;
        Ok(self.out)
    }
}

/// Significant digits of the numbers written: a floating-point cell with more is rounded to this
/// many (`0.3499999999999999` is written `0.35`, `1.3499999999999999` `1.35`). Twelve keep every
/// figure far below any interval's width while hiding the last bits of binary rounding, which
/// differ between ways of summing the same numbers.
pub const DIGITS: usize = 12;

/// `x` rounded to [`DIGITS`] significant digits: the value a CSV cell holding `x` reads back as
/// (the terminal summary prints these, so that its figures are rebuilt from the tables exactly).
pub fn round(x: f64) -> f64 {
    if x.is_finite() {
        format!("{x:.*e}", DIGITS - 1).parse().unwrap_or(x)
    } else {
        x
    }
}

/// The cell to write instead of `cell`, when `cell` is a floating-point number (as the csv crate
/// writes an `f64`: `-`, digits, a `.` or an exponent) with more than [`DIGITS`] significant
/// digits: the number rounded to [`DIGITS`] significant digits, written in the shortest form that
/// reads back as it, as the csv crate writes every `f64` (`0.35`, `1.0`, `1e-7`). Integers, text
/// and shorter numbers are kept as they are (`None`).
fn rounded(cell: &[u8]) -> Option<Vec<u8>> {
    let body = cell.strip_prefix(b"-").unwrap_or(cell);
    let (mantissa, exponent) = match body.iter().position(|&b| b == b'e' || b == b'E') {
        Some(i) => (&body[..i], Some(&body[i + 1..])),
        None => (body, None),
    };
    let dots = mantissa.iter().filter(|&&b| b == b'.').count();
    let number = !mantissa.is_empty()
        && mantissa.iter().all(|&b| b.is_ascii_digit() || b == b'.')
        && dots <= 1
        && exponent.is_none_or(|e| {
            let e = e.strip_prefix(b"-").unwrap_or(e);
            !e.is_empty() && e.iter().all(u8::is_ascii_digit)
        });
    // An integer (no `.`, no exponent) is a count: never rounded.
    if !number || (dots == 0 && exponent.is_none()) {
        return None;
    }
    let digits: Vec<u8> = mantissa.iter().copied().filter(u8::is_ascii_digit).collect();
    let first = digits.iter().position(|&b| b != b'0')?;
    let last = digits.iter().rposition(|&b| b != b'0')?;
    if last - first < DIGITS {
        return None;
    }
    let r = round(std::str::from_utf8(cell).ok()?.parse().ok()?);
    r.is_finite()
        .then(|| ryu::Buffer::new().format_finite(r).as_bytes().to_vec())
}

/// A record (bytes as csv writes them, ending in its line break) with every number of more than
/// [`DIGITS`] significant digits rounded, or `None` when none has. Numbers are never quoted, so
/// only unquoted cells are read; a quoted cell is copied as it is.
fn round_numbers(record: &[u8]) -> Option<Vec<u8>> {
    let mut out: Option<Vec<u8>> = None;
    let mut copied = 0;
    let mut start = 0;
    while start < record.len() {
        let end = if record[start] == b'"' {
            // A quoted cell: up to the closing quote (a doubled quote is a quote inside it).
            let mut i = start + 1;
            while i < record.len() {
                if record[i] == b'"' {
                    if record.get(i + 1) == Some(&b'"') {
                        i += 2;
                        continue;
                    }
                    break;
                }
                i += 1;
            }
            let after = (i + 1).min(record.len());
            after
                + record[after..]
                    .iter()
                    .position(|&b| b == b',' || b == b'\n')
                    .unwrap_or(record.len() - after)
        } else {
            let end = start
                + record[start..]
                    .iter()
                    .position(|&b| b == b',' || b == b'\n' || b == b'\r')
                    .unwrap_or(record.len() - start);
            // A cheap test first: a cell with at most DIGITS digits needs no rounding.
            let cell = &record[start..end];
            if cell.iter().filter(|b| b.is_ascii_digit()).count() > DIGITS
                && let Some(r) = rounded(cell)
            {
                let o = out.get_or_insert_with(|| Vec::with_capacity(record.len()));
                o.extend_from_slice(&record[copied..start]);
                o.extend_from_slice(&r);
                copied = end;
            }
            end
        };
        start = end + 1;
    }
    out.map(|mut o| {
        o.extend_from_slice(&record[copied..]);
        o
    })
}

/// Whether some cell of a record (bytes as csv writes them) may need rewriting: a cheap test
/// that lets most records skip parsing (building a csv reader costs about as much as writing a
/// thousand records, and numeric tables hold many negative numbers). Every cell starts at the
/// record's start or after a comma, and an unquoted cell runs to the next comma (csv quotes a
/// cell holding a comma, a quote or a line break), so for each such position the bytes up to the
/// next comma are the cell itself whenever an unquoted cell starts there: the predicates of
/// [`neutralise`] are applied to them directly. A quoted cell whose text starts like a formula,
/// or bytes that are not UTF-8, count as risky. Commas inside quoted cells may make it test
/// pieces that are no cells: it may say yes for a record with no such cell (the full parse then
/// decides), never no for one with such a cell.
fn may_be_risky(record: &[u8]) -> bool {
    let risky = |b: u8| matches!(b, b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r');
    let body = record.strip_suffix(b"\n").unwrap_or(record);
    let body = body.strip_suffix(b"\r").unwrap_or(body);
    body.split(|&b| b == b',').any(|piece| match piece {
        [b'"', c, ..] => risky(*c),
        [b, ..] if risky(*b) => {
            std::str::from_utf8(piece).map_or(true, |cell| is_formula(cell) || is_negative_zero(cell))
        }
        _ => false,
    })
}

/// Whether a cell would be read as a formula by a spreadsheet (OWASP "CSV Injection"): it starts
/// with `=`, `+`, `-`, `@`, a tab or a carriage return, and is not a number (`-0.25` is data).
fn is_formula(cell: &str) -> bool {
    cell.starts_with(['=', '+', '-', '@', '\t', '\r']) && cell.parse::<f64>().is_err()
}

/// Whether a cell is a negative zero (`-0`, `-0.0`, `-0e0`): written as `0` instead, so that
/// no table holds a `-0` (a difference of exactly nothing, printed with a sign).
fn is_negative_zero(cell: &str) -> bool {
    cell.starts_with('-') && cell.parse::<f64>().is_ok_and(|v| v == 0.0)
}

/// The one rewrite of a cell: a negative zero loses its sign; a formula-like text cell gets an
/// apostrophe.
fn clean(cell: &str) -> String {
    if is_negative_zero(cell) {
        cell[1..].to_owned()
    } else if is_formula(cell) {
        format!("'{cell}")
    } else {
        cell.to_owned()
    }
}

/// Drops the sign of negative zeros, and prefixes every formula-like text cell with an apostrophe, as OWASP recommends, so that Excel,
/// LibreOffice and Google Sheets show it as text instead of running it (a cohort named
/// `=HYPERLINK(...)`). Numbers, and tables with no such cell (every bundled scenario's), are
/// left byte for byte as they were.
fn neutralise(bytes: Vec<u8>) -> Vec<u8> {
    let records = || {
        csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(bytes.as_slice())
            .into_records()
    };
    let risky = records().any(|r| r.is_ok_and(|r| r.iter().any(|c| is_formula(c) || is_negative_zero(c))));
    if !risky {
        return bytes;
    }
    let mut w = csv::WriterBuilder::new().has_headers(false).from_writer(Vec::new());
    for record in records() {
        let record = record.expect("our own CSV parses");
        let cells: Vec<String> = record.iter().map(clean).collect();
        w.write_record(&cells).expect("writing to memory cannot fail");
    }
    w.into_inner().expect("writing to memory cannot fail")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::csv::RateRow;

    #[test]
    fn formula_cells_are_neutralised_and_numbers_kept() {
        let row = |cohort: &str| RateRow {
            variant: "baseline".to_owned(),
            cohort: cohort.to_owned(),
            group: "all",
            key: "-x".to_owned(),
            measure: "completed",
            trials: 10,
            count: 1,
            rate: Some(-0.25),
            ci_low: None,
            ci_high: None,
            victims_per_year: 1.0,
        };
        let text = String::from_utf8(to_csv(&[
            row("=HYPERLINK(\"http://x\",\"y\")"),
            row("@SUM(1)"),
            row("ok"),
        ]))
        .unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[1],
            r#"baseline,"'=HYPERLINK(""http://x"",""y"")",all,'-x,completed,10,1,-0.25,,,1.0"#
        );
        assert_eq!(lines[2], "baseline,'@SUM(1),all,'-x,completed,10,1,-0.25,,,1.0");
        assert_eq!(lines[3], "baseline,ok,all,'-x,completed,10,1,-0.25,,,1.0");
        // Without a formula-like cell, the bytes are exactly csv's.
        let mut safe = row("ok");
        safe.key = "k".to_owned();
        let mut w = csv::WriterBuilder::new().has_headers(false).from_writer(Vec::new());
        w.write_record(RateRow::HEADER).unwrap();
        w.serialize(&safe).unwrap();
        assert_eq!(to_csv(&[safe]), w.into_inner().unwrap());
    }

    /// The cheap test never lets a record that `neutralise` would change through, on records
    /// with negative numbers, negative zeros, formulas, quoted cells and commas inside them.
    #[test]
    fn may_be_risky_never_misses_a_cell_to_rewrite() {
        let cells = [
            "-0.25", "-0", "-0.0", "-0e0", "0.5", "=1+1", "+x", "@SUM(1)", "-x", "\tx", "\rx", "ok", "a,-b", "a,=b",
            "\"-q", "-1e-300", "", "x\ny", "-inf", "-NaN",
        ];
        let mut checked = 0;
        for a in cells {
            for b in cells {
                for c in cells {
                    let mut w = csv::WriterBuilder::new().has_headers(false).from_writer(Vec::new());
                    w.write_record([a, b, c]).unwrap();
                    let record = w.into_inner().unwrap();
                    let changed = neutralise(record.clone()) != record;
                    assert!(
                        !changed || may_be_risky(&record),
                        "{:?}",
                        String::from_utf8_lossy(&record)
                    );
                    checked += usize::from(changed);
                }
            }
        }
        assert!(checked > 1000, "{checked}");
        // Numbers alone, negative ones included, skip the parse.
        assert!(!may_be_risky(b"baseline,c,-0.25,-1e-5,0.0,3\n"));
    }

    #[test]
    fn negative_zero_is_written_without_its_sign() {
        let mut row = RateRow {
            variant: "baseline".to_owned(),
            cohort: "c".to_owned(),
            group: "all",
            key: "*".to_owned(),
            measure: "completed",
            trials: 10,
            count: 0,
            rate: Some(-0.0),
            ci_low: Some(-0.25),
            ci_high: Some(0.0),
            victims_per_year: -0.0,
        };
        let text = String::from_utf8(to_csv(std::slice::from_ref(&row))).unwrap();
        assert_eq!(
            text.lines().nth(1),
            Some("baseline,c,all,*,completed,10,0,0.0,-0.25,0.0,0.0")
        );
        row.rate = Some(0.5);
        row.victims_per_year = 1.0;
        let text = String::from_utf8(to_csv(&[row])).unwrap();
        assert!(!text.contains("-0,") && !text.contains("-0.0,"), "{text}");
    }
}

#[cfg(test)]
mod rounding {
    use super::*;
    use crate::report::csv::RateRow;

    fn r(cell: &str) -> Option<String> {
        rounded(cell.as_bytes()).map(|b| String::from_utf8(b).unwrap())
    }

    #[test]
    fn floats_with_more_than_twelve_significant_digits_are_rounded_in_the_csv_style() {
        assert_eq!(r("0.3499999999999999").as_deref(), Some("0.35"));
        assert_eq!(r("1.3499999999999999").as_deref(), Some("1.35"));
        assert_eq!(r("0.6516464471403813").as_deref(), Some("0.65164644714"));
        assert_eq!(r("-0.0077142857142857135").as_deref(), Some("-0.00771428571429"));
        assert_eq!(r("1.2345678901234567e-7").as_deref(), Some("1.23456789012e-7"));
        assert_eq!(r("1234567890123.5").as_deref(), Some("1234567890120.0"));
        // Twelve digits or fewer, integers, text: kept.
        for kept in [
            "1.0",
            "0.0",
            "0.0752",
            "0.123456789012",
            "-0.25",
            "1e-7",
            "12345678901234567",
            "x1234567890123.45",
            "1.2.34567890123456",
            "-",
        ] {
            assert_eq!(r(kept), None, "{kept}");
        }
    }

    #[test]
    fn every_number_cell_of_a_row_is_rounded_and_text_kept() {
        let row = RateRow {
            variant: "baseline".to_owned(),
            cohort: "a, \"b\" 0.3499999999999999".to_owned(),
            group: "all",
            key: "1.3499999999999999".to_owned(),
            measure: "completed",
            trials: 123_456_789_012_345,
            count: 3,
            rate: Some(0.3499999999999999),
            ci_low: None,
            ci_high: Some(1.0 / 3.0),
            victims_per_year: 1.3499999999999999,
        };
        let text = String::from_utf8(to_csv(&[row])).unwrap();
        // The unquoted key that reads as a number is rounded like one: numbers are told apart
        // from text by their form only.
        assert_eq!(
            text.lines().nth(1),
            Some(
                r#"baseline,"a, ""b"" 0.3499999999999999",all,1.35,completed,123456789012345,3,0.35,,0.333333333333,1.35"#
            )
        );
    }
}
