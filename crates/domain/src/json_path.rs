//! Dotted paths into JSON documents (`customer.phone`, `items.0.id`), as workflows use them to
//! read HTTP answers and integration payloads.

use serde_json::Value;

/// The value at `path`: object keys by name, array items by index; `None` if any part is missing.
pub fn at<'a>(value: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.')
        .filter(|p| !p.is_empty())
        .try_fold(value, |v, key| match v {
            Value::Object(m) => m.get(key),
            Value::Array(a) => key.parse::<usize>().ok().and_then(|i| a.get(i)),
            _ => None,
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn paths_follow_keys_and_indexes() {
        let v = json!({"order": {"items": [{"id": "A"}, {"id": "B"}]}});
        assert_eq!(at(&v, "order.items.1.id"), Some(&json!("B")));
        assert_eq!(at(&v, "order.items.2.id"), None);
        assert_eq!(at(&v, "order.nope"), None);
    }
}
