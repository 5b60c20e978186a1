//! CSV records read one by one, so that one broken row costs that row only: the batch file's
//! reader. RFC 4180 quoting (a quoted field may hold commas, `""` and line breaks), `\n` or
//! `\r\n`, a UTF-8 byte-order mark, and text that is not UTF-8 read lossily (a Latin-1 label
//! keeps its row). A quote that is never closed, or text after a closing quote, makes its row
//! broken; reading goes on at the next line.

/// One record: its fields (lossily decoded, not trimmed) and the line it starts on (1-based).
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    pub line: usize,
    pub fields: Vec<String>,
}

/// A record, or a row that could not be split into fields, with the reason.
#[derive(Debug, Clone, PartialEq)]
pub enum Row {
    Record(Record),
    Broken { line: usize, reason: String },
}

/// Splits `bytes` into rows; blank lines are skipped.
pub fn split(bytes: &[u8]) -> Vec<Row> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut rows = Vec::new();
    let mut reader = Reader {
        bytes,
        at: 0,
        line: 1,
    };
    while reader.at < bytes.len() {
        if reader.skip_blank_line() {
            continue;
        }
        let (start, line) = (reader.at, reader.line);
        match reader.record() {
            Ok(fields) => rows.push(Row::Record(Record { line, fields })),
            Err(reason) => {
                let reason = if reader.line > line {
                    format!("a quote opened on this line runs to line {} ({reason}): a quote never closed?", reader.line)
                } else {
                    reason
                };
                rows.push(Row::Broken { line, reason });
                reader.resume_after_line(start, line);
            }
        }
    }
    rows
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
    line: usize,
}

impl Reader<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    /// Skips a line of nothing but spaces, tabs and `\r`; whether there was one.
    fn skip_blank_line(&mut self) -> bool {
        let rest = &self.bytes[self.at..];
        let end = rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len());
        if !rest[..end]
            .iter()
            .all(|b| matches!(b, b' ' | b'\t' | b'\r'))
        {
            return false;
        }
        self.at += (end + 1).min(rest.len());
        self.line += 1;
        true
    }

    /// After a broken row: the next line after the row's first.
    fn resume_after_line(&mut self, start: usize, line: usize) {
        let rest = &self.bytes[start..];
        self.at = match rest.iter().position(|&b| b == b'\n') {
            Some(end) => start + end + 1,
            None => self.bytes.len(),
        };
        self.line = line + 1;
    }

    /// The fields of the record at `at`, which ends at a line break or the end.
    fn record(&mut self) -> Result<Vec<String>, String> {
        let mut fields = Vec::new();
        loop {
            let field = if self.peek() == Some(b'"') {
                self.quoted()?
            } else {
                self.plain()
            };
            fields.push(field);
            match self.peek() {
                Some(b',') => self.at += 1,
                Some(b'\n') => {
                    self.at += 1;
                    self.line += 1;
                    return Ok(fields);
                }
                None => return Ok(fields),
                Some(_) => return Err("text after a closing quote (quote the whole field)".into()),
            }
        }
    }

    /// An unquoted field: up to the next comma or line break (a `\r` before the break dropped).
    fn plain(&mut self) -> String {
        let rest = &self.bytes[self.at..];
        let end = rest
            .iter()
            .position(|&b| b == b',' || b == b'\n')
            .unwrap_or(rest.len());
        self.at += end;
        let field = &rest[..end];
        let field = field.strip_suffix(b"\r").unwrap_or(field);
        decode(field)
    }

    /// A quoted field, `""` inside for a quote; then `at` is past the closing quote (and past a
    /// `\r` before a line break).
    fn quoted(&mut self) -> Result<String, String> {
        self.at += 1;
        let mut field = Vec::new();
        loop {
            match self.peek() {
                None => return Err("a quote opened on this line is never closed".into()),
                Some(b'"') if self.bytes.get(self.at + 1) == Some(&b'"') => {
                    field.push(b'"');
                    self.at += 2;
                }
                Some(b'"') => {
                    self.at += 1;
                    if self.peek() == Some(b'\r') && self.bytes.get(self.at + 1) == Some(&b'\n') {
                        self.at += 1;
                    }
                    return Ok(decode(&field));
                }
                Some(b) => {
                    if b == b'\n' {
                        self.line += 1;
                    }
                    field.push(b);
                    self.at += 1;
                }
            }
        }
    }
}

/// UTF-8, or each byte that is not as a replacement character.
fn decode(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(line: usize, fields: &[&str]) -> Row {
        Row::Record(Record {
            line,
            fields: fields.iter().map(|f| f.to_string()).collect(),
        })
    }

    #[test]
    fn quotes_line_breaks_bom_and_crlf() {
        let text = "\u{feff}a,b\r\n\"x, y\",\"say \"\"hi\"\"\"\r\n\n\"two\nlines\",z\nlast,";
        assert_eq!(
            split(text.as_bytes()),
            [
                record(1, &["a", "b"]),
                record(2, &["x, y", "say \"hi\""]),
                record(4, &["two\nlines", "z"]),
                record(6, &["last", ""]),
            ]
        );
    }

    #[test]
    fn a_broken_row_costs_that_row_only() {
        let text = b"a,b\n\"x\"y,3\nlatin,caf\xe9\n\"open,1\nnext,4\n";
        let rows = split(text);
        assert_eq!(rows[0], record(1, &["a", "b"]));
        assert!(
            matches!(&rows[1], Row::Broken { line: 2, reason } if reason.contains("after a closing quote"))
        );
        assert_eq!(rows[2], record(3, &["latin", "caf\u{fffd}"]));
        assert!(
            matches!(&rows[3], Row::Broken { line: 4, reason } if reason.contains("never closed"))
        );
        assert_eq!(rows[4], record(5, &["next", "4"]));
        assert_eq!(rows.len(), 5);
        // A quote left open swallows lines up to the next quote: its row is broken, the lines
        // after it are read again.
        let rows = split(b"a,b\n\"open,1\nok,2\n\"x\"y,3\nlast,5\n");
        assert!(
            matches!(&rows[1], Row::Broken { line: 2, reason } if reason.contains("runs to line 4"))
        );
        assert_eq!(rows[2], record(3, &["ok", "2"]));
        assert!(matches!(&rows[3], Row::Broken { line: 4, .. }));
        assert_eq!(rows[4], record(5, &["last", "5"]));
    }
}
