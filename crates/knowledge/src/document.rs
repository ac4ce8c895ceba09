//! Document import: Markdown, plain text and PDF become FAQ items and chunks.
//!
//! A document is cut into sections at Markdown headings (`#` … `######`). A section whose heading
//! ends with `?` is one FAQ (the heading is the question, the section the answer). Inside a
//! section, lines starting `Q:`/`A:` (or `D:`/`R:`, `P:`/`R:`, `Question:`/`Answer:`,
//! `Domanda:`/`Risposta:`, …) are FAQ pairs; an answer runs until the next question. Everything
//! else is split at paragraph boundaries into chunks of at most [`CHUNK_MAX`] chars (a longer
//! paragraph at sentence, then word boundaries), titled by the nearest heading or, before any,
//! the file name without its extension.

use crate::catalogue::extension;
use crate::item::CHUNK_MAX;
use crate::text::{collapse_whitespace, truncate, utf8};
use crate::{pdf_text, ImportError, Item, ItemKind};

/// Imports a `.md`/`.markdown`/`.txt` or `.pdf` document as FAQ items and chunks, in document
/// order. Every item's `source` is `file_name`; no item's text exceeds [`CHUNK_MAX`] chars.
pub fn import_document(bytes: &[u8], file_name: &str) -> Result<Vec<Item>, ImportError> {
    let text = match extension(file_name).as_str() {
        "md" | "markdown" | "txt" | "text" => utf8(bytes, file_name)?.to_string(),
        "pdf" => pdf_text(bytes).map_err(|e| e.in_file(file_name))?,
        _ => {
            return Err(ImportError::Unsupported {
                file: file_name.to_string(),
            })
        }
    };
    Ok(chunk_document(&text, file_name))
}

/// A heading and the lines under it.
struct Section<'a> {
    heading: String,
    lines: Vec<&'a str>,
}

/// Splits `text` into items (see the module doc).
pub(crate) fn chunk_document(text: &str, file_name: &str) -> Vec<Item> {
    let stem = match file_name.rsplit_once('.') {
        Some((stem, _)) if !stem.is_empty() => stem,
        _ => file_name,
    };
    let mut sections = vec![Section {
        heading: stem.to_string(),
        lines: Vec::new(),
    }];
    for line in text.lines() {
        match heading(line) {
            Some(h) => sections.push(Section {
                heading: h,
                lines: Vec::new(),
            }),
            None => {
                if let Some(section) = sections.last_mut() {
                    section.lines.push(line);
                }
            }
        }
    }
    let mut items = Vec::new();
    for section in sections {
        let item = |kind, title: &str, text: &str| Item {
            kind,
            title: truncate(title, 200),
            text: truncate(text, CHUNK_MAX),
            source: file_name.to_string(),
        };
        if section.heading.ends_with('?') {
            let answer = paragraphs(&section.lines).join("\n");
            if !answer.is_empty() {
                items.push(item(ItemKind::Faq, &section.heading, &answer));
            }
            continue;
        }
        let (pairs, rest) = question_pairs(&section.lines);
        for (question, answer) in pairs {
            if !question.is_empty() && !answer.is_empty() {
                items.push(item(ItemKind::Faq, &question, &answer));
            }
        }
        for chunk in chunks(&paragraphs(&rest)) {
            items.push(item(ItemKind::Document, &section.heading, &chunk));
        }
    }
    items
}

/// The text of a Markdown heading line, without `#`s and emphasis.
fn heading(line: &str) -> Option<String> {
    let trimmed = line.trim_start();
    let hashes = trimmed.chars().take_while(|&c| c == '#').count();
    let rest = &trimmed[hashes..];
    if (1..=6).contains(&hashes) && (rest.is_empty() || rest.starts_with([' ', '\t'])) {
        let text = clean(rest.trim().trim_end_matches('#'));
        (!text.is_empty()).then_some(text)
    } else {
        None
    }
}

/// A line without Markdown emphasis markers, whitespace collapsed.
fn clean(line: &str) -> String {
    collapse_whitespace(&line.replace("**", "").replace("__", ""))
}

const QUESTION_MARKS: &[&str] = &["q:", "d:", "p:", "question:", "domanda:", "pregunta:"];
const ANSWER_MARKS: &[&str] = &["a:", "r:", "answer:", "risposta:", "réponse:", "respuesta:"];

