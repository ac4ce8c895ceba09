//! What waflow can send on the Cloud API, as a [`Content`] value that workflows and the API can
//! store as JSON, and its translation into the Graph API `/messages` request body.
//!
//! **Guarantees:** [`Content::validate`] enforces Meta's documented limits (lengths, counts,
//! unique ids, URL schemes, template names) before anything is sent, and names the offending
//! field by path (`sections[0].rows[2].title`) with the value and the limit; a content that
//! passes validation maps through [`Content::to_graph_json`] to exactly the JSON Meta expects.
//! Lengths are counted in Unicode scalar values (`char`s), as Meta counts characters.

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use std::collections::HashMap;

/// Longest text message body.
pub const TEXT_BODY_MAX: usize = 4096;
/// Longest body of an interactive (buttons or list) message.
pub const INTERACTIVE_BODY_MAX: usize = 1024;
/// Longest text header or footer of an interactive message.
pub const HEADER_FOOTER_MAX: usize = 60;
/// Most reply buttons in one message.
pub const BUTTONS_MAX: usize = 3;
/// Longest reply button title.
pub const BUTTON_TITLE_MAX: usize = 20;
/// Longest reply button id.
pub const BUTTON_ID_MAX: usize = 256;
/// Most rows in a list message, counted across all sections.
pub const LIST_ROWS_MAX: usize = 10;
/// Longest list row title.
pub const ROW_TITLE_MAX: usize = 24;
/// Longest list row description.
pub const ROW_DESCRIPTION_MAX: usize = 72;
/// Longest list row id.
pub const ROW_ID_MAX: usize = 200;
/// Longest list section title.
pub const SECTION_TITLE_MAX: usize = 24;
/// Longest label of the button that opens a list.
pub const LIST_BUTTON_LABEL_MAX: usize = 20;
/// Longest media caption.
pub const CAPTION_MAX: usize = 1024;
/// Longest template name.
pub const TEMPLATE_NAME_MAX: usize = 512;
/// Longest text parameter of a template header.
pub const TEMPLATE_HEADER_TEXT_MAX: usize = 60;
/// Highest index of a template button.
pub const TEMPLATE_BUTTON_INDEX_MAX: u8 = 9;
/// Longest reaction emoji (one grapheme, which may be several `char`s).
pub const REACTION_EMOJI_MAX: usize = 8;

/// A message (or a read receipt) waflow can send through the Cloud API.
///
/// Stored as JSON with a `type` tag, e.g. `{"type":"text","body":"Ciao","preview_url":false}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Content {
    /// A plain text message.
    Text {
        /// The text, 1 to 4096 characters.
        body: String,
        /// Whether WhatsApp renders a preview of the first URL in the body.
        #[serde(default)]
        preview_url: bool,
    },
    /// An interactive message with up to three reply buttons.
    Buttons {
        /// The message text, 1 to 1024 characters.
        body: String,
        /// One to three buttons with unique ids.
        buttons: Vec<Button>,
        /// A text header, up to 60 characters.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        header: Option<String>,
        /// A footer, up to 60 characters.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        footer: Option<String>,
    },
    /// An interactive list message: a button that opens up to ten rows in sections.
    List {
        /// The message text, 1 to 1024 characters.
        body: String,
        /// The label of the button that opens the list, 1 to 20 characters.
        button_label: String,
        /// The sections; at least one, each with at least one row, ten rows in total at most.
        sections: Vec<Section>,
        /// A text header, up to 60 characters.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        header: Option<String>,
        /// A footer, up to 60 characters.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        footer: Option<String>,
    },
    /// An image, audio, video, document or sticker, by public link or uploaded media id.
    Media {
        /// What kind of media it is.
        kind: MediaKind,
        /// Where Meta gets it from.
        source: MediaSource,
        /// A caption (image, video and document only), up to 1024 characters.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        caption: Option<String>,
        /// The file name shown to the recipient (document only).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        filename: Option<String>,
    },
    /// An approved message template, with its parameters.
    Template {
        /// The template name: lowercase letters, digits and `_`.
        name: String,
        /// The template language code, e.g. `it` or `en_US`.
        language: String,
        /// The header parameter (at most one: a text or a media link).
        #[serde(default)]
        header: Vec<Param>,
        /// The body parameters, in order (`{{1}}`, `{{2}}`, ...); text only.
        #[serde(default)]
        body: Vec<Param>,
        /// Parameters of the template's quick-reply and URL buttons.
        #[serde(default)]
        buttons: Vec<ButtonParam>,
    },
    /// A reaction to a message; an empty emoji removes the reaction.
    Reaction {
        /// The `wamid` of the message reacted to.
        message_id: String,
        /// The emoji, or empty to remove the reaction.
        emoji: String,
    },
    /// Marks a received message (and the ones before it) as read.
    MarkRead {
        /// The `wamid` of the received message.
        message_id: String,
    },
}

