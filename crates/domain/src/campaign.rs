//! What a campaign sends, and the opt-out stop words — parsed at the edge, no I/O.

use crate::template::{self, OutputLimit};
use serde_json::Value;

/// A campaign's content.
#[derive(Debug, Clone, PartialEq)]
pub enum CampaignContent {
    /// An approved template (the channel's JSON), whose parameter strings may use
    /// `{{ contact.name }}`, `{{ contact.city }}`: rendered per recipient.
    Template(Value),
    /// A free message: only recipients inside the provider's service window get it.
    Text(String),
    /// Starts this workflow for each recipient.
    Workflow(String),
}

/// A refusal naming the field (under `content`) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContentError {
    pub field: String,
    pub message: String,
}

fn err(field: &str, message: impl Into<String>) -> ContentError {
    ContentError {
        field: field.to_string(),
        message: message.into(),
    }
}

impl CampaignContent {
    /// Reads `{"template": {...}}`, `{"text": "..."}` or `{"workflow_id": "..."}`; every
    /// template string in it must parse.
    pub fn parse(value: &Value) -> Result<Self, ContentError> {
        let obj = value.as_object().ok_or_else(|| {
            err(
                "content",
                "must be an object: {\"template\": …}, {\"text\": …} or {\"workflow_id\": …}",
            )
        })?;
        let mut entries = obj.iter();
        let (Some((key, inner)), None) = (entries.next(), entries.next()) else {
            return Err(err(
                "content",
                "must have exactly one of template, text or workflow_id",
            ));
        };
        match key.as_str() {
            "template" => {
                if inner.get("type").and_then(Value::as_str) != Some("template") {
                    return Err(err(
                        "content.template.type",
                        "must be \"template\" (a template message: name, language, body parameters)",
                    ));
                }
                check_strings(inner, "content.template")?;
                Ok(Self::Template(inner.clone()))
            }
            "text" => {
                let text = inner
                    .as_str()
                    .ok_or_else(|| err("content.text", "must be a string"))?;
                if text.trim().is_empty() {
                    return Err(err("content.text", "must not be empty"));
                }
                if text.chars().count() > OutputLimit::MESSAGE_TEXT.chars {
                    return Err(err("content.text", "is longer than 4096 characters"));
                }
                template::check(text).map_err(|m| err("content.text", m))?;
                Ok(Self::Text(text.to_string()))
            }
            "workflow_id" => {
                let id = inner
                    .as_str()
                    .filter(|s| !s.is_empty())
                    .ok_or_else(|| err("content.workflow_id", "must be a workflow id"))?;
                Ok(Self::Workflow(id.to_string()))
            }
            other => Err(err(
                &format!("content.{other}"),
                "is not a campaign content: use template, text or workflow_id",
            )),
        }
    }

    /// The content for one recipient: every template string rendered with `contact` (the
    /// contact's template value); `None` for a workflow campaign.
    pub fn render_for(&self, contact: &Value) -> Result<Option<Rendered>, template::Error> {
        match self {
            Self::Text(t) => Ok(Some(Rendered {
                text: render(t, contact)?,
                payload: None,
            })),
            Self::Template(v) => {
                let payload = render_tree(v, contact)?;
                let name = v.get("name").and_then(Value::as_str).unwrap_or_default();
                let language = v
                    .get("language")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                Ok(Some(Rendered {
                    text: format!("[template {name} ({language})]"),
                    payload: Some(payload),
                }))
            }
            Self::Workflow(_) => Ok(None),
        }
    }

    /// Whether it is a free-form message (which the 24-hour window limits).
    pub fn is_free_form(&self) -> bool {
        matches!(self, Self::Text(_))
    }
}

/// One recipient's message: its text (or summary) and the channel content when more than text.
#[derive(Debug, Clone, PartialEq)]
pub struct Rendered {
    pub text: String,
    pub payload: Option<Value>,
}

fn render(source: &str, contact: &Value) -> Result<String, template::Error> {
    template::render(source, contact, &Value::Null, "", OutputLimit::MESSAGE_TEXT)
}

fn render_tree(v: &Value, contact: &Value) -> Result<Value, template::Error> {
    Ok(match v {
        Value::String(s) => Value::String(render(s, contact)?),
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|i| render_tree(i, contact))
                .collect::<Result<_, _>>()?,
        ),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, i)| Ok((k.clone(), render_tree(i, contact)?)))
                .collect::<Result<_, template::Error>>()?,
        ),
        other => other.clone(),
    })
}

fn check_strings(v: &Value, path: &str) -> Result<(), ContentError> {
    match v {
        Value::String(s) => template::check(s).map_err(|m| err(path, m)),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .try_for_each(|(i, item)| check_strings(item, &format!("{path}[{i}]"))),
        Value::Object(map) => map
            .iter()
            .try_for_each(|(k, item)| check_strings(item, &format!("{path}.{k}"))),
        _ => Ok(()),
    }
}

/// The stop words used when a workspace has set none.
pub const DEFAULT_STOP_WORDS: [&str; 6] = [
    "STOP",
    "STOP ALL",
    "ANNULLA",
    "DISISCRIVIMI",
    "DÉSABONNER",
    "BAJA",
];

