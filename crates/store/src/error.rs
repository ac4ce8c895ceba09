//! Storage errors.

/// What can go wrong in storage. `Conflict` and `NotFound` are expected outcomes that the API maps
/// to 409 and 404; `Backend` is a fault of the database itself.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{what} not found")]
    NotFound { what: &'static str },
    #[error("conflict on {field}: {message}")]
    Conflict { field: String, message: String },
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    #[error("database error: {0}")]
    Backend(String),
}

/// A storage result.
pub type Result<T> = std::result::Result<T, Error>;
