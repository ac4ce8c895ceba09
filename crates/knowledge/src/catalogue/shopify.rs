//! Shopify's product CSV export. One product spans several rows with the same `Handle`: the first
//! carries title, body, vendor, type, tags and option names; the following ones only variant
//! and/or image columns. Rows are merged per handle (in first-seen order) into one product;
//! image-only rows add nothing. `Status` draft/archived products are kept and marked.

use super::product::{leaf_category, push_unique, Product};
use super::{split_list, Table};
use crate::text::strip_html;
use crate::{ImportError, Item};
use std::collections::HashMap;

pub(super) fn import(table: &Table) -> Result<Vec<Item>, ImportError> {
    let col = |name: &str| table.col(name);
    let handle = col("handle");
    let title = col("title");
    let body = col("body (html)");
    let vendor = col("vendor");
    let category = col("product category");
    let kind = col("type");
    let tags = col("tags");
    let status = col("status");
    let option_names = [
        col("option1 name"),
        col("option2 name"),
        col("option3 name"),
    ];
    let option_values = [
        col("option1 value"),
        col("option2 value"),
        col("option3 value"),
    ];
    let sku = col("variant sku");
    let price = col("variant price");
    let compare_at = col("variant compare at price");
    let quantity = col("variant inventory qty");

    let mut products: Vec<(Product, [String; 3])> = Vec::new();
    let mut by_handle: HashMap<String, usize> = HashMap::new();
    for (index, record) in table.rows.iter().enumerate() {
        let get = |c| Table::get(record, c);
        let key = match (get(handle), get(title)) {
            ("", "") => continue,
            ("", title) => title,
            (handle, _) => handle,
        };
        let slot = match by_handle.get(key) {
            Some(&slot) => slot,
            None => {
                let mut product = Product {
                    title: get(title).to_string(),
                    source: key.to_string(),
                    brand: get(vendor).to_string(),
                    description: strip_html(get(body)),
                    ..Product::default()
                };
                push_unique(&mut product.categories, get(kind));
                push_unique(&mut product.categories, leaf_category(get(category)));
                for tag in split_list(get(tags)) {
                    push_unique(&mut product.tags, tag);
                }
                let s = get(status).to_ascii_lowercase();
                if s == "draft" || s == "archived" {
                    product.status = Some(s);
                }
                let names = option_names.map(|c| get(c).to_string());
                by_handle.insert(key.to_string(), products.len());
                products.push((product, names));
                products.len() - 1
            }
        };
        let (product, names) = &mut products[slot];
        if product.title.is_empty() {
            product.title = get(title).to_string();
        }
        let is_variant = option_values.iter().any(|&c| !get(c).is_empty())
            || !get(sku).is_empty()
            || !get(price).is_empty();
        if !is_variant {
            continue;
        }
        for i in 0..3 {
            let name = match get(option_names[i]) {
                "" => names[i].as_str(),
                own => own,
            };
            product.add_option(name, get(option_values[i]));
        }
        push_unique(&mut product.skus, get(sku));
        if let Some(p) = table.price(record, index, price)? {
            product.prices.push(p);
        }
        if let Some(p) = table.price(record, index, compare_at)? {
            product.was_prices.push(p);
        }
        if let Ok(q) = get(quantity).parse::<i64>() {
            product.add_stock(q);
        }
    }
    Ok(products.into_iter().map(|(p, _)| p.into_item()).collect())
}
