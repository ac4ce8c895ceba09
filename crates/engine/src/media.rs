//! What a contact's message becomes in an AI prompt: its text, an image as an image part, a
//! voice message transcribed by the provider, a PDF's text extracted.
//!
//! **Invariant:** a medium that cannot be read never stops the reply: it becomes a short note
//! in the prompt ("[an image that could not be read]") and in the log entry's detail.

use crate::Inner;
use serde_json::{json, Value};
use waflow_ai::{Part, ProviderSettings};
use waflow_domain::InboundMedia;
use waflow_store::Message;

/// The largest image sent to the model, and the largest audio or document read.
const MAX_IMAGE_BYTES: u64 = 8 * 1024 * 1024;
const MAX_FILE_BYTES: u64 = 25 * 1024 * 1024;
/// The most characters of a PDF's text put in a prompt.
const MAX_PDF_CHARS: usize = 8_000;

/// The prompt parts of one message, and a note about its medium for the log (if it had one).
pub(crate) async fn parts(
    inner: &Inner,
    provider: &ProviderSettings,
    m: &Message,
) -> (Vec<Part>, Option<Value>) {
    let caption = m.text.trim();
    let mut parts = Vec::new();
    let kind = m.message_type.as_str();
    if !matches!(kind, "image" | "sticker" | "audio" | "document") {
        return (vec![Part::Text(described(m))], None);
    }
    let media = m
        .payload
        .as_ref()
        .and_then(InboundMedia::from_stored)
        .unwrap_or_default();
    let mime = media.essence();
    let file_name = media.file_name.clone().unwrap_or_else(|| "file".into());
    let limit = if kind == "image" || kind == "sticker" {
        MAX_IMAGE_BYTES
    } else {
        MAX_FILE_BYTES
    };
    let bytes = match read(inner, &media, limit).await {
        Ok(b) => b,
        Err(e) => {
            parts.push(Part::Text(format!("[a {kind} that could not be read]")));
            if !caption.is_empty() {
                parts.push(Part::Text(caption.to_string()));
            }
            return (parts, Some(json!({"type": kind, "error": e})));
        }
    };
    let note = match kind {
        "image" | "sticker" => {
            let mime = if mime.starts_with("image/") {
                mime
            } else {
                "image/jpeg".to_string()
            };
            let size = bytes.len();
            parts.push(Part::Image { mime, data: bytes });
            json!({"type": kind, "sent_as": "image", "bytes": size})
        }
        "audio" => {
            let mime = if mime.is_empty() {
                "audio/ogg".to_string()
            } else {
                mime
            };
            let name = audio_name(&mime);
            match inner
                .ai
                .client()
                .transcribe(provider, bytes, &name, &mime)
                .await
            {
                Ok(text) => {
                    parts.push(Part::Text(format!("[voice message, transcribed] {text}")));
                    json!({"type": kind, "transcript": text})
                }
                Err(e) => {
                    parts.push(Part::Text(
                        "[a voice message that could not be transcribed]".into(),
                    ));
                    json!({"type": kind, "error": e.to_string()})
                }
            }
        }
        _ if mime == "application/pdf" || file_name.to_ascii_lowercase().ends_with(".pdf") => {
            let extracted =
                tokio::task::spawn_blocking(move || waflow_knowledge::pdf_text(&bytes)).await;
            match extracted {
                Ok(Ok(text)) => {
                    let text: String = text.chars().take(MAX_PDF_CHARS).collect();
                    parts.push(Part::Text(format!("[PDF document {file_name:?}]\n{text}")));
                    json!({"type": kind, "pdf_chars": text.chars().count()})
                }
                Ok(Err(e)) => {
                    parts.push(Part::Text(format!(
                        "[a PDF document {file_name:?} whose text could not be read]"
                    )));
                    json!({"type": kind, "error": e.to_string()})
                }
                Err(e) => {
                    parts.push(Part::Text(format!("[a PDF document {file_name:?}]")));
                    json!({"type": kind, "error": e.to_string()})
                }
            }
        }
        _ => {
            parts.push(Part::Text(format!("[a document {file_name:?} ({mime})]")));
            json!({"type": kind, "sent_as": "name only"})
        }
    };
    if !caption.is_empty() {
        parts.push(Part::Text(caption.to_string()));
    }
    (parts, Some(note))
}

/// A message as text: its text (or caption), else what kind of message it was (`[location]`).
pub(crate) fn described(m: &Message) -> String {
    let text = m.text.trim();
    if text.is_empty() {
        format!("[{}]", m.message_type)
    } else {
        text.to_string()
    }
}

/// A file name the transcription endpoint recognises by extension.
fn audio_name(mime: &str) -> String {
    let ext = match mime {
        "audio/mpeg" | "audio/mp3" => "mp3",
        "audio/mp4" | "audio/m4a" | "audio/x-m4a" | "audio/aac" => "m4a",
        "audio/wav" | "audio/x-wav" => "wav",
        "audio/webm" => "webm",
        _ => "ogg",
    };
    format!("voice.{ext}")
}

/// Reads the stored file of a message, refusing files larger than `limit`.
async fn read(inner: &Inner, media: &InboundMedia, limit: u64) -> Result<Vec<u8>, String> {
    let file = match &media.stored {
        Some(Ok(file)) => file,
        Some(Err(e)) => return Err(format!("the medium was not downloaded: {e}")),
        None => return Err("the message has no stored file".to_string()),
    };
    let path = inner
        .ai
        .media_path(file)
        .ok_or_else(|| "the message has no stored file".to_string())?;
    let meta = tokio::fs::metadata(&path)
        .await
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    if meta.len() > limit {
        return Err(format!(
            "the file is {} bytes, more than the {limit} read for AI replies",
            meta.len()
        ));
    }
    tokio::fs::read(&path)
        .await
        .map_err(|e| format!("cannot read {}: {e}", path.display()))
}
