//! Message templates: `{{contact.first_name}}`, custom fields and run variables, rendered with
//! minijinja.
//!
//! Guarantees: a template that passed [`check`] renders without a syntax error; variables that do
//! not exist render as empty text rather than failing a run.
//!
//! **Invariant:** a render is bounded. Templates are rendered on the engine's one intake task
//! (inside its write transaction), so an unbounded one would hold up every contact of every
//! workspace. Each render has [`RENDER_FUEL`] units of fuel (about one per instruction) and
//! [`WORK_LIMIT`] units of filter work (items and text its filters handle), `range()` yields at
//! most [`RANGE_LIMIT`] items, and the output stops at its use's [`OutputLimit`]; over any of
//! them the render fails with an [`Error`] naming the limit and the value.

mod meter;

pub use meter::{BYTES_PER_UNIT, RANGE_LIMIT, WORK_LIMIT};

use meter::RANGE_LIMIT_WORDS;
use minijinja::{Environment, ErrorKind};
use serde_json::Value;
use std::io;
use std::sync::OnceLock;

/// The fuel of one render: minijinja takes one unit per instruction (a loop iteration costs
/// about three). 10,000 units is some 3,000 loop iterations, far more than a message needs, and
/// less than printing 4,096 characters one by one takes, so a runaway loop stops on fuel.
/// Measured (release build, 2 cores shared with two compiling neighbours, fastest to slowest of
/// 20 renders, `cargo test --release -p waflow-domain --lib -- --ignored worst_case_render_time
/// --nocapture`): the three nested loops of 1,000 stop after 0.20 ms (up to 8.9 ms while the
/// neighbours compile); with [`WORK_LIMIT`], the costliest loop body found (a `join` of a
/// 1,000-item range per iteration) stops after 2.1 ms (up to 13.6 ms).
pub const RENDER_FUEL: u64 = 10_000;

/// What a rendered text is for, and the most characters it may have.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OutputLimit {
    /// The most characters (Unicode scalar values) of the rendered text.
    pub chars: usize,
    /// What the text is, in words, e.g. "a message text".
    pub what: &'static str,
}

impl OutputLimit {
    /// A text sent to a contact: WhatsApp's limit of a text message body is 4,096 characters.
    pub const MESSAGE_TEXT: OutputLimit = OutputLimit {
        chars: 4_096,
        what: "a message text",
    };
    /// A text kept by waflow: a contact field's value, a ticket's subject, a note to agents.
    pub const STORED_TEXT: OutputLimit = OutputLimit {
        chars: 4_096,
        what: "a stored text (field value, ticket subject or agent note)",
    };
    /// One templated part of an HTTP request step: its URL, a header, or a string of its body.
    pub const HTTP_REQUEST_PART: OutputLimit = OutputLimit {
        chars: 65_536,
        what: "a part of an HTTP request",
    };
}

/// Why a template did not render.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The render used up its [`RENDER_FUEL`].
    #[error("used more than its {} units of render fuel", grouped(*.fuel as usize))]
    OutOfFuel {
        /// The fuel a render has.
        fuel: u64,
    },
    /// The filters handled more than [`WORK_LIMIT`] units of data.
    #[error(
        "made its filters handle more than {} units of data (the limit of one render; an item \
         of a list, or {BYTES_PER_UNIT} bytes of text, is one unit)",
        grouped(*.limit)
    )]
    TooMuchWork {
        /// The work a render may do.
        limit: usize,
    },
    /// The output went over its limit; rendering stopped there.
    #[error(
        "rendered {} characters, over the {}-character limit of {}",
        grouped(*.chars), grouped(.limit.chars), .limit.what
    )]
    TooLong {
        /// The characters rendered when it stopped (at least `limit.chars + 1`).
        chars: usize,
        /// The limit it went over.
        limit: OutputLimit,
    },
    /// Any other failure (a `range()` over its limit, a division by zero, ...), as minijinja
    /// words it.
    #[error("failed to render: {0}")]
    Failed(String),
}

impl Error {
    /// Whether the render hit one of the bounds that keep rendering cheap (fuel, output size,
    /// `range()`), rather than failing on a value.
    pub fn is_limit(&self) -> bool {
        match self {
            Error::OutOfFuel { .. } | Error::TooMuchWork { .. } | Error::TooLong { .. } => true,
            Error::Failed(message) => message.contains(RANGE_LIMIT_WORDS),
        }
    }
}

/// `1234567` as `1,234,567`.
fn grouped(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(d);
    }
    out
}

fn environment() -> &'static Environment<'static> {
    static ENV: OnceLock<Environment<'static>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::new();
        env.set_auto_escape_callback(|_| minijinja::AutoEscape::None);
        env.set_fuel(Some(RENDER_FUEL));
        env.add_function("range", meter::bounded_range);
        meter::meter_filters(&mut env);
        env
    })
}

/// Checks a template's syntax, returning the parser's message when it is broken.
pub fn check(source: &str) -> Result<(), String> {
    environment()
        .template_from_str(source)
        .map(|_| ())
        .map_err(|e| e.to_string())
}

/// Whether a text has no template syntax: it renders as itself.
pub fn is_plain(source: &str) -> bool {
    !source.contains("{{") && !source.contains("{%")
}

/// The render's output: kept while it stays within its limit, refused past it.
struct Bounded {
    out: Vec<u8>,
    chars: usize,
    limit: usize,
}

impl io::Write for Bounded {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        // minijinja writes whole `str`s, so counting the bytes that start a character counts
        // characters exactly.
        self.chars += buf.iter().filter(|&&b| (b as i8) >= -0x40).count();
        if self.chars > self.limit {
            return Err(io::Error::other("over the output limit"));
        }
        self.out.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// The characters of `text` if it goes over `limit`.
fn over(text: &str, limit: OutputLimit) -> Result<(), Error> {
    // A character takes at least one byte: a short text cannot be over.
    if text.len() <= limit.chars {
        return Ok(());
    }
    let chars = text.chars().count();
    if chars > limit.chars {
        return Err(Error::TooLong { chars, limit });
    }
    Ok(())
}

/// Renders a template with `contact`, `vars` and `message` in scope, within [`RENDER_FUEL`] and
/// `limit`.
pub fn render(
    source: &str,
    contact: &Value,
    vars: &Value,
    message_text: &str,
    limit: OutputLimit,
) -> Result<String, Error> {
    if is_plain(source) {
        over(source, limit)?;
        return Ok(source.to_string());
    }
    let ctx = minijinja::context! { contact => contact, vars => vars, message => minijinja::context!{ text => message_text } };
    let template = environment()
        .template_from_str(source)
        .map_err(|e| Error::Failed(e.to_string()))?;
    let mut output = Bounded {
        out: Vec::new(),
        chars: 0,
        limit: limit.chars,
    };
    meter::start();
    match template.render_captured_to(ctx, &mut output) {
        Ok(_) => String::from_utf8(output.out).map_err(|e| Error::Failed(e.to_string())),
        Err(_) if output.chars > limit.chars => Err(Error::TooLong {
            chars: output.chars,
            limit,
        }),
        Err(e) if e.kind() == ErrorKind::OutOfFuel => Err(Error::OutOfFuel { fuel: RENDER_FUEL }),
        Err(_) if meter::exceeded() => Err(Error::TooMuchWork { limit: WORK_LIMIT }),
        Err(e) => Err(Error::Failed(e.to_string())),
    }
}

#[cfg(test)]
mod tests;
