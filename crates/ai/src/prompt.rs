//! The assembly of the conversation an AI reply is generated from ([`Prompt`] → [`build`]).
//!
//! **Invariant:** pure — no I/O, no clock; the same [`Prompt`] always builds the same messages.

use crate::message::{ChatMessage, Part};

/// Who said a turn of the conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Speaker {
    /// The customer writing on WhatsApp.
    Contact,
    /// The business: its agents, its workflows or earlier AI replies.
    Business,
}

/// One earlier message of the conversation.
#[derive(Debug, Clone)]
pub struct Turn {
    /// Who said it.
    pub speaker: Speaker,
    /// What was said, as text (media described or transcribed).
    pub text: String,
}

/// Everything an AI reply is built from.
#[derive(Debug, Clone, Default)]
pub struct Prompt {
    /// A line told to the model first, e.g. `[Risposta automatica fuori orario]`, so that it
    /// knows it answers automatically and in which situation.
    pub system_prefix: Option<String>,
    /// The workspace's instructions about the business.
    pub business_prompt: String,
    /// Retrieved catalogue, FAQ or document items, already rendered as text.
    pub knowledge: Vec<String>,
    /// The workflow's quick phrases the model may use.
    pub helpers: Vec<String>,
    /// The previous messages, oldest first, not including the ones being answered.
    pub history: Vec<Turn>,
    /// What is being answered now: the burst's texts, images, transcripts and document texts.
    pub current: Vec<Part>,
}

/// The fixed rules every AI reply follows, whatever the business.
const INSTRUCTIONS: &str = "You answer a customer on WhatsApp on behalf of this business. \
Answer briefly, like a chat message, and in the customer's language. \
Use only the knowledge below for facts such as prices, availability, opening hours and \
policies; never invent them. If the answer is not in the knowledge, say that you will ask a \
colleague and get back to the customer.";

/// The messages for `prompt`: one system message (prefix, business prompt, rules, knowledge,
/// helpers), the history as user/assistant messages (consecutive turns of the same speaker
/// merged), then one user message with what is being answered.
pub fn build(prompt: &Prompt) -> Vec<ChatMessage> {
    let mut messages = vec![ChatMessage::System(system_text(prompt))];
    let mut turns = prompt.history.iter().peekable();
    while let Some(first) = turns.next() {
        let mut text = first.text.clone();
        while let Some(next) = turns.next_if(|t| t.speaker == first.speaker) {
            text.push('\n');
            text.push_str(&next.text);
        }
        messages.push(match first.speaker {
            Speaker::Contact => ChatMessage::User(vec![Part::Text(text)]),
            Speaker::Business => ChatMessage::Assistant(text),
        });
    }
    messages.push(ChatMessage::User(prompt.current.clone()));
    messages
}

fn system_text(prompt: &Prompt) -> String {
    let mut sections: Vec<String> = Vec::new();
    if let Some(prefix) = prompt.system_prefix.as_deref().map(str::trim) {
        if !prefix.is_empty() {
            sections.push(prefix.to_string());
        }
    }
    let business = prompt.business_prompt.trim();
    if !business.is_empty() {
        sections.push(business.to_string());
    }
    sections.push(INSTRUCTIONS.to_string());
    if let Some(list) = bullets(&prompt.knowledge) {
        sections.push(format!("Knowledge:\n{list}"));
    }
    if let Some(list) = bullets(&prompt.helpers) {
        sections.push(format!("Helpers (phrases you may use):\n{list}"));
    }
    sections.join("\n\n")
}

/// `- item` lines, an item's further lines indented under it; `None` when there is nothing.
fn bullets(items: &[String]) -> Option<String> {
    let lines: Vec<String> = items
        .iter()
        .map(|item| item.trim())
        .filter(|item| !item.is_empty())
        .map(|item| format!("- {}", item.replace('\n', "\n  ")))
        .collect();
    (!lines.is_empty()).then(|| lines.join("\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn turn(speaker: Speaker, text: &str) -> Turn {
        Turn {
            speaker,
            text: text.into(),
        }
    }

    fn system(messages: &[ChatMessage]) -> &str {
        match messages.first() {
            Some(ChatMessage::System(text)) => text,
            other => panic!("no system message first: {other:?}"),
        }
    }

    #[test]
    fn the_system_message_has_every_section_in_order() {
        let prompt = Prompt {
            system_prefix: Some("[Risposta automatica fuori orario]".into()),
            business_prompt: "We are Pizzeria Da Mario in Rome.".into(),
            knowledge: vec!["Margherita: 7 €".into(), "Diavola: 8 €\nspicy".into()],
            helpers: vec!["We deliver until 23:00.".into()],
            ..Prompt::default()
        };
        let messages = build(&prompt);
        let text = system(&messages);
        let order = [
            "[Risposta automatica fuori orario]",
            "We are Pizzeria Da Mario",
            "on WhatsApp",
            "ask a colleague",
            "Knowledge:\n- Margherita: 7 €\n- Diavola: 8 €\n  spicy",
            "Helpers (phrases you may use):\n- We deliver until 23:00.",
        ];
        let positions: Vec<usize> = order
            .iter()
            .map(|s| {
                text.find(s)
                    .unwrap_or_else(|| panic!("{s:?} missing in {text}"))
            })
            .collect();
        assert!(positions.windows(2).all(|w| w[0] < w[1]), "{text}");
        assert!(text.starts_with("[Risposta automatica fuori orario]\n\n"));
    }

    #[test]
    fn empty_sections_are_left_out() {
        let messages = build(&Prompt {
            business_prompt: "A shop.".into(),
            knowledge: vec!["  ".into()],
            ..Prompt::default()
        });
        let text = system(&messages);
        assert!(text.starts_with("A shop.\n\n"));
        assert!(!text.contains("Knowledge:"));
        assert!(!text.contains("Helpers"));
        assert_eq!(messages.len(), 2);
        assert_eq!(messages[1], ChatMessage::User(vec![]));
    }

    #[test]
    fn history_alternates_and_merges_same_speaker_turns() {
        let image = Part::Image {
            mime: "image/jpeg".into(),
            data: vec![0xff, 0xd8],
        };
        let prompt = Prompt {
            history: vec![
                turn(Speaker::Contact, "Hi"),
                turn(Speaker::Contact, "are you open?"),
                turn(Speaker::Business, "Yes, until 22."),
                turn(Speaker::Contact, "Great"),
                turn(Speaker::Business, "See you!"),
                turn(Speaker::Business, "Anything else?"),
            ],
            current: vec![Part::Text("Is this in stock?".into()), image.clone()],
            ..Prompt::default()
        };
        let messages = build(&prompt);
        assert_eq!(
            messages[1..],
            [
                ChatMessage::User(vec![Part::Text("Hi\nare you open?".into())]),
                ChatMessage::Assistant("Yes, until 22.".into()),
                ChatMessage::User(vec![Part::Text("Great".into())]),
                ChatMessage::Assistant("See you!\nAnything else?".into()),
                ChatMessage::User(vec![Part::Text("Is this in stock?".into()), image]),
            ]
        );
    }
}
