//! The provider-neutral conversation sent to a model ([`ChatMessage`], [`Part`]) and what comes
//! back ([`Completion`]).

/// One piece of a user message.
#[derive(Debug, Clone, PartialEq)]
pub enum Part {
    /// Text (a message, a transcript, a document's text).
    Text(String),
    /// An image, sent inline as a `data:` URL.
    Image {
        /// Its MIME type, e.g. `image/jpeg`.
        mime: String,
        /// Its bytes.
        data: Vec<u8>,
    },
}

/// One message of the conversation sent to the model.
#[derive(Debug, Clone, PartialEq)]
pub enum ChatMessage {
    /// Instructions to the model.
    System(String),
    /// What the customer said: text and images.
    User(Vec<Part>),
    /// What the business (or the model) answered before.
    Assistant(String),
}

/// The model's reply.
#[derive(Debug, Clone, PartialEq)]
pub struct Completion {
    /// The reply, trimmed; never empty.
    pub text: String,
    /// The model that answered, as the provider names it (the requested one when it does not say).
    pub model: String,
    /// Why the model stopped, e.g. `stop` or `length` (the reply was cut).
    pub finish_reason: Option<String>,
    /// The tokens of the prompt, when the provider counts them.
    pub prompt_tokens: Option<u64>,
    /// The tokens of the reply, when the provider counts them.
    pub completion_tokens: Option<u64>,
}