/// A reply button of a [`Content::Buttons`] message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Button {
    /// What the reply reports back, up to 256 characters, unique in the message.
    pub id: String,
    /// What the button shows, 1 to 20 characters.
    pub title: String,
}

/// A section of a [`Content::List`] message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Section {
    /// The section title, up to 24 characters; required when the list has several sections.
    #[serde(default)]
    pub title: String,
    /// The rows of the section, at least one.
    pub rows: Vec<Row>,
}

/// A selectable row of a [`Content::List`] message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Row {
    /// What the reply reports back, up to 200 characters, unique in the message.
    pub id: String,
    /// What the row shows, 1 to 24 characters.
    pub title: String,
    /// A second line, up to 72 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// The kind of a media message or media template parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MediaKind {
    /// A picture (JPEG, PNG).
    Image,
    /// A sound or voice note.
    Audio,
    /// A video.
    Video,
    /// Any file, shown with its file name.
    Document,
    /// A WebP sticker.
    Sticker,
}

impl MediaKind {
    /// The Graph API name of the kind (`image`, `audio`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            MediaKind::Image => "image",
            MediaKind::Audio => "audio",
            MediaKind::Video => "video",
            MediaKind::Document => "document",
            MediaKind::Sticker => "sticker",
        }
    }

    fn takes_caption(self) -> bool {
        matches!(
            self,
            MediaKind::Image | MediaKind::Video | MediaKind::Document
        )
    }
}

/// Where Meta fetches a media message's file from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MediaSource {
    /// A public `http(s)` link that Meta downloads.
    Url(String),
    /// The id of media uploaded with the Graph API.
    Id(String),
}

/// A parameter of a template header or body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Param {
    /// A text value for a `{{n}}` placeholder.
    Text {
        /// The value, non-empty.
        text: String,
    },
    /// A media header (image, video or document) by public link.
    Media {
        /// Image, video or document.
        kind: MediaKind,
        /// A public `http(s)` link.
        link: String,
    },
}

/// The parameter of one button of a template.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ButtonParam {
    /// The button's position in the template, 0 to 9.
    pub index: u8,
    /// Whether the button is a quick reply or a URL button.
    pub sub_type: ButtonSubType,
    /// The quick-reply payload, or the dynamic suffix of the URL.
    pub value: String,
}

/// The kind of a template button that takes a parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ButtonSubType {
    /// A quick-reply button; the value is the payload reported back.
    QuickReply,
    /// A URL button; the value completes the URL.
    Url,
}

impl ButtonSubType {
    /// The Graph API name of the sub type.
    pub fn as_str(self) -> &'static str {
        match self {
            ButtonSubType::QuickReply => "quick_reply",
            ButtonSubType::Url => "url",
        }
    }
}

/// Why a [`Content`] breaks one of Meta's limits.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct ContentError {
    /// The offending field as a path, e.g. `buttons[1].title` or `sections[0].rows[2].id`.
    pub field: String,
    /// What is wrong, naming the value and the limit.
    pub message: String,
}

