//! CSV input for the CLI: a file (or `-`, stdin) read a row at a time into typed records,
//! fields trimmed, columns found by name, errors naming the file and the line.

use anyhow::{Context, Result, bail};
use serde::Deserialize;
use std::io::Read;
use std::path::Path;

/// A CSV file being read.
pub struct CsvIn {
    /// The file as errors name it.
    name: String,
    reader: csv::Reader<Box<dyn Read>>,
    /// The header names rows are deserialized by; `None`: by position.
    names: Option<csv::StringRecord>,
    /// The row as read, then with its fields trimmed (here rather than by csv's `Trim`,
    /// which allocates two new records per row).
    raw: csv::StringRecord,
    record: csv::StringRecord,
}

impl CsvIn {
    /// Opens `path` (`-`: standard input); its first line is a header.
    pub fn open(path: &Path) -> Result<CsvIn> {
        let (name, input): (String, Box<dyn Read>) = if path == Path::new("-") {
            ("stdin".into(), Box::new(std::io::stdin().lock()))
        } else {
            let file =
                std::fs::File::open(path).with_context(|| format!("reading {}", path.display()))?;
            (path.display().to_string(), Box::new(file))
        };
        let reader = csv::ReaderBuilder::new()
            .buffer_capacity(1 << 16)
            .from_reader(input);
        Ok(CsvIn {
            name,
            reader,
            names: None,
            raw: csv::StringRecord::new(),
            record: csv::StringRecord::new(),
        })
    }

    /// Reads rows by column name from now on. Each field is a list of header names, the first
    /// being the field's name in the row type: the first of them that is a header is read as
    /// that field and any other ignored. A `required` field none of whose names is a header is
    /// an error; an `optional` one is absent from every row.
    pub fn columns(&mut self, required: &[&[&str]], optional: &[&[&str]]) -> Result<()> {
        let headers: Vec<String> = self
            .reader
            .headers()
            .with_context(|| self.name.clone())?
            .iter()
            .map(|h| h.trim().to_owned())
            .collect();
        let mut names: Vec<&str> = headers.iter().map(String::as_str).collect();
        for (field, is_required) in required
            .iter()
            .map(|f| (f, true))
            .chain(optional.iter().map(|f| (f, false)))
        {
            let chosen = field
                .iter()
                .find_map(|n| headers.iter().position(|h| h == n));
            if chosen.is_none() && is_required {
                let others = &field[1..];
                bail!(
                    "{}: missing column {}{}",
                    self.name,
                    field[0],
                    if others.is_empty() {
                        String::new()
                    } else {
                        format!(" (or {})", others.join(", "))
                    }
                );
            }
            for (i, h) in headers.iter().enumerate() {
                if Some(i) == chosen {
                    names[i] = field[0];
                } else if field.contains(&h.as_str()) {
                    names[i] = "";
                }
            }
        }
        self.names = Some(csv::StringRecord::from(names));
        Ok(())
    }

    /// Whether rows have this field (after [`CsvIn::columns`]).
    pub fn has(&self, field: &str) -> bool {
        self.names
            .as_ref()
            .is_some_and(|n| n.iter().any(|h| h == field))
    }

    /// The next row and where it stands, or `None` after the last.
    pub fn next<'r, T: Deserialize<'r>>(&'r mut self) -> Result<Option<(At<'r>, T)>> {
        let CsvIn {
            name,
            reader,
            names,
            raw,
            record,
        } = self;
        if !reader.read_record(raw).with_context(|| name.clone())? {
            return Ok(None);
        }
        record.clear();
        for field in raw.iter() {
            record.push_field(field.trim());
        }
        record.set_position(raw.position().cloned());
        let (name, names, record): (&'r str, &'r Option<_>, &'r csv::StringRecord) =
            (name, names, record);
        let at = At {
            file: name,
            line: record.position().map_or(0, csv::Position::line),
        };
        let row = record
            .deserialize(names.as_ref())
            .map_err(|e| row_error(at, names.as_ref(), record, &e))?;
        Ok(Some((at, row)))
    }

    /// Where row `line` stands.
    pub fn at(&self, line: u64) -> At<'_> {
        At {
            file: &self.name,
            line,
        }
    }
}

/// Where a row stands in its file: shows as `FILE: line N`, the start of an error about it.
#[derive(Debug, Clone, Copy)]
pub struct At<'a> {
    file: &'a str,
    pub line: u64,
}

impl std::fmt::Display for At<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: line {}", self.file, self.line)
    }
}

/// A row that does not read as its type: the column and value at fault.
fn row_error(
    at: At,
    names: Option<&csv::StringRecord>,
    record: &csv::StringRecord,
    e: &csv::Error,
) -> anyhow::Error {
    let csv::ErrorKind::Deserialize { err, .. } = e.kind() else {
        return anyhow::anyhow!("{at}: {e}");
    };
    let Some(i) = err.field().map(|i| i as usize) else {
        return anyhow::anyhow!("{at}: {}", err.kind());
    };
    let column = match names.and_then(|n| n.get(i)) {
        Some(name) if !name.is_empty() => name.to_string(),
        _ => format!("field {}", i + 1),
    };
    anyhow::anyhow!(
        "{at}: bad {column} {:?}: {}",
        record.get(i).unwrap_or_default(),
        err.kind()
    )
}
