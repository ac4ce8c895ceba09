//! Reading an import file: its delimiter guessed from the header line, the header resolved into
//! a [`Plan`], and the rows read in chunks — each row a [`ContactRow`] or a [`BadRow`] with its
//! physical line (the header is line 1) — on a blocking thread, handed over a bounded channel.
//!
//! **Invariant:** memory is bounded by the chunks in flight (the channel holds two), never by
//! the file.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use tokio::sync::mpsc;
use waflow_domain::import::{Columns, ContactRow, Mapping, Plan};
use waflow_domain::FieldError;
use waflow_store::BadRow;

/// Rows read (good and bad) per chunk: one transaction each.
pub const CHUNK_ROWS: usize = 2000;

/// A chunk of the file: its good rows, its bad ones, and where the reader stands.
#[derive(Debug)]
pub struct Chunk {
    pub rows: Vec<ContactRow>,
    pub bad: Vec<BadRow>,
    /// Data rows read in this chunk, good and bad.
    pub read: u64,
    /// Bytes of the file read so far.
    pub bytes_read: u64,
}

/// Why a file cannot be imported at all.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("the file cannot be read: {0}")]
    Io(#[from] std::io::Error),
    #[error("the file is not CSV: {0}")]
    Csv(#[from] csv::Error),
    #[error("the file is empty: it needs a header row naming its columns")]
    Empty,
    #[error("the header row is not UTF-8 text (save the file as \"CSV UTF-8\")")]
    HeaderNotUtf8,
    #[error("{0}")]
    Columns(#[from] FieldError),
}

/// The delimiter of a CSV whose first line is `line`: `;` or a tab when either is more frequent
/// than `,` outside quotes (spreadsheets in Italy, France, Spain and Germany save with `;`).
pub fn sniff_delimiter(line: &[u8]) -> u8 {
    let (mut comma, mut semicolon, mut tab, mut quoted) = (0, 0, 0, false);
    for &b in line {
        match b {
            b'"' => quoted = !quoted,
            b',' if !quoted => comma += 1,
            b';' if !quoted => semicolon += 1,
            b'\t' if !quoted => tab += 1,
            b'\n' if !quoted => break,
            _ => {}
        }
    }
    if semicolon > comma && semicolon >= tab {
        b';'
    } else if tab > comma && tab > semicolon {
        b'\t'
    } else {
        b','
    }
}

fn first_line(path: &Path) -> Result<Vec<u8>, ReadError> {
    let mut line = Vec::new();
    BufReader::new(File::open(path)?)
        .take(1024 * 1024)
        .read_until(b'\n', &mut line)?;
    Ok(line)
}

fn reader(path: &Path, delimiter: u8) -> Result<csv::Reader<File>, ReadError> {
    Ok(csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .trim(csv::Trim::All)
        .flexible(true)
        .buffer_capacity(256 * 1024)
        .from_reader(File::open(path)?))
}

/// The file's delimiter and its header resolved with `mapping` (or by the headers' names).
pub fn columns(path: &Path, mapping: Option<&Mapping>) -> Result<(u8, Columns), ReadError> {
    let delimiter = sniff_delimiter(&first_line(path)?);
    let mut csv = reader(path, delimiter)?;
    let header = csv.byte_headers()?;
    if header.is_empty() {
        return Err(ReadError::Empty);
    }
    let names = header
        .iter()
        .map(std::str::from_utf8)
        .collect::<Result<Vec<&str>, _>>()
        .map_err(|_| ReadError::HeaderNotUtf8)?;
    Ok((delimiter, Columns::resolve(&names, mapping)?))
}

/// Reads the rows of `path` with `plan`, sending a [`Chunk`] every [`CHUNK_ROWS`] rows; stops
/// early when the receiver is gone. Runs on a blocking thread.
pub fn read_rows(
    path: &Path,
    delimiter: u8,
    plan: &Plan,
    out: &mpsc::Sender<Result<Chunk, ReadError>>,
) -> Result<(), ReadError> {
    let mut csv = reader(path, delimiter)?;
    let mut record = csv::ByteRecord::new();
    let mut chunk = empty_chunk();
    // The header was checked by `columns`; this skips it.
    csv.byte_headers()?;
    loop {
        let more = csv.read_byte_record(&mut record)?;
        if more {
            let line = record.position().map_or(0, |p| p.line());
            chunk.read += 1;
            match cells(&record, &plan.columns).and_then(|c| plan.row(&c)) {
                Ok(row) => chunk.rows.push(row),
                Err(reason) => chunk.bad.push(BadRow { line, reason }),
            }
        }
        if chunk.read as usize == CHUNK_ROWS || (!more && chunk.read > 0) {
            chunk.bytes_read = csv.position().byte();
            let full = std::mem::replace(&mut chunk, empty_chunk());
            if out.blocking_send(Ok(full)).is_err() {
                return Ok(());
            }
        }
        if !more {
            return Ok(());
        }
    }
}

fn empty_chunk() -> Chunk {
    Chunk {
        rows: Vec::with_capacity(CHUNK_ROWS),
        bad: Vec::new(),
        read: 0,
        bytes_read: 0,
    }
}

/// A record's cells as text; a cell that is not UTF-8 makes the row bad, naming its column.
fn cells<'r>(record: &'r csv::ByteRecord, columns: &Columns) -> Result<Vec<&'r str>, String> {
    record
        .iter()
        .enumerate()
        .map(|(i, cell)| {
            std::str::from_utf8(cell).map_err(|_| {
                let column = columns.headers.get(i).map_or("?", String::as_str);
                format!(
                    "{column}: \"{}\" is not UTF-8 text (save the file as \"CSV UTF-8\")",
                    String::from_utf8_lossy(cell)
                )
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_delimiter_is_guessed_from_the_header() {
        assert_eq!(sniff_delimiter(b"phone,name,city\n"), b',');
        assert_eq!(
            sniff_delimiter(b"telefono;nome;\"citt\xc3\xa0, provincia\"\n"),
            b';'
        );
        assert_eq!(sniff_delimiter(b"phone\tname\n"), b'\t');
        assert_eq!(sniff_delimiter(b"phone\n"), b',');
    }

    #[tokio::test]
    async fn rows_come_in_chunks_with_their_physical_lines() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.csv");
        let mut text = String::from("\u{feff}phone;name;note\n");
        text.push_str("+393331000001;Anna;\"two\nlines\"\n");
        text.push_str("abc;Bruno;x\n");
        text.push_str("+393331000003;Carla\n");
        std::fs::write(&path, text).unwrap();
        let (delimiter, columns) = columns(&path, None).unwrap();
        assert_eq!(delimiter, b';');
        assert_eq!(columns.headers[0], "phone");
        let plan = Plan {
            columns,
            country: None,
            tags: vec![],
            lists: vec![],
        };
        let (tx, mut rx) = mpsc::channel(2);
        let reading = tokio::task::spawn_blocking(move || read_rows(&path, delimiter, &plan, &tx));
        let chunk = rx.recv().await.unwrap().unwrap();
        reading.await.unwrap().unwrap();
        assert_eq!(chunk.read, 3);
        assert_eq!(chunk.rows.len(), 1);
        let lines: Vec<u64> = chunk.bad.iter().map(|b| b.line).collect();
        assert_eq!(lines, vec![4, 5], "{:?}", chunk.bad);
        assert!(
            chunk.bad[0].reason.starts_with("phone: \"abc\""),
            "{:?}",
            chunk.bad
        );
        assert!(chunk.bad[1].reason.contains("2 columns"), "{:?}", chunk.bad);
        assert!(rx.recv().await.is_none());
    }
}
