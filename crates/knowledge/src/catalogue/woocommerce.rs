//! WooCommerce's product CSV export (Products → Export). `simple`, `variable`, `grouped` and
//! `external` rows are products; `variation` rows are merged into their parent, found by the
//! `Parent` column (`id:123` or the parent's SKU): their attribute values, SKUs, prices and stock
//! join the parent's. A variation whose parent is missing becomes its own product. Unpublished
//! products (`Published` -1 draft, 0 private) are kept and marked.

use super::product::{leaf_category, push_unique, Product};
use super::{split_list, Table};
use crate::text::strip_html;
use crate::{ImportError, Item};
use std::collections::HashMap;

pub(super) fn import(table: &Table) -> Result<Vec<Item>, ImportError> {
    let col = |name: &str| table.col(name);
    let (id, kind, sku, name) = (col("id"), col("type"), col("sku"), col("name"));
    let published = col("published");
    let (short, long) = (col("short description"), col("description"));
    let (categories, tags, parent) = (col("categories"), col("tags"), col("parent"));
    let url = col("external url");
    let attributes: Vec<(Option<usize>, Option<usize>)> = (1..=10)
        .map(|n| {
            (
                col(&format!("attribute {n} name")),
                col(&format!("attribute {n} value(s)")),
            )
        })
        .take_while(|(n, _)| n.is_some())
        .collect();

    let mut products: Vec<Product> = Vec::new();
    let mut by_reference: HashMap<String, usize> = HashMap::new();
    let mut variations = Vec::new();
    for (index, record) in table.rows.iter().enumerate() {
        let get = |c| Table::get(record, c);
        if get(kind).to_ascii_lowercase().contains("variation") {
            variations.push(index);
            continue;
        }
        if get(name).is_empty() && get(sku).is_empty() {
            continue;
        }
        let description = [get(short), get(long)]
            .iter()
            .map(|d| strip_html(&d.replace("\\n", "\n")))
            .filter(|d| !d.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        let mut product = Product {
            title: get(name).to_string(),
            source: match (get(sku), get(id)) {
                ("", "") => get(name).to_string(),
                ("", id) => format!("id:{id}"),
                (sku, _) => sku.to_string(),
            },
            description,
            url: get(url).to_string(),
            ..Product::default()
        };
        product.status = match get(published) {
            "-1" => Some("draft".to_string()),
            "0" => Some("private".to_string()),
            _ => None,
        };
        for category in split_list(get(categories)) {
            push_unique(&mut product.categories, leaf_category(category));
        }
        for tag in split_list(get(tags)) {
            push_unique(&mut product.tags, tag);
        }
        for &(attr_name, attr_values) in &attributes {
            for value in split_list(get(attr_values)) {
                product.add_option(get(attr_name), value);
            }
        }
        add_variant(table, &mut product, record, index)?;
        if !get(id).is_empty() {
            by_reference.insert(format!("id:{}", get(id)), products.len());
        }
        if !get(sku).is_empty() {
            by_reference.insert(get(sku).to_string(), products.len());
        }
        products.push(product);
    }
    for index in variations {
        let record = &table.rows[index];
        let get = |c| Table::get(record, c);
        let slot = match by_reference.get(get(parent)) {
            Some(&slot) => slot,
            None => {
                products.push(Product {
                    title: get(name).to_string(),
                    source: get(sku).to_string(),
                    ..Product::default()
                });
                products.len() - 1
            }
        };
        let product = &mut products[slot];
        for &(attr_name, attr_values) in &attributes {
            for value in split_list(get(attr_values)) {
                product.add_option(get(attr_name), value);
            }
        }
        add_variant(table, product, record, index)?;
    }
    Ok(products.into_iter().map(Product::into_item).collect())
}

/// Adds a row's SKU, price (the sale price when there is one) and stock to `product`.
fn add_variant(
    table: &Table,
    product: &mut Product,
    record: &csv::StringRecord,
    index: usize,
) -> Result<(), ImportError> {
    let get = |name: &str| Table::get(record, table.col(name));
    push_unique(&mut product.skus, get("sku"));
    let regular = table.price(record, index, table.col("regular price"))?;
    let sale = table.price(record, index, table.col("sale price"))?;
    match (regular, sale) {
        (Some(r), Some(s)) if s < r => {
            product.prices.push(s);
            product.was_prices.push(r);
        }
        (_, Some(p)) | (Some(p), None) => product.prices.push(p),
        (None, None) => {}
    }
    match get("in stock?").to_ascii_lowercase().as_str() {
        "0" | "no" | "outofstock" => product.out_of_stock = true,
        "" => {}
        _ => product.in_stock = true,
    }
    if let Ok(q) = get("stock").parse::<i64>() {
        product.add_stock(q);
    }
    Ok(())
}
