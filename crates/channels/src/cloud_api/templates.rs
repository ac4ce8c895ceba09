//! Checking a template message against the template Meta approved: the right number of
//! parameters for its header, body and URL buttons, and only approved templates.
//!
//! **Invariant:** a template message that passes [`check`] has exactly the parameters the
//! template's components declare, so Meta will not refuse it for a parameter mismatch (132000).

use super::content::{ButtonSubType, Content, ContentError, Param};
use serde_json::Value;

/// The `{{1}}` / `{{name}}` placeholders of a component's text, counted once each.
fn placeholders(text: &str) -> usize {
    let mut seen: Vec<&str> = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else { break };
        let name = after[..end].trim();
        if !name.is_empty() && !seen.contains(&name) {
            seen.push(name);
        }
        rest = &after[end + 2..];
    }
    seen.len()
}

fn component<'a>(components: &'a Value, kind: &str) -> Option<&'a Value> {
    components.as_array()?.iter().find(|c| {
        c.get("type")
            .and_then(Value::as_str)
            .is_some_and(|t| t.eq_ignore_ascii_case(kind))
    })
}

fn error(field: &str, message: String) -> ContentError {
    ContentError {
        field: field.into(),
        message,
    }
}

/// Checks `content` (a [`Content::Template`]; other contents pass) against the template's review
/// `status` and `components` as the Graph API lists them.
pub fn check(content: &Content, status: &str, components: &Value) -> Result<(), ContentError> {
    let Content::Template {
        name,
        language,
        header,
        body,
        buttons,
    } = content
    else {
        return Ok(());
    };
    let which = format!("template {name} ({language})");
    if status != "APPROVED" {
        return Err(error(
            "name",
            format!("{which} is {status}; only approved templates can be sent"),
        ));
    }
    let body_wanted = component(components, "BODY")
        .and_then(|c| c.get("text"))
        .and_then(Value::as_str)
        .map_or(0, placeholders);
    if body.len() != body_wanted {
        return Err(error(
            "body",
            format!(
                "{which} takes {body_wanted} body parameter(s); {} given",
                body.len()
            ),
        ));
    }
    let head = component(components, "HEADER");
    let format = head
        .and_then(|h| h.get("format"))
        .and_then(Value::as_str)
        .unwrap_or("TEXT")
        .to_ascii_uppercase();
    match format.as_str() {
        "IMAGE" | "VIDEO" | "DOCUMENT" => {
            if !matches!(header.as_slice(), [Param::Media { .. }]) {
                return Err(error(
                    "header",
                    format!("{which} has a {format} header: give one media parameter"),
                ));
            }
        }
        _ => {
            let wanted = head
                .and_then(|h| h.get("text"))
                .and_then(Value::as_str)
                .map_or(0, placeholders);
            if header.len() != wanted {
                return Err(error(
                    "header",
                    format!(
                        "{which} takes {wanted} header parameter(s); {} given",
                        header.len()
                    ),
                ));
            }
        }
    }
    let template_buttons = component(components, "BUTTONS")
        .and_then(|c| c.get("buttons"))
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    for (index, b) in template_buttons.iter().enumerate() {
        let is_dynamic_url = b.get("type").and_then(Value::as_str) == Some("URL")
            && b.get("url")
                .and_then(Value::as_str)
                .is_some_and(|u| placeholders(u) > 0);
        let given = buttons
            .iter()
            .any(|p| usize::from(p.index) == index && p.sub_type == ButtonSubType::Url);
        if is_dynamic_url && !given {
            return Err(error(
                "buttons",
                format!("{which}: button {index} is a URL with a parameter; give its value"),
            ));
        }
    }
    for (k, p) in buttons.iter().enumerate() {
        if usize::from(p.index) >= template_buttons.len() {
            return Err(error(
                &format!("buttons[{k}].index"),
                format!(
                    "{which} has {} button(s); there is no button {}",
                    template_buttons.len(),
                    p.index
                ),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn order_update() -> Value {
        json!([{"type": "HEADER", "format": "TEXT", "text": "Ordine {{1}}"},
               {"type": "BODY", "text": "Ciao {{1}}, il tuo ordine {{2}} è pronto. {{1}}!"},
               {"type": "BUTTONS", "buttons": [{"type": "URL", "text": "Traccia", "url": "https://shop.example/t/{{1}}"},
                                               {"type": "QUICK_REPLY", "text": "Grazie"}]}])
    }

    fn content(header: usize, body: usize, url: bool) -> Content {
        serde_json::from_value(json!({"type": "template", "name": "order_update", "language": "it",
            "header": (0..header).map(|i| json!({"type": "text", "text": format!("h{i}")})).collect::<Vec<_>>(),
            "body": (0..body).map(|i| json!({"type": "text", "text": format!("b{i}")})).collect::<Vec<_>>(),
            "buttons": if url { json!([{"index": 0, "sub_type": "url", "value": "A-42"}]) } else { json!([]) }}))
        .unwrap()
    }

    #[test]
    fn parameters_must_match_the_components() {
        assert_eq!(
            check(&content(1, 2, true), "APPROVED", &order_update()),
            Ok(())
        );
        let e = check(&content(1, 1, true), "APPROVED", &order_update()).unwrap_err();
        assert_eq!(e.field, "body");
        assert!(
            e.message.contains("takes 2 body parameter(s); 1 given"),
            "{e}"
        );
        assert_eq!(
            check(&content(0, 2, true), "APPROVED", &order_update())
                .unwrap_err()
                .field,
            "header"
        );
        assert_eq!(
            check(&content(1, 2, false), "APPROVED", &order_update())
                .unwrap_err()
                .field,
            "buttons"
        );
        let e = check(&content(1, 2, true), "REJECTED", &order_update()).unwrap_err();
        assert!(e.message.contains("REJECTED"), "{e}");
    }

    #[test]
    fn a_media_header_needs_a_media_parameter() {
        let components =
            json!([{"type": "HEADER", "format": "IMAGE"}, {"type": "BODY", "text": "Eccolo"}]);
        let with_media: Content = serde_json::from_value(
            json!({"type": "template", "name": "promo", "language": "it",
            "header": [{"type": "media", "kind": "image", "link": "https://shop.example/p.jpg"}]}),
        )
        .unwrap();
        assert_eq!(check(&with_media, "APPROVED", &components), Ok(()));
        let without: Content =
            serde_json::from_value(json!({"type": "template", "name": "promo", "language": "it"}))
                .unwrap();
        assert_eq!(
            check(&without, "APPROVED", &components).unwrap_err().field,
            "header"
        );
    }
}