/// The rest of `line` after one of `marks` (case-insensitive, after list bullets and bold).
fn after_mark(line: &str, marks: &[&str]) -> Option<String> {
    let line = clean(line);
    let line = line.trim_start_matches(['-', '*', '•', ' ']);
    let lower = line.to_lowercase();
    let mark = marks.iter().find(|m| lower.starts_with(*m))?;
    // The lower-case form has the same length for these ASCII/Latin-1 marks.
    let rest = line.get(mark.len()..).unwrap_or("");
    Some(rest.trim().to_string())
}

/// Q:/A: pairs, and the lines that are not part of one.
fn question_pairs<'a>(lines: &[&'a str]) -> (Vec<(String, String)>, Vec<&'a str>) {
    enum State {
        Outside,
        Question,
        Answer,
    }
    let mut state = State::Outside;
    let mut pairs: Vec<(String, String)> = Vec::new();
    let mut rest = Vec::new();
    for &line in lines {
        if let Some(q) = after_mark(line, QUESTION_MARKS) {
            pairs.push((q, String::new()));
            state = State::Question;
            continue;
        }
        let answer_start = match state {
            State::Outside => None,
            _ => after_mark(line, ANSWER_MARKS),
        };
        let Some(pair) = pairs.last_mut() else {
            rest.push(line);
            continue;
        };
        if let Some(a) = answer_start {
            pair.1 = a;
            state = State::Answer;
            continue;
        }
        let text = clean(line);
        let target = match state {
            State::Outside => {
                rest.push(line);
                continue;
            }
            State::Question => &mut pair.0,
            State::Answer => &mut pair.1,
        };
        if !text.is_empty() {
            if !target.is_empty() {
                target.push(if matches!(state, State::Answer) {
                    '\n'
                } else {
                    ' '
                });
            }
            target.push_str(&text);
        }
    }
    (pairs, rest)
}

/// Paragraphs: runs of non-blank lines, each line cleaned, joined by newlines.
fn paragraphs(lines: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    for line in lines {
        let line = clean(line);
        if line.is_empty() {
            if !current.is_empty() {
                out.push(std::mem::take(&mut current));
            }
            continue;
        }
        if !current.is_empty() {
            current.push('\n');
        }
        current.push_str(&line);
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// Paragraphs packed into chunks of at most [`CHUNK_MAX`] chars.
fn chunks(paragraphs: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut current_len = 0;
    for piece in paragraphs.iter().flat_map(|p| split_long(p, CHUNK_MAX)) {
        let len = piece.chars().count();
        if current_len > 0 && current_len + 1 + len > CHUNK_MAX {
            out.push(std::mem::take(&mut current));
            current_len = 0;
        }
        if current_len > 0 {
            current.push('\n');
            current_len += 1;
        }
        current.push_str(&piece);
        current_len += len;
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// `text` in pieces of at most `max` chars: cut after sentences, or else between words, or else
/// anywhere (on char boundaries).
fn split_long(text: &str, max: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut current_len = 0;
    for word in text.split_inclusive([' ', '\n']) {
        let mut word = word;
        let mut len = word.chars().count();
        // A word longer than a chunk: cut it.
        while len > max {
            let cut = word
                .char_indices()
                .nth(max)
                .map(|(i, _)| i)
                .unwrap_or(word.len());
            if current_len > 0 {
                out.push(std::mem::take(&mut current).trim_end().to_string());
                current_len = 0;
            }
            out.push(word[..cut].to_string());
            word = &word[cut..];
            len = word.chars().count();
        }
        if current_len + len > max {
            // Prefer ending the chunk after the last sentence in its second half.
            let sentence_end = current
                .rfind(['.', '?', '!'])
                .filter(|&i| i > current.len() / 2);
            match sentence_end {
                Some(i) => {
                    let tail = current.split_off(i + 1);
                    out.push(current.trim_end().to_string());
                    current = tail.trim_start().to_string();
                }
                None => out.push(std::mem::take(&mut current).trim_end().to_string()),
            }
            current_len = current.chars().count();
            if current_len + len > max {
                out.push(std::mem::take(&mut current).trim_end().to_string());
                current_len = 0;
            }
        }
        current.push_str(word);
        current_len += len;
    }
    let last = current.trim_end();
    if !last.is_empty() {
        out.push(last.to_string());
    }
    out.retain(|s| !s.is_empty());
    out
}
