//! Any other CSV with a header: columns are matched by case-insensitive name (`name`/`title`/
//! `product`, `description`/`body`, `price`, `sku`, `url`/`link`, `category`/`categories`,
//! `tags`, and their Italian equivalents); every other non-empty cell is kept as
//! "column: value". One row is one product; blank rows are skipped.

use super::product::{push_unique, Product};
use super::{split_list, Table};
use crate::text::strip_html;
use crate::{ImportError, Item};

const NAME: &[&str] = &[
    "name",
    "title",
    "product",
    "product name",
    "nome",
    "prodotto",
];
const DESCRIPTION: &[&str] = &["description", "body", "descrizione", "body (html)"];
const PRICE: &[&str] = &["price", "prezzo", "prix", "precio"];
const SKU: &[&str] = &["sku", "codice", "code"];
const URL: &[&str] = &["url", "link"];
const CATEGORY: &[&str] = &["category", "categories", "categoria", "categorie"];
const TAGS: &[&str] = &["tags", "tag"];
const BRAND: &[&str] = &["brand", "vendor", "marca"];

pub(super) fn import(table: &Table) -> Result<Vec<Item>, ImportError> {
    let name = table
        .col_any(NAME)
        .ok_or_else(|| ImportError::MissingColumn {
            file: table.file.to_string(),
            what: "product name",
            expected: "name, title, product",
        })?;
    let description = table.col_any(DESCRIPTION);
    let price = table.col_any(PRICE);
    let sku = table.col_any(SKU);
    let url = table.col_any(URL);
    let category = table.col_any(CATEGORY);
    let tags = table.col_any(TAGS);
    let brand = table.col_any(BRAND);
    let known = [
        Some(name),
        description,
        price,
        sku,
        url,
        category,
        tags,
        brand,
    ];

    let mut items = Vec::new();
    for (index, record) in table.rows.iter().enumerate() {
        if record.iter().all(|cell| cell.trim().is_empty()) {
            continue;
        }
        let get = |c| Table::get(record, c);
        let mut product = Product {
            title: get(Some(name)).to_string(),
            source: get(sku).to_string(),
            brand: get(brand).to_string(),
            description: strip_html(get(description)),
            url: get(url).to_string(),
            ..Product::default()
        };
        if product.title.is_empty() && product.source.is_empty() {
            return Err(ImportError::BadValue {
                file: table.file.to_string(),
                at: format!("row {}", index + 2),
                column: table.header[name].clone(),
                expected: "a product name",
                value: String::new(),
            });
        }
        push_unique(&mut product.skus, get(sku));
        if let Some(p) = table.price(record, index, price)? {
            product.prices.push(p);
        }
        for c in split_list(get(category)) {
            push_unique(&mut product.categories, c);
        }
        for t in split_list(get(tags)) {
            push_unique(&mut product.tags, t);
        }
        for (c, column) in table.header.iter().enumerate() {
            let value = get(Some(c));
            if !known.contains(&Some(c)) && !value.is_empty() && !column.is_empty() {
                product.extra.push((column.clone(), value.to_string()));
            }
        }
        items.push(product.into_item());
    }
    Ok(items)
}
