//! An import file received: the request body streamed into a file under the data directory
//! within the byte limit (`--max-csv-bytes`) and the row limit (`--max-import-rows`), its CSV
//! records counted as the bytes pass (csv-core, the parser the csv crate is built on), so a
//! file over either limit is refused while it arrives and never lies on disk.

use crate::error::ApiError;
use crate::limits::ByteLimit;
use axum::body::Body;
use axum::http::{header, HeaderMap};
use http_body_util::BodyExt;
use std::path::Path;
use tokio::io::AsyncWriteExt;

/// Counts CSV records in a stream of bytes (a blank line is no record).
struct RecordCounter {
    /// Created once the header line has shown the delimiter.
    reader: Option<csv_core::Reader>,
    /// The start of the file, until its first line is complete.
    head: Vec<u8>,
    scratch: Vec<u8>,
    ends: Vec<usize>,
    records: u64,
}

impl RecordCounter {
    fn new() -> Self {
        Self {
            reader: None,
            head: Vec::new(),
            scratch: vec![0; 64 * 1024],
            ends: vec![0; 1024],
            records: 0,
        }
    }

    fn feed(&mut self, bytes: &[u8]) {
        if self.reader.is_none() {
            self.head.extend_from_slice(bytes);
            // The first line decides the delimiter (as `reader::columns` will).
            if !self.head.contains(&b'\n') && self.head.len() < 1024 * 1024 {
                return;
            }
            let delimiter = super::reader::sniff_delimiter(&self.head);
            self.reader = Some(csv_core::ReaderBuilder::new().delimiter(delimiter).build());
            let head = std::mem::take(&mut self.head);
            self.parse(&head);
            return;
        }
        self.parse(bytes);
    }

    fn parse(&mut self, mut input: &[u8]) {
        let Some(reader) = self.reader.as_mut() else {
            return;
        };
        loop {
            let (result, read, _, _) = reader.read_record(input, &mut self.scratch, &mut self.ends);
            input = &input[read..];
            match result {
                csv_core::ReadRecordResult::Record => self.records += 1,
                csv_core::ReadRecordResult::InputEmpty | csv_core::ReadRecordResult::End => return,
                // Only counting: the scratch buffers are reused.
                csv_core::ReadRecordResult::OutputFull
                | csv_core::ReadRecordResult::OutputEndsFull => {}
            }
        }
    }

    /// The records of the whole file, once it ended.
    fn finish(mut self) -> u64 {
        if self.reader.is_none() {
            let head = std::mem::take(&mut self.head);
            let delimiter = super::reader::sniff_delimiter(&head);
            self.reader = Some(csv_core::ReaderBuilder::new().delimiter(delimiter).build());
            self.parse(&head);
        }
        // An empty input ends the last record.
        self.parse(&[]);
        self.records
    }
}

/// What was received: its size and its data rows (records after the header).
#[derive(Debug, Clone, Copy)]
pub struct Received {
    pub bytes: u64,
    pub rows: u64,
}

fn too_many_rows(max_rows: u64) -> ApiError {
    ApiError::invalid(
        "rows",
        format!(
            "the file has more than {max_rows} rows; an import takes at most {max_rows} (the \
             limit --max-import-rows sets): raise it or split the file"
        ),
    )
}

/// Streams `body` into `path` within `limit` bytes and `max_rows` data rows: 413 naming the
/// byte limit (from `Content-Length` before reading, or as soon as the bytes pass it), 422
/// naming the row limit as soon as the rows pass it. A refused file is removed.
pub async fn receive(
    headers: &HeaderMap,
    body: Body,
    limit: ByteLimit,
    max_rows: u64,
    path: &Path,
) -> Result<Received, ApiError> {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit.bytes as u64) {
        return Err(limit.refusal(declared));
    }
    let result = write(body, limit, max_rows, path).await;
    if result.is_err() {
        let _ = tokio::fs::remove_file(path).await;
    }
    result
}

async fn write(
    mut body: Body,
    limit: ByteLimit,
    max_rows: u64,
    path: &Path,
) -> Result<Received, ApiError> {
    let internal = |e: std::io::Error| ApiError::Internal(format!("import file: {e}"));
    let file = tokio::fs::File::create(path).await.map_err(internal)?;
    let mut file = tokio::io::BufWriter::with_capacity(256 * 1024, file);
    let mut counter = RecordCounter::new();
    let mut bytes = 0u64;
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| ApiError::BadRequest {
            field: None,
            message: format!("the body could not be read: {e}"),
        })?;
        let Ok(data) = frame.into_data() else {
            continue; // trailers
        };
        bytes += data.len() as u64;
        if bytes > limit.bytes as u64 {
            return Err(limit.refusal(None));
        }
        counter.feed(&data);
        // The header is a record too.
        if counter.records > max_rows + 1 {
            return Err(too_many_rows(max_rows));
        }
        file.write_all(&data).await.map_err(internal)?;
    }
    file.flush().await.map_err(internal)?;
    file.into_inner().sync_all().await.map_err(internal)?;
    let records = counter.finish();
    let rows = records.saturating_sub(1);
    if rows > max_rows {
        return Err(too_many_rows(max_rows));
    }
    Ok(Received { bytes, rows })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count(text: &[u8], piece: usize) -> u64 {
        let mut c = RecordCounter::new();
        for part in text.chunks(piece) {
            c.feed(part);
        }
        c.finish()
    }

    #[test]
    fn records_are_counted_across_pieces_quotes_and_blank_lines() {
        let text = b"phone;name\n+39333;\"Anna\nRossi\"\n\n+39334;Bruno";
        for piece in [1, 3, 7, 100] {
            assert_eq!(count(text, piece), 3, "in pieces of {piece}");
        }
        assert_eq!(count(b"phone\n", 4), 1);
        assert_eq!(count(b"", 4), 0);
    }
}
