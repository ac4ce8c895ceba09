//! Translation of a text by the model: the prompt ([`translation_messages`]), the names of
//! languages the model reads best ([`language_name`]) and [`AiClient::translate`].

use crate::client::AiClient;
use crate::error::AiError;
use crate::message::{ChatMessage, Part};
use crate::settings::ProviderSettings;

/// ISO 639-1 codes and the English names models understand best.
const LANGUAGES: &[(&str, &str)] = &[
    ("ar", "Arabic"),
    ("bg", "Bulgarian"),
    ("bn", "Bengali"),
    ("ca", "Catalan"),
    ("cs", "Czech"),
    ("da", "Danish"),
    ("de", "German"),
    ("el", "Greek"),
    ("en", "English"),
    ("es", "Spanish"),
    ("fa", "Persian"),
    ("fi", "Finnish"),
    ("fr", "French"),
    ("he", "Hebrew"),
    ("hi", "Hindi"),
    ("hr", "Croatian"),
    ("hu", "Hungarian"),
    ("id", "Indonesian"),
    ("it", "Italian"),
    ("ja", "Japanese"),
    ("ko", "Korean"),
    ("ms", "Malay"),
    ("nl", "Dutch"),
    ("no", "Norwegian"),
    ("pl", "Polish"),
    ("pt", "Portuguese"),
    ("ro", "Romanian"),
    ("ru", "Russian"),
    ("sk", "Slovak"),
    ("sl", "Slovenian"),
    ("sq", "Albanian"),
    ("sr", "Serbian"),
    ("sv", "Swedish"),
    ("sw", "Swahili"),
    ("th", "Thai"),
    ("tl", "Tagalog"),
    ("tr", "Turkish"),
    ("uk", "Ukrainian"),
    ("ur", "Urdu"),
    ("vi", "Vietnamese"),
    ("zh", "Chinese"),
];

/// The English name of language `code` (ISO 639-1, any case, a region like `pt-BR` ignored),
/// e.g. `it` → `Italian`; an unknown code is returned as given.
pub fn language_name(code: &str) -> &str {
    let primary = code.split(['-', '_']).next().unwrap_or(code).trim();
    LANGUAGES
        .iter()
        .find(|(known, _)| known.eq_ignore_ascii_case(primary))
        .map_or(code, |(_, name)| name)
}

/// The conversation asking the model to translate `text` into `language` (ISO 639-1): the
/// translation only, placeholders like `{{name}}`, emoji, URLs and line breaks kept as they are.
pub fn translation_messages(text: &str, language: &str) -> Vec<ChatMessage> {
    let name = language_name(language);
    let instructions = format!(
        "You are a translator. Translate the user's message into {name}. \
         Answer with the translation only: no quotes, no notes, no explanations. \
         Keep placeholders in double braces such as {{{{name}}}} exactly as they are, untranslated. \
         Keep emoji, URLs, phone numbers, e-mail addresses and line breaks unchanged. \
         If the message is already in {name}, answer with it unchanged."
    );
    vec![
        ChatMessage::System(instructions),
        ChatMessage::User(vec![Part::Text(text.to_string())]),
    ]
}

impl AiClient {
    /// Translates `text` into `language` (ISO 639-1, e.g. `fr`) with the settings' chat model.
    pub async fn translate(
        &self,
        settings: &ProviderSettings,
        text: &str,
        language: &str,
    ) -> Result<String, AiError> {
        let completion = self
            .chat(settings, &translation_messages(text, language))
            .await?;
        Ok(completion.text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn languages_have_english_names() {
        assert_eq!(language_name("it"), "Italian");
        assert_eq!(language_name("FR"), "French");
        assert_eq!(language_name("pt-BR"), "Portuguese");
        assert_eq!(language_name("xx"), "xx");
        assert_eq!(language_name(""), "");
    }

    #[test]
    fn the_prompt_names_the_language_and_carries_the_text() {
        let messages = translation_messages("Ciao {{name}} 👋", "en");
        let [ChatMessage::System(system), ChatMessage::User(parts)] = messages.as_slice() else {
            panic!("unexpected shape: {messages:?}");
        };
        assert!(system.contains("into English"));
        assert!(system.contains("{{name}}"));
        assert_eq!(parts, &vec![Part::Text("Ciao {{name}} 👋".into())]);
    }
}
