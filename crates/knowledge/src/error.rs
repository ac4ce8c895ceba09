//! [`ImportError`]: why a file could not be imported, in words a shop owner can act on.

/// Why a catalogue or document could not be imported. The message always names the file and,
/// where there is one, the row (spreadsheet numbering: the header is row 1), the column and the
/// offending value.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The extension is none of the supported ones.
    #[error("{file}: unsupported file type (use .csv, .json, .md, .txt or .pdf)")]
    Unsupported { file: String },
    /// Text that is not UTF-8; `offset` is the byte offset of the first invalid byte.
    #[error("{file} is not UTF-8 text (invalid byte at offset {offset})")]
    NotUtf8 { file: String, offset: usize },
    /// No header, or no data at all.
    #[error("{file} is empty")]
    Empty { file: String },
    /// A CSV without a column the format needs.
    #[error("{file}: no {what} column (expected one of: {expected})")]
    MissingColumn {
        file: String,
        what: &'static str,
        expected: &'static str,
    },
    /// A value that does not parse, e.g. `products.csv row 12: "Variant Price" is not a price: "abc"`.
    #[error("{file} {at}: \"{column}\" is not {expected}: \"{value}\"")]
    BadValue {
        file: String,
        /// `row 12` in a CSV, `product 3` in JSON.
        at: String,
        column: String,
        expected: &'static str,
        value: String,
    },
    /// A CSV the reader could not parse (e.g. a row with a different number of fields).
    #[error("{file} row {row}: {message}")]
    Csv {
        file: String,
        row: u64,
        message: String,
    },
    /// JSON that does not parse.
    #[error("{file}: invalid JSON at line {line} column {column}: {message}")]
    Json {
        file: String,
        line: usize,
        column: usize,
        message: String,
    },
    /// JSON that parses but is not a catalogue.
    #[error("{file}: expected an array of products or {{\"products\": [...]}}")]
    JsonShape { file: String },
    /// A PDF whose text could not be extracted.
    #[error("{file}: cannot read the PDF ({message})")]
    Pdf { file: String, message: String },
}

impl ImportError {
    /// The same error, naming `file` (for errors raised before the file name was known).
    pub(crate) fn in_file(mut self, name: &str) -> Self {
        match &mut self {
            ImportError::Unsupported { file }
            | ImportError::NotUtf8 { file, .. }
            | ImportError::Empty { file }
            | ImportError::MissingColumn { file, .. }
            | ImportError::BadValue { file, .. }
            | ImportError::Csv { file, .. }
            | ImportError::Json { file, .. }
            | ImportError::JsonShape { file }
            | ImportError::Pdf { file, .. } => *file = name.to_string(),
        }
        self
    }
}
