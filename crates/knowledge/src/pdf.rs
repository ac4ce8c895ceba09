//! PDF text extraction with `lopdf` (chosen over `pdf-extract`, which wraps an older `lopdf` and
//! adds font and CMap parsers: `lopdf` alone builds faster and bounds decompression).

use crate::text::collapse_whitespace;
use crate::ImportError;

/// The most a page's content streams may inflate to: a small compressed stream from a contact
/// cannot expand without bound.
const MAX_PAGE_BYTES: usize = 16 << 20;
/// Pages beyond this are ignored: knowledge and messages do not need more.
const MAX_PAGES: usize = 500;

/// The text of a PDF, page by page (pages separated by blank lines, lines trimmed). Errors name
/// the file as "PDF"; [`crate::import_document`] names the real file. Never panics: a panic
/// inside the PDF parser on hostile input becomes an error.
pub fn pdf_text(bytes: &[u8]) -> Result<String, ImportError> {
    let error = |message: String| ImportError::Pdf {
        file: "PDF".to_string(),
        message,
    };
    // lopdf parses untrusted structure; a bug there must not take the caller down with it.
    let result = std::panic::catch_unwind(|| extract(bytes));
    match result {
        Ok(Ok(text)) => Ok(text),
        Ok(Err(e)) => Err(error(e.to_string())),
        Err(_) => Err(error("the parser failed on this file".to_string())),
    }
}

fn extract(bytes: &[u8]) -> Result<String, lopdf::Error> {
    let document = lopdf::Document::load_mem(bytes)?;
    let pages: Vec<u32> = document
        .get_pages()
        .keys()
        .copied()
        .take(MAX_PAGES)
        .collect();
    let mut out = String::new();
    for page in pages {
        // One unreadable page (an unknown font encoding…) does not lose the others.
        let Ok(text) = document.extract_text_with_limit(&[page], MAX_PAGE_BYTES) else {
            continue;
        };
        let lines: Vec<String> = text
            .lines()
            .map(collapse_whitespace)
            .filter(|l| !l.is_empty())
            .collect();
        if !lines.is_empty() {
            if !out.is_empty() {
                out.push_str("\n\n");
            }
            out.push_str(&lines.join("\n"));
        }
    }
    Ok(out)
}
