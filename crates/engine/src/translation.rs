//! Automatic translation of fixed replies (`send_text` with `translate: true`), done by the timer
//! worker outside any transaction: the contact's language is detected from their recent
//! messages, the text's own language from the workspace setting or the text itself; when they
//! differ the text is translated by the workspace's provider, once per text and language (the
//! translations are cached in the store).
//!
//! **Invariant:** translation never stops a reply: without a provider, with an undetectable
//! language or a failed call, the original text is sent and the log says why.

use crate::ai_service::Lookup;
use crate::{Error, Inner};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use waflow_domain::step::Action;
use waflow_store::DueStep;
use whatlang::Lang;

/// The text to send in place of the step's (`None`: the original), and what happened.
pub(crate) struct Translated {
    pub text: Option<String>,
    pub detail: Value,
}

/// A language as ISO 639-1 where it has one (what settings and providers use), else 639-3.
pub(crate) fn code(lang: Lang) -> &'static str {
    match lang {
        Lang::Eng => "en",
        Lang::Ita => "it",
        Lang::Fra => "fr",
        Lang::Spa => "es",
        Lang::Deu => "de",
        Lang::Por => "pt",
        Lang::Nld => "nl",
        Lang::Rus => "ru",
        Lang::Ukr => "uk",
        Lang::Pol => "pl",
        Lang::Ron => "ro",
        Lang::Tur => "tr",
        Lang::Ara => "ar",
        Lang::Cmn => "zh",
        Lang::Jpn => "ja",
        Lang::Kor => "ko",
        Lang::Hin => "hi",
        Lang::Ell => "el",
        Lang::Swe => "sv",
        Lang::Dan => "da",
        Lang::Fin => "fi",
        Lang::Ces => "cs",
        Lang::Hun => "hu",
        Lang::Heb => "he",
        Lang::Vie => "vi",
        Lang::Ind => "id",
        other => other.code(),
    }
}

/// The languages told apart: the common languages of business chats. (Detecting among all of
/// whatlang's languages mistakes short sentences for rarer relatives, e.g. English for
/// Afrikaans.)
const LANGUAGES: [Lang; 26] = [
    Lang::Eng,
    Lang::Ita,
    Lang::Fra,
    Lang::Spa,
    Lang::Deu,
    Lang::Por,
    Lang::Nld,
    Lang::Pol,
    Lang::Ron,
    Lang::Rus,
    Lang::Ukr,
    Lang::Tur,
    Lang::Ara,
    Lang::Cmn,
    Lang::Jpn,
    Lang::Kor,
    Lang::Hin,
    Lang::Ell,
    Lang::Swe,
    Lang::Dan,
    Lang::Fin,
    Lang::Ces,
    Lang::Hun,
    Lang::Heb,
    Lang::Vie,
    Lang::Ind,
];

/// The language of a text (template placeholders ignored), when it can be told: whatlang's
/// reliable answers, or its best guess for a text of at least three words (shorter ones, like
/// "ok" or "ciao", say nothing about a language).
pub(crate) fn detect(text: &str) -> Option<&'static str> {
    let plain = without_templates(text);
    let info = whatlang::Detector::with_allowlist(LANGUAGES.to_vec()).detect(&plain)?;
    let words = plain
        .split(|c: char| !c.is_alphabetic())
        .filter(|w| !w.is_empty())
        .count();
    (info.is_reliable() || words >= 3).then(|| code(info.lang()))
}

/// The text without `{{ … }}` and `{% … %}` parts.
fn without_templates(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find(['{']) {
        out.push_str(&rest[..start]);
        let tail = &rest[start..];
        let close = if tail.starts_with("{{") {
            tail.find("}}").map(|i| i + 2)
        } else if tail.starts_with("{%") {
            tail.find("%}").map(|i| i + 2)
        } else {
            Some(1)
        };
        match close {
            Some(end) => rest = &tail[end..],
            None => {
                rest = "";
            }
        }
        out.push(' ');
    }
    out.push_str(rest);
    out
}

/// The key a translation is cached under: the source text's SHA-256.
fn source_hash(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// Translates the text of a due `translate` step, if its run is still at that step.
pub(crate) async fn prepare(inner: &Inner, due: &DueStep) -> Result<Option<Translated>, Error> {
    let Some((run, doc, index)) = inner.at_step(due).await? else {
        return Ok(None);
    };
    let Action::SendText { text, .. } = &doc.steps[index].action else {
        return Ok(None);
    };
    let original = |why: String| {
        Ok(Some(Translated {
            text: None,
            detail: json!({"translated": false, "why": why}),
        }))
    };
    let recent = inner
        .store
        .recent_messages(&run.workspace_id, &run.conversation_id, 20)
        .await?;
    let said: Vec<&str> = recent
        .iter()
        .rev()
        .filter(|m| m.direction == "inbound" && !m.text.trim().is_empty())
        .take(5)
        .map(|m| m.text.as_str())
        .collect();
    let Some(contact_language) = detect(&said.join("\n")) else {
        return original("the contact's language could not be detected".into());
    };
    let provider = match inner
        .ai
        .provider(inner.store.as_ref(), &run.workspace_id)
        .await?
    {
        Lookup::Ready(p) => p,
        Lookup::NotConfigured => {
            return original("no AI provider is configured for translation".into())
        }
        Lookup::Unusable(e) => return original(e),
    };
    let text_language = match &provider.settings.language {
        Some(l) => l.as_str(),
        None => match detect(text) {
            Some(l) => l,
            None => return original("the text's language could not be detected".into()),
        },
    };
    if text_language == contact_language {
        return original(format!(
            "the contact writes in the text's language ({text_language})"
        ));
    }
    let hash = source_hash(text);
    let detail = |cached: bool| json!({"translated": true, "from": text_language, "to": contact_language, "cached": cached});
    if let Some(t) = inner
        .store
        .translation(&run.workspace_id, &hash, contact_language)
        .await?
    {
        return Ok(Some(Translated {
            text: Some(t),
            detail: detail(true),
        }));
    }
    match inner
        .ai
        .client()
        .translate(&provider.provider, text, contact_language)
        .await
    {
        Ok(t) => {
            inner
                .store
                .put_translation(&run.workspace_id, &hash, contact_language, &t)
                .await?;
            Ok(Some(Translated {
                text: Some(t),
                detail: detail(false),
            }))
        }
        Err(e) => original(format!("the translation failed: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::{detect, without_templates};

    #[test]
    fn languages_are_told_apart() {
        assert_eq!(
            detect("Buongiorno, vorrei sapere quando arriva il mio ordine"),
            Some("it")
        );
        assert_eq!(
            detect("Bonjour, je voudrais savoir quand ma commande arrive"),
            Some("fr")
        );
        assert_eq!(
            detect("Hello, I would like to know when my order arrives"),
            Some("en")
        );
    }

    #[test]
    fn single_words_tell_nothing() {
        assert_eq!(detect("ok"), None);
        assert_eq!(detect("Ciao"), None);
    }

    #[test]
    fn placeholders_do_not_count() {
        assert_eq!(
            without_templates("Ciao {{contact.first_name}}, {% if x %}sì{% endif %}!"),
            "Ciao  ,  sì !"
        );
        assert_eq!(without_templates("a { b"), "a   b");
    }
}
