//! Rows to CSV bytes: the header, the serde fields in order, and spreadsheet-safe text cells.

use super::CsvRow;

/// Serialises rows as CSV with the header row (written even when there are no rows); text cells
/// are made spreadsheet-safe (a formula-like text cell gets a leading apostrophe) and no number
/// is written as `-0`.
pub fn to_csv<T: CsvRow>(rows: &[T]) -> Vec<u8> {
    rows_to_csv::<T, _>(rows)
}

/// [`to_csv`] of rows made one at a time (a large table never held as row structs).
pub fn rows_to_csv<T: CsvRow, R: serde::Serialize>(rows: impl IntoIterator<Item = R>) -> Vec<u8> {
    let mut w = csv::WriterBuilder::new().has_headers(false).from_writer(Vec::new());
    w.write_record(T::HEADER).expect("writing to memory cannot fail");
    for r in rows {
        w.serialize(r).expect("rows are flat records");
    }
    neutralise(w.into_inner().expect("writing to memory cannot fail"))
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
            count: Some(1),
            rate: Some(-0.25),
            ci_low: None,
            ci_high: None,
            victims_per_year: Some(1.0),
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

    #[test]
    fn negative_zero_is_written_without_its_sign() {
        let mut row = RateRow {
            variant: "baseline".to_owned(),
            cohort: "c".to_owned(),
            group: "all",
            key: "*".to_owned(),
            measure: "completed",
            trials: 10,
            count: Some(0),
            rate: Some(-0.0),
            ci_low: Some(-0.25),
            ci_high: Some(0.0),
            victims_per_year: Some(-0.0),
        };
        let text = String::from_utf8(to_csv(std::slice::from_ref(&row))).unwrap();
        assert_eq!(
            text.lines().nth(1),
            Some("baseline,c,all,*,completed,10,0,0.0,-0.25,0.0,0.0")
        );
        row.rate = Some(0.5);
        row.victims_per_year = Some(1.0);
        let text = String::from_utf8(to_csv(&[row])).unwrap();
        assert!(!text.contains("-0,") && !text.contains("-0.0,"), "{text}");
    }
}
