//! JSON catalogues: an array of product objects, `{"products": [...]}` (Shopify's
//! `products.json`: `title`, `body_html`, `vendor`, `product_type`, `tags`, `variants[]` with
//! `price`/`sku`/`option1..3`, `options[]` with `name`/`values`) or `{"product": {...}}`. Keys
//! are those of the generic CSV; other scalar keys are kept as "key: value", except ids and
//! timestamps, and except in Shopify's shape where every useful key is known.

use super::parse_price;
use super::product::{leaf_category, push_unique, Product};
use crate::text::strip_html;
use crate::{ImportError, Item};
use serde_json::{Map, Value};

pub(super) fn import(text: &str, file: &str) -> Result<Vec<Item>, ImportError> {
    let value: Value = serde_json::from_str(text).map_err(|e| ImportError::Json {
        file: file.to_string(),
        line: e.line(),
        column: e.column(),
        message: e.to_string(),
    })?;
    let shape = || ImportError::JsonShape {
        file: file.to_string(),
    };
    let products = match value {
        Value::Array(products) => products,
        Value::Object(mut object) => match (object.remove("products"), object.remove("product")) {
            (Some(Value::Array(products)), _) => products,
            (_, Some(product @ Value::Object(_))) => vec![product],
            _ => return Err(shape()),
        },
        _ => return Err(shape()),
    };
    let mut items = Vec::with_capacity(products.len());
    for (index, value) in products.iter().enumerate() {
        let Value::Object(object) = value else {
            return Err(shape());
        };
        items.push(product(object, file, index)?.into_item());
    }
    Ok(items)
}

const IGNORED: &[&str] = &[
    "id",
    "created_at",
    "updated_at",
    "published_at",
    "date_created",
    "date_modified",
    "template_suffix",
    "published_scope",
    "admin_graphql_api_id",
    "position",
    "product_id",
];

fn product(object: &Map<String, Value>, file: &str, index: usize) -> Result<Product, ImportError> {
    let at = || format!("product {}", index + 1);
    let bad_price = |key: &str, value: &str| ImportError::BadValue {
        file: file.to_string(),
        at: at(),
        column: key.to_string(),
        expected: "a price",
        value: value.to_string(),
    };
    let get = |keys: &[&str]| {
        keys.iter()
            .find_map(|k| object.get(*k).map(scalar).filter(|s| !s.is_empty()))
            .unwrap_or_default()
    };
    let mut p = Product {
        title: get(&["title", "name", "product"]),
        source: get(&["sku", "handle"]),
        brand: get(&["vendor", "brand"]),
        description: strip_html(&get(&["body_html", "description", "body"])),
        url: get(&["url", "link"]),
        ..Product::default()
    };
    for key in ["product_type", "category", "categories"] {
        for c in list(object.get(key)) {
            push_unique(&mut p.categories, leaf_category(&c));
        }
    }
    for tag in list(object.get("tags")) {
        push_unique(&mut p.tags, &tag);
    }
    let price = get(&["price"]);
    if let Some(c) = parse_price(&price).map_err(|()| bad_price("price", &price))? {
        p.prices.push(c);
    }
    push_unique(&mut p.skus, &get(&["sku"]));
    if let Some(status) = object.get("status").map(scalar) {
        if status == "draft" || status == "archived" {
            p.status = Some(status);
        }
    }

    let options = match object.get("options") {
        Some(Value::Array(options)) => options.as_slice(),
        _ => &[],
    };
    let option_names: Vec<String> = options
        .iter()
        .map(|o| o.get("name").map(scalar).unwrap_or_default())
        .collect();
    for (option, name) in options.iter().zip(&option_names) {
        for value in list(option.get("values")) {
            p.add_option(name, &value);
        }
    }
    if let Some(Value::Array(variants)) = object.get("variants") {
        for variant in variants {
            let field = |k: &str| variant.get(k).map(scalar).unwrap_or_default();
            for i in 0..3 {
                let name = option_names.get(i).map(String::as_str).unwrap_or("Option");
                p.add_option(name, &field(&format!("option{}", i + 1)));
            }
            push_unique(&mut p.skus, &field("sku"));
            let price = field("price");
            if let Some(c) =
                parse_price(&price).map_err(|()| bad_price("variants.price", &price))?
            {
                p.prices.push(c);
            }
            let was = field("compare_at_price");
            if let Ok(Some(c)) = parse_price(&was) {
                p.was_prices.push(c);
            }
            match variant.get("available") {
                Some(Value::Bool(true)) => p.in_stock = true,
                Some(Value::Bool(false)) => p.out_of_stock = true,
                _ => {}
            }
        }
    }
    let shopify = object.contains_key("variants") || object.contains_key("body_html");
    if !shopify {
        const KNOWN: &[&str] = &[
            "title",
            "name",
            "product",
            "sku",
            "handle",
            "vendor",
            "brand",
            "body_html",
            "description",
            "body",
            "url",
            "link",
            "product_type",
            "category",
            "categories",
            "tags",
            "price",
            "status",
            "options",
            "variants",
        ];
        for (key, value) in object {
            let text = scalar(value);
            if !KNOWN.contains(&key.as_str())
                && !IGNORED.contains(&key.as_str())
                && !text.is_empty()
            {
                p.extra.push((key.clone(), text));
            }
        }
    }
    Ok(p)
}

/// A string, number or boolean as text; "" for null, arrays and objects.
fn scalar(value: &Value) -> String {
    match value {
        Value::String(s) => s.trim().to_string(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        _ => String::new(),
    }
}

/// A list given as an array (of strings or `{"name": …}` objects) or as a comma-separated string.
fn list(value: Option<&Value>) -> Vec<String> {
    match value {
        Some(Value::Array(values)) => values
            .iter()
            .map(|v| match v {
                Value::Object(o) => o.get("name").map(scalar).unwrap_or_default(),
                other => scalar(other),
            })
            .filter(|s| !s.is_empty())
            .collect(),
        Some(Value::String(s)) => s
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(String::from)
            .collect(),
        _ => Vec::new(),
    }
}
