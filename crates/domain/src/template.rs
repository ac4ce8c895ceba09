//! Message templates: `{{contact.first_name}}`, custom fields and run variables, rendered with
//! minijinja.
//!
//! Guarantees: a template that passed [`check`] renders without a syntax error; variables that do
//! not exist render as empty text rather than failing a run.

use minijinja::Environment;
use serde_json::Value;
use std::sync::OnceLock;

fn environment() -> &'static Environment<'static> {
    static ENV: OnceLock<Environment<'static>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::new();
        env.set_auto_escape_callback(|_| minijinja::AutoEscape::None);
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

/// Renders a template with `contact`, `vars` and `message` in scope.
pub fn render(
    source: &str,
    contact: &Value,
    vars: &Value,
    message_text: &str,
) -> Result<String, String> {
    if is_plain(source) {
        return Ok(source.to_string());
    }
    let ctx = minijinja::context! { contact => contact, vars => vars, message => minijinja::context!{ text => message_text } };
    environment()
        .render_str(source, ctx)
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contact::ContactView;

    #[test]
    fn renders_contact_fields_and_custom_fields() {
        let mut c = ContactView {
            name: "Giulia Rossi".into(),
            phone: "+393331234567".into(),
            ..Default::default()
        };
        c.fields.insert("city".into(), Value::String("Roma".into()));
        let out = render(
            "Ciao {{contact.first_name}} da {{ contact.city }}{{ contact.missing }}!",
            &c.template_value(),
            &Value::Null,
            "",
        )
        .unwrap();
        assert_eq!(out, "Ciao Giulia da Roma!");
    }

    #[test]
    fn check_reports_syntax_errors() {
        assert!(check("Hello {{ contact.name").is_err());
        assert!(check("Hello {{ contact.name }}").is_ok());
    }
}