impl ContentError {
    fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// How a value is quoted in error messages: debug-escaped, long values shortened.
fn quote(value: &str) -> String {
    const PREVIEW: usize = 40;
    if value.chars().count() > PREVIEW {
        let head: String = value.chars().take(PREVIEW - 3).collect();
        format!("{:?}", format!("{head}..."))
    } else {
        format!("{value:?}")
    }
}

/// Checks that `value` has `min..=max` characters.
fn check_len(field: &str, value: &str, min: usize, max: usize) -> Result<(), ContentError> {
    let n = value.chars().count();
    if n < min {
        let message = if n == 0 {
            format!("is empty; it needs {min} to {max} characters")
        } else {
            format!(
                "{} is {n} characters; it needs at least {min}",
                quote(value)
            )
        };
        return Err(ContentError::new(field, message));
    }
    if n > max {
        return Err(ContentError::new(
            field,
            format!("{} is {n} characters; the limit is {max}", quote(value)),
        ));
    }
    Ok(())
}

fn check_optional(field: &str, value: &Option<String>, max: usize) -> Result<(), ContentError> {
    match value {
        Some(v) => check_len(field, v, 1, max),
        None => Ok(()),
    }
}

fn check_not_empty(field: &str, value: &str) -> Result<(), ContentError> {
    if value.trim().is_empty() {
        return Err(ContentError::new(field, "is empty; a value is required"));
    }
    Ok(())
}

fn check_link(field: &str, value: &str) -> Result<(), ContentError> {
    let lower = value.to_ascii_lowercase();
    let rest = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"));
    match rest {
        Some(host) if !host.is_empty() && !host.starts_with('/') && !value.contains(' ') => Ok(()),
        _ => Err(ContentError::new(
            field,
            format!(
                "{} is not an http(s) URL; Meta only fetches media from http:// or https:// links",
                quote(value)
            ),
        )),
    }
}

/// Checks that ids are unique; `path` gives the field path of item `i`.
fn check_unique<'a>(ids: impl Iterator<Item = (String, &'a str)>) -> Result<(), ContentError> {
    let mut seen: HashMap<&str, String> = HashMap::new();
    for (path, id) in ids {
        if let Some(first) = seen.get(id) {
            return Err(ContentError::new(
                path,
                format!(
                    "{} is already used by {first}; ids must be unique",
                    quote(id)
                ),
            ));
        }
        seen.insert(id, path);
    }
    Ok(())
}

impl Content {
    /// Checks Meta's limits; the first violation found is returned.
    pub fn validate(&self) -> Result<(), ContentError> {
        match self {
            Content::Text { body, .. } => check_len("body", body, 1, TEXT_BODY_MAX),
            Content::Buttons {
                body,
                buttons,
                header,
                footer,
            } => validate_buttons(body, buttons, header, footer),
            Content::List {
                body,
                button_label,
                sections,
                header,
                footer,
            } => validate_list(body, button_label, sections, header, footer),
            Content::Media {
                kind,
                source,
                caption,
                filename,
            } => validate_media(*kind, source, caption, filename),
            Content::Template {
                name,
                language,
                header,
                body,
                buttons,
            } => validate_template(name, language, header, body, buttons),
            Content::Reaction { message_id, emoji } => {
                check_not_empty("message_id", message_id)?;
                let n = emoji.chars().count();
                if n > REACTION_EMOJI_MAX {
                    return Err(ContentError::new(
                        "emoji",
                        format!(
                            "{} is {n} characters; a reaction is one emoji (at most {REACTION_EMOJI_MAX} characters)",
                            quote(emoji)
                        ),
                    ));
                }
                Ok(())
            }
            Content::MarkRead { message_id } => check_not_empty("message_id", message_id),
        }
    }

    /// What the content says, as stored in the conversation's text: the body, the caption, the
    /// emoji, or the template's name.
    pub fn summary(&self) -> String {
        match self {
            Content::Text { body, .. }
            | Content::Buttons { body, .. }
            | Content::List { body, .. } => body.clone(),
            Content::Media { kind, caption, .. } => caption
                .clone()
                .unwrap_or_else(|| format!("[{}]", kind.as_str())),
            Content::Template { name, language, .. } => format!("[template {name} ({language})]"),
            Content::Reaction { emoji, .. } => emoji.clone(),
            Content::MarkRead { message_id } => format!("[read {message_id}]"),
        }
    }

