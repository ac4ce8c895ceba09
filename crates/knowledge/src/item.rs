//! [`Item`]: one piece of knowledge as it goes into a prompt.

use serde::{Deserialize, Serialize};

/// What kind of knowledge an item is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemKind {
    /// A product from a catalogue, all its variants merged into one item.
    Product,
    /// One question and its answer; `title` is the question, `text` the answer.
    Faq,
    /// A chunk of a document, titled by its nearest heading or the file name.
    Document,
}

impl ItemKind {
    /// The kind's name, as stored and as in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Product => "product",
            Self::Faq => "faq",
            Self::Document => "document",
        }
    }

    /// The kind named `name` (anything unknown reads as a document).
    pub fn from_stored(name: &str) -> Self {
        match name {
            "product" => Self::Product,
            "faq" => Self::Faq,
            _ => Self::Document,
        }
    }
}

/// One piece of knowledge, as it goes into a prompt (`title`, then `text`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Item {
    pub kind: ItemKind,
    /// The product name, the question, or the chunk's heading.
    pub title: String,
    /// What the model reads: compact, plain text (HTML stripped), at most
    /// [`PRODUCT_TEXT_MAX`] chars for products and [`CHUNK_MAX`] for documents and FAQs.
    pub text: String,
    /// Where it came from: the file name, or the SKU/handle for products.
    pub source: String,
}

/// The longest `text` of a product item, in chars.
pub const PRODUCT_TEXT_MAX: usize = 500;
/// The longest `text` of a document chunk or FAQ answer, in chars.
pub const CHUNK_MAX: usize = 800;
