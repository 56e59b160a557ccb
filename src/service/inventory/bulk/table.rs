//! Reading an uploaded CSV file: UTF-8 (a BOM is dropped), `,` `;` or tab
//! as the delimiter (whichever the header line uses most), quoted fields,
//! CRLF or LF line ends. A broken file is refused naming its line.

use crate::service::{FieldError, ServiceError};

/// A parsed file: the header and the data rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    pub delimiter: u8,
    pub columns: Vec<String>,
    pub rows: Vec<Vec<String>>,
    /// The line each data row starts on (the header is line 1).
    pub lines: Vec<u64>,
}

fn refuse(message: String) -> ServiceError {
    ServiceError::Validation(vec![FieldError::new("file", message)])
}

/// 1-based line of a byte offset.
fn line_of(bytes: &[u8], offset: usize) -> usize {
    bytes[..offset.min(bytes.len())]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

/// The delimiter the header line uses most (`,` when it has none).
pub fn detect_delimiter(text: &[u8]) -> u8 {
    let mut counts = [(b',', 0usize), (b';', 0), (b'\t', 0)];
    let mut quoted = false;
    for &b in text {
        match b {
            b'"' => quoted = !quoted,
            b'\n' if !quoted => break,
            _ if !quoted => {
                if let Some(c) = counts.iter_mut().find(|(d, _)| *d == b) {
                    c.1 += 1;
                }
            }
            _ => {}
        }
    }
    // Ties keep the earlier (more common) delimiter.
    counts
        .iter()
        .fold((b',', 0), |best, c| if c.1 > best.1 { *c } else { best })
        .0
}

/// Parses `bytes` into a table of at most `max_rows` data rows.
pub fn parse(bytes: &[u8], max_rows: usize) -> Result<Table, ServiceError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Err(e) = std::str::from_utf8(bytes) {
        return Err(refuse(format!(
            "line {} is not UTF-8 text; save the file as \"CSV UTF-8\"",
            line_of(bytes, e.valid_up_to())
        )));
    }
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(refuse(
            "the file is empty; the first line must name the columns".into(),
        ));
    }
    let delimiter = detect_delimiter(bytes);
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(true)
        .flexible(false)
        .from_reader(bytes);
    let header = reader.headers().map_err(|e| csv_error(&e, bytes))?.clone();
    let mut columns = Vec::with_capacity(header.len());
    for (i, h) in header.iter().enumerate() {
        let name = h.trim();
        let name = if name.is_empty() {
            format!("column_{}", i + 1)
        } else {
            name.to_owned()
        };
        if let Some(first) = columns
            .iter()
            .position(|c: &String| c.eq_ignore_ascii_case(&name))
        {
            return Err(refuse(format!(
                "line 1: the column name `{name}` appears twice (columns {} and {}); rename one",
                first + 1,
                i + 1
            )));
        }
        columns.push(name);
    }
    let mut rows = Vec::new();
    let mut lines = Vec::new();
    let mut record = csv::StringRecord::new();
    // Lines are counted from byte offsets: the reader's own line numbers
    // lag one behind after a CRLF.
    let (mut seen_offset, mut seen_line) = (0usize, 1u64);
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                // Blank lines between rows are skipped by the reader; a row of
                // only empty cells is skipped here.
                if record.iter().all(|c| c.trim().is_empty()) {
                    continue;
                }
                if rows.len() == max_rows {
                    return Err(refuse(format!(
                        "the file has more than {max_rows} data rows (import.max_rows); split it"
                    )));
                }
                let mut start = record
                    .position()
                    .map_or(seen_offset, |p| usize::try_from(p.byte()).unwrap_or(seen_offset))
                    .clamp(seen_offset, bytes.len());
                // The reader's offset can sit on the line break before the
                // record (CRLF, blank lines).
                while start < bytes.len() && matches!(bytes[start], b'\r' | b'\n') {
                    start += 1;
                }
                seen_line += bytes[seen_offset..start].iter().filter(|b| **b == b'\n').count() as u64;
                seen_offset = start;
                lines.push(seen_line);
                rows.push(record.iter().map(str::to_owned).collect());
            }
            Err(e) => return Err(csv_error(&e, bytes)),
        }
    }
    Ok(Table {
        delimiter,
        columns,
        rows,
        lines,
    })
}

/// The line a reader position is on (it can sit on the break before).
fn line_at(bytes: &[u8], pos: Option<&csv::Position>) -> usize {
    let mut at = pos.map_or(0, |p| usize::try_from(p.byte()).unwrap_or(0));
    while at < bytes.len() && matches!(bytes[at], b'\r' | b'\n') {
        at += 1;
    }
    line_of(bytes, at)
}

fn csv_error(e: &csv::Error, bytes: &[u8]) -> ServiceError {
    match e.kind() {
        csv::ErrorKind::UnequalLengths {
            pos,
            expected_len,
            len,
        } => refuse(format!(
            "line {} has {len} fields but the header has {expected_len}; check the delimiter and quotes",
            line_at(bytes, pos.as_ref())
        )),
        csv::ErrorKind::Utf8 { pos, .. } => refuse(format!(
            "line {} is not UTF-8 text; save the file as \"CSV UTF-8\"",
            line_at(bytes, pos.as_ref())
        )),
        _ => refuse(format!("line {}: {e}", line_at(bytes, e.position()))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(r: Result<Table, ServiceError>) -> String {
        match r {
            Err(ServiceError::Validation(v)) => v[0].message.clone(),
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    #[test]
    fn reads_bom_semicolons_quotes_and_crlf() {
        let t = parse(
            b"\xEF\xBB\xBFTag;Name;Notes\r\nA-1;\"Lathe; big\";\"two\r\nlines\"\r\nA-2;Mill;\r\n\r\n",
            10,
        )
        .unwrap();
        assert_eq!(t.delimiter, b';');
        assert_eq!(t.columns, ["Tag", "Name", "Notes"]);
        assert_eq!(t.rows[0], ["A-1", "Lathe; big", "two\r\nlines"]);
        assert_eq!(t.rows[1], ["A-2", "Mill", ""]);
        assert_eq!(t.lines, [2, 4]);
    }

    #[test]
    fn detects_the_delimiter_of_the_header() {
        assert_eq!(detect_delimiter(b"a,b,c\n1;2;3;4;5"), b',');
        assert_eq!(detect_delimiter(b"\"a,b\";c;d\n"), b';');
        assert_eq!(detect_delimiter(b"a\tb\n"), b'\t');
        assert_eq!(detect_delimiter(b"single\n"), b',');
    }

    #[test]
    fn refusals_name_the_line() {
        assert!(message(parse(b"tag,name\nA,1\nB,2,3\n", 10)).starts_with("line 3 has 3 fields"));
        assert!(message(parse(b"tag,name\r\nA,1\r\n\r\nB,2,3\r\n", 10)).starts_with("line 4 has 3 fields"));
        assert!(message(parse(b"tag,name\nA,\xff\n", 10)).starts_with("line 2 is not UTF-8"));
        assert!(message(parse(b"tag,Tag\n", 10)).contains("appears twice"));
        assert!(message(parse(b"  \n", 10)).contains("empty"));
        assert!(message(parse(b"tag\nA\nB\nC\n", 2)).contains("more than 2"));
        let t = parse(b"tag,,x\nA,1,2\n", 10).unwrap();
        assert_eq!(t.columns, ["tag", "column_2", "x"]);
    }
}