    /// The kind of the content as waflow stores it: `text`, `buttons`, `list`, `image`, ...
    pub fn kind(&self) -> &'static str {
        match self {
            Content::Text { .. } => "text",
            Content::Buttons { .. } => "buttons",
            Content::List { .. } => "list",
            Content::Media { kind, .. } => kind.as_str(),
            Content::Template { .. } => "template",
            Content::Reaction { .. } => "reaction",
            Content::MarkRead { .. } => "mark_read",
        }
    }

    /// The Graph API message type this content is sent as (`text`, `interactive`, `image`, ...);
    /// `None` for [`Content::MarkRead`], which is not a message.
    pub fn graph_type(&self) -> Option<&'static str> {
        match self {
            Content::Text { .. } => Some("text"),
            Content::Buttons { .. } | Content::List { .. } => Some("interactive"),
            Content::Media { kind, .. } => Some(kind.as_str()),
            Content::Template { .. } => Some("template"),
            Content::Reaction { .. } => Some("reaction"),
            Content::MarkRead { .. } => None,
        }
    }

    /// The exact Graph API `POST /{phone_number_id}/messages` request body sending this content
    /// to `to` (digits or E.164), or to a business-scoped user id (`US.1349…`), which Meta takes
    /// in `recipient` instead of `to`. Does not validate: call [`Content::validate`] first.
    pub fn to_graph_json(&self, to: &str) -> Value {
        let (kind, object) = match self {
            Content::MarkRead { message_id } => {
                return json!({
                    "messaging_product": "whatsapp",
                    "status": "read",
                    "message_id": message_id,
                });
            }
            Content::Text { body, preview_url } => {
                ("text", json!({ "body": body, "preview_url": preview_url }))
            }
            Content::Buttons {
                body,
                buttons,
                header,
                footer,
            } => {
                let buttons: Vec<Value> = buttons
                    .iter()
                    .map(|b| json!({ "type": "reply", "reply": { "id": b.id, "title": b.title } }))
                    .collect();
                (
                    "interactive",
                    interactive(
                        "button",
                        body,
                        header,
                        footer,
                        json!({ "buttons": buttons }),
                    ),
                )
            }
            Content::List {
                body,
                button_label,
                sections,
                header,
                footer,
            } => {
                let sections: Vec<Value> = sections.iter().map(section_json).collect();
                (
                    "interactive",
                    interactive(
                        "list",
                        body,
                        header,
                        footer,
                        json!({ "button": button_label, "sections": sections }),
                    ),
                )
            }
            Content::Media {
                kind,
                source,
                caption,
                filename,
            } => {
                let mut media = Map::new();
                match source {
                    MediaSource::Url(link) => media.insert("link".into(), json!(link)),
                    MediaSource::Id(id) => media.insert("id".into(), json!(id)),
                };
                if let Some(caption) = caption {
                    media.insert("caption".into(), json!(caption));
                }
                if let Some(filename) = filename {
                    media.insert("filename".into(), json!(filename));
                }
                (kind.as_str(), Value::Object(media))
            }
            Content::Template {
                name,
                language,
                header,
                body,
                buttons,
            } => (
                "template",
                template_json(name, language, header, body, buttons),
            ),
            Content::Reaction { message_id, emoji } => (
                "reaction",
                json!({ "message_id": message_id, "emoji": emoji }),
            ),
        };
        let mut message = Map::new();
        message.insert("messaging_product".into(), json!("whatsapp"));
        message.insert("recipient_type".into(), json!("individual"));
        // A contact known only by username is addressed by user id; a phone keeps `to`.
        let field = if waflow_domain::UserId::parse(to).is_ok() {
            "recipient"
        } else {
            "to"
        };
        message.insert(field.into(), json!(to));
        message.insert("type".into(), json!(kind));
        message.insert(kind.into(), object);
        Value::Object(message)
    }
}

fn validate_buttons(
    body: &str,
    buttons: &[Button],
    header: &Option<String>,
    footer: &Option<String>,
) -> Result<(), ContentError> {
    check_len("body", body, 1, INTERACTIVE_BODY_MAX)?;
    check_optional("header", header, HEADER_FOOTER_MAX)?;
    check_optional("footer", footer, HEADER_FOOTER_MAX)?;
    if buttons.is_empty() {
        return Err(ContentError::new(
            "buttons",
            format!("no buttons; it needs 1 to {BUTTONS_MAX}"),
        ));
    }
    if buttons.len() > BUTTONS_MAX {
        return Err(ContentError::new(
            format!("buttons[{BUTTONS_MAX}]"),
            format!(
                "{} buttons given; the limit is {BUTTONS_MAX}",
                buttons.len()
            ),
        ));
    }
    for (i, button) in buttons.iter().enumerate() {
        check_len(&format!("buttons[{i}].id"), &button.id, 1, BUTTON_ID_MAX)?;
        check_len(
            &format!("buttons[{i}].title"),
            &button.title,
            1,
            BUTTON_TITLE_MAX,
        )?;
    }
    check_unique(
        buttons
            .iter()
            .enumerate()
            .map(|(i, b)| (format!("buttons[{i}].id"), b.id.as_str())),
    )
}

