//! The business knowledge an AI reply may draw on: products imported from a catalogue export
//! (Shopify, WooCommerce, a generic CSV or JSON), documents (Markdown, text, PDF) split into
//! FAQ entries and chunks, and a BM25 [`Index`] that picks the few items worth putting in a prompt.
//!
//! **Invariant:** no I/O, no async, no clock. Importers take bytes and a file name and return
//! [`Item`]s or an [`ImportError`] that names the file, row, column and value; they never panic,
//! whatever the bytes.

mod catalogue;
mod document;
mod error;
mod index;
mod item;
mod pdf;
mod text;
mod tokens;

pub use catalogue::import_catalogue;
pub use document::import_document;
pub use error::ImportError;
pub use index::Index;
pub use item::{Item, ItemKind};
pub use pdf::pdf_text;