/// The confirmation sent when a workspace has worded none.
pub const DEFAULT_OPT_OUT_REPLY: &str = "You will no longer receive marketing messages from us. \
     Non riceverai più messaggi promozionali. Vous ne recevrez plus de messages promotionnels. \
     Ya no recibirás mensajes promocionales.";

/// A message as compared with stop words: trimmed, upper case, accents folded, inner spaces
/// collapsed, trailing punctuation dropped (`"  Stop! "` → `STOP`, `désabonner` → `DESABONNER`).
pub fn stop_key(text: &str) -> String {
    let folded: String = text
        .chars()
        .map(|c| match c {
            'à' | 'á' | 'â' | 'ä' | 'À' | 'Á' | 'Â' | 'Ä' => 'A',
            'è' | 'é' | 'ê' | 'ë' | 'È' | 'É' | 'Ê' | 'Ë' => 'E',
            'ì' | 'í' | 'î' | 'ï' | 'Ì' | 'Í' | 'Î' | 'Ï' => 'I',
            'ò' | 'ó' | 'ô' | 'ö' | 'Ò' | 'Ó' | 'Ô' | 'Ö' => 'O',
            'ù' | 'ú' | 'û' | 'ü' | 'Ù' | 'Ú' | 'Û' | 'Ü' => 'U',
            'ç' | 'Ç' => 'C',
            'ñ' | 'Ñ' => 'N',
            c => c,
        })
        .flat_map(char::to_uppercase)
        .collect();
    let words: Vec<&str> = folded.split_whitespace().collect();
    words
        .join(" ")
        .trim_end_matches(|c: char| c.is_ascii_punctuation())
        .trim()
        .to_string()
}

/// A workspace's opt-out rule: which messages opt a contact out, and the confirmation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OptOut {
    keys: Vec<String>,
    /// The longest stop word in bytes: a longer message (most) is not folded at all.
    longest: usize,
    pub words: Vec<String>,
    pub reply: String,
}

impl OptOut {
    /// From stored settings (`{"words": [...], "reply": "..."}`; missing parts take the
    /// defaults).
    pub fn from_settings(settings: &Value) -> Self {
        let words: Vec<String> = match settings.get("words").and_then(Value::as_array) {
            Some(list) => list
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect(),
            None => DEFAULT_STOP_WORDS.iter().map(|w| w.to_string()).collect(),
        };
        let reply = settings
            .get("reply")
            .and_then(Value::as_str)
            .unwrap_or(DEFAULT_OPT_OUT_REPLY)
            .to_string();
        let keys: Vec<String> = words.iter().map(|w| stop_key(w)).collect();
        Self {
            longest: keys.iter().map(String::len).max().unwrap_or(0),
            keys,
            words,
            reply,
        }
    }

    /// Whether the whole message is one of the stop words (never a word inside a sentence).
    pub fn matches(&self, text: &str) -> bool {
        // Spaces and trailing punctuation may pad a stop word; anything much longer is not one.
        if text.len() > self.longest + 16 {
            return false;
        }
        let key = stop_key(text);
        !key.is_empty() && self.keys.contains(&key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn stop_words_match_whole_messages_only() {
        let rule = OptOut::from_settings(&json!({}));
        for yes in [
            "STOP",
            " stop! ",
            "Stop all",
            "annulla.",
            "désabonner",
            "DESABONNER",
            "baja",
        ] {
            assert!(rule.matches(yes), "{yes}");
        }
        for no in [
            "stop please send more",
            "non annullare l'ordine",
            "",
            "stopper",
        ] {
            assert!(!rule.matches(no), "{no}");
        }
        let custom = OptOut::from_settings(&json!({"words": ["BASTA"], "reply": ""}));
        assert!(custom.matches("basta"));
        assert!(!custom.matches("stop"));
        assert_eq!(custom.reply, "");
    }

    #[test]
    fn contents_parse_and_render_per_recipient() {
        let contact = json!({"name": "Giulia", "city": "Roma"});
        let text = CampaignContent::parse(&json!({"text": "Ciao {{ contact.name }}"})).unwrap();
        assert!(text.is_free_form());
        assert_eq!(
            text.render_for(&contact).unwrap().unwrap().text,
            "Ciao Giulia"
        );
        let tpl = CampaignContent::parse(&json!({"template": {"type": "template", "name": "promo",
            "language": "it", "body": [{"type": "text", "text": "{{ contact.city }}"}]}}))
        .unwrap();
        let r = tpl.render_for(&contact).unwrap().unwrap();
        assert_eq!(r.payload.unwrap()["body"][0]["text"], "Roma");
        assert_eq!(r.text, "[template promo (it)]");
        let e = CampaignContent::parse(&json!({"text": "{{ unclosed"})).unwrap_err();
        assert_eq!(e.field, "content.text");
        let e = CampaignContent::parse(&json!({"email": "x"})).unwrap_err();
        assert_eq!(e.field, "content.email");
    }
}