fn validate_list(
    body: &str,
    button_label: &str,
    sections: &[Section],
    header: &Option<String>,
    footer: &Option<String>,
) -> Result<(), ContentError> {
    check_len("body", body, 1, INTERACTIVE_BODY_MAX)?;
    check_optional("header", header, HEADER_FOOTER_MAX)?;
    check_optional("footer", footer, HEADER_FOOTER_MAX)?;
    check_len("button_label", button_label, 1, LIST_BUTTON_LABEL_MAX)?;
    if sections.is_empty() {
        return Err(ContentError::new(
            "sections",
            format!("no sections; a list needs 1 to {LIST_ROWS_MAX} rows in at least one section"),
        ));
    }
    let several = sections.len() > 1;
    let mut total = 0usize;
    for (s, section) in sections.iter().enumerate() {
        let path = format!("sections[{s}]");
        if several || !section.title.is_empty() {
            let min = usize::from(several);
            check_len(&format!("{path}.title"), &section.title, min, SECTION_TITLE_MAX).map_err(
                |e| {
                    if section.title.is_empty() {
                        ContentError::new(
                            e.field,
                            format!(
                                "is empty; a list with {} sections needs a title (1 to {SECTION_TITLE_MAX} characters) on each",
                                sections.len()
                            ),
                        )
                    } else {
                        e
                    }
                },
            )?;
        }
        if section.rows.is_empty() {
            return Err(ContentError::new(
                format!("{path}.rows"),
                "no rows; every section needs at least 1 row",
            ));
        }
        for (r, row) in section.rows.iter().enumerate() {
            let row_path = format!("{path}.rows[{r}]");
            total += 1;
            if total > LIST_ROWS_MAX {
                let all: usize = sections.iter().map(|s| s.rows.len()).sum();
                return Err(ContentError::new(
                    row_path,
                    format!("{all} rows given across all sections; the limit is {LIST_ROWS_MAX} in total"),
                ));
            }
            check_len(&format!("{row_path}.id"), &row.id, 1, ROW_ID_MAX)?;
            check_len(&format!("{row_path}.title"), &row.title, 1, ROW_TITLE_MAX)?;
            check_optional(
                &format!("{row_path}.description"),
                &row.description,
                ROW_DESCRIPTION_MAX,
            )?;
        }
    }
    check_unique(sections.iter().enumerate().flat_map(|(s, section)| {
        section
            .rows
            .iter()
            .enumerate()
            .map(move |(r, row)| (format!("sections[{s}].rows[{r}].id"), row.id.as_str()))
    }))
}

fn validate_media(
    kind: MediaKind,
    source: &MediaSource,
    caption: &Option<String>,
    filename: &Option<String>,
) -> Result<(), ContentError> {
    match source {
        MediaSource::Url(link) => check_link("source.url", link)?,
        MediaSource::Id(id) => check_not_empty("source.id", id)?,
    }
    if let Some(caption) = caption {
        if !kind.takes_caption() {
            return Err(ContentError::new(
                "caption",
                format!(
                    "a {} cannot have a caption; only image, video and document can",
                    kind.as_str()
                ),
            ));
        }
        check_len("caption", caption, 1, CAPTION_MAX)?;
    }
    if let Some(filename) = filename {
        if kind != MediaKind::Document {
            return Err(ContentError::new(
                "filename",
                format!(
                    "a {} cannot have a file name; only a document can",
                    kind.as_str()
                ),
            ));
        }
        check_not_empty("filename", filename)?;
    }
    Ok(())
}

fn validate_template(
    name: &str,
    language: &str,
    header: &[Param],
    body: &[Param],
    buttons: &[ButtonParam],
) -> Result<(), ContentError> {
    check_len("name", name, 1, TEMPLATE_NAME_MAX)?;
    if let Some(bad) = name
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_'))
    {
        return Err(ContentError::new(
            "name",
            format!(
                "{} contains {bad:?}; a template name has only lowercase letters, digits and _",
                quote(name)
            ),
        ));
    }
    check_not_empty("language", language)?;
    if !language
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        return Err(ContentError::new(
            "language",
            format!(
                "{} is not a language code like \"it\" or \"en_US\"",
                quote(language)
            ),
        ));
    }
    if header.len() > 1 {
        return Err(ContentError::new(
            "header[1]",
            format!(
                "{} header parameters given; a template header takes at most 1",
                header.len()
            ),
        ));
    }
    for (i, param) in header.iter().enumerate() {
        let path = format!("header[{i}]");
        match param {
            Param::Text { text } => {
                check_len(&format!("{path}.text"), text, 1, TEMPLATE_HEADER_TEXT_MAX)?
            }
            Param::Media { kind, link } => {
                if !matches!(
                    kind,
                    MediaKind::Image | MediaKind::Video | MediaKind::Document
                ) {
                    return Err(ContentError::new(
                        format!("{path}.kind"),
                        format!(
                            "{:?} cannot head a template; only image, video or document",
                            kind.as_str()
                        ),
                    ));
                }
                check_link(&format!("{path}.link"), link)?;
            }
        }
    }
    for (i, param) in body.iter().enumerate() {
        let path = format!("body[{i}]");
        match param {
            Param::Text { text } => check_not_empty(&format!("{path}.text"), text)?,
            Param::Media { .. } => {
                return Err(ContentError::new(
                    path,
                    "a media parameter only fits the template header; body parameters are text",
                ))
            }
        }
    }
    let mut indexes: HashMap<u8, usize> = HashMap::new();
    for (i, button) in buttons.iter().enumerate() {
        let path = format!("buttons[{i}]");
        if button.index > TEMPLATE_BUTTON_INDEX_MAX {
            return Err(ContentError::new(
                format!("{path}.index"),
                format!(
                    "{} is out of range; the limit is {TEMPLATE_BUTTON_INDEX_MAX}",
                    button.index
                ),
            ));
        }
        if let Some(first) = indexes.insert(button.index, i) {
            return Err(ContentError::new(
                format!("{path}.index"),
                format!(
                    "{} is already used by buttons[{first}]; each template button takes one parameter",
                    button.index
                ),
            ));
        }
        check_not_empty(&format!("{path}.value"), &button.value)?;
    }
    Ok(())
}

fn interactive(
    kind: &str,
    body: &str,
    header: &Option<String>,
    footer: &Option<String>,
    action: Value,
) -> Value {
    let mut object = Map::new();
    object.insert("type".into(), json!(kind));
    if let Some(header) = header {
        object.insert("header".into(), json!({ "type": "text", "text": header }));
    }
    object.insert("body".into(), json!({ "text": body }));
    if let Some(footer) = footer {
        object.insert("footer".into(), json!({ "text": footer }));
    }
    object.insert("action".into(), action);
    Value::Object(object)
}

fn section_json(section: &Section) -> Value {
    let rows: Vec<Value> = section
        .rows
        .iter()
        .map(|row| {
            let mut r = Map::new();
            r.insert("id".into(), json!(row.id));
            r.insert("title".into(), json!(row.title));
            if let Some(description) = &row.description {
                r.insert("description".into(), json!(description));
            }
            Value::Object(r)
        })
        .collect();
    let mut s = Map::new();
    if !section.title.is_empty() {
        s.insert("title".into(), json!(section.title));
    }
    s.insert("rows".into(), Value::Array(rows));
    Value::Object(s)
}

fn param_json(param: &Param) -> Value {
    match param {
        Param::Text { text } => json!({ "type": "text", "text": text }),
        Param::Media { kind, link } => {
            let kind = kind.as_str();
            json!({ "type": kind, kind: { "link": link } })
        }
    }
}

fn template_json(
    name: &str,
    language: &str,
    header: &[Param],
    body: &[Param],
    buttons: &[ButtonParam],
) -> Value {
    let mut components = Vec::new();
    if !header.is_empty() {
        let parameters: Vec<Value> = header.iter().map(param_json).collect();
        components.push(json!({ "type": "header", "parameters": parameters }));
    }
    if !body.is_empty() {
        let parameters: Vec<Value> = body.iter().map(param_json).collect();
        components.push(json!({ "type": "body", "parameters": parameters }));
    }
    for button in buttons {
        let parameter = match button.sub_type {
            ButtonSubType::QuickReply => json!({ "type": "payload", "payload": button.value }),
            ButtonSubType::Url => json!({ "type": "text", "text": button.value }),
        };
        components.push(json!({
            "type": "button",
            "sub_type": button.sub_type.as_str(),
            "index": button.index.to_string(),
            "parameters": [parameter],
        }));
    }
    let mut template = Map::new();
    template.insert("name".into(), json!(name));
    template.insert("language".into(), json!({ "code": language }));
    if !components.is_empty() {
        template.insert("components".into(), Value::Array(components));
    }
    Value::Object(template)
}
