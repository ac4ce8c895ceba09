//! [`Product`]: what every catalogue format is merged into before it becomes an [`Item`].

use crate::item::PRODUCT_TEXT_MAX;
use crate::text::truncate;
use crate::{Item, ItemKind};

/// One product with its variants merged. Lists keep first-seen order without duplicates.
#[derive(Debug, Default)]
pub(crate) struct Product {
    pub title: String,
    /// SKU, handle or id: what the item's `source` says.
    pub source: String,
    pub brand: String,
    pub categories: Vec<String>,
    /// Every variant's selling price, in cents.
    pub prices: Vec<u64>,
    /// Prices before a discount ("compare at", WooCommerce's regular price when on sale).
    pub was_prices: Vec<u64>,
    /// Option name and its values, e.g. ("Size", ["S", "M"]).
    pub options: Vec<(String, Vec<String>)>,
    pub skus: Vec<String>,
    pub tags: Vec<String>,
    /// Plain text, HTML already stripped.
    pub description: String,
    pub url: String,
    /// Other columns, as ("column", "value").
    pub extra: Vec<(String, String)>,
    /// "draft", "archived", "private": products that are not for sale are kept (the owner may
    /// still want the assistant to know them) but say so, so that the model does not offer them.
    pub status: Option<String>,
    /// Total stock when the export tracks it.
    pub stock: Option<i64>,
    /// Some row said out of stock…
    pub out_of_stock: bool,
    /// …and none said in stock: then the product is out of stock.
    pub in_stock: bool,
}

/// Pushes `value` (trimmed) unless empty or already there.
pub(crate) fn push_unique(list: &mut Vec<String>, value: &str) {
    let value = value.trim();
    if !value.is_empty() && !list.iter().any(|v| v == value) {
        list.push(value.to_string());
    }
}

impl Product {
    /// Adds `value` to the option `name` (matched case-insensitively). Shopify's placeholder
    /// option of single-variant products ("Title: Default Title") is skipped.
    pub fn add_option(&mut self, name: &str, value: &str) {
        let (name, value) = (name.trim(), value.trim());
        if value.is_empty() || value == "Default Title" {
            return;
        }
        let name = if name.is_empty() { "Option" } else { name };
        match self
            .options
            .iter_mut()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
        {
            Some((_, values)) => push_unique(values, value),
            None => self
                .options
                .push((name.to_string(), vec![value.to_string()])),
        }
    }

    pub fn add_stock(&mut self, quantity: i64) {
        self.stock = Some(self.stock.unwrap_or(0).saturating_add(quantity));
    }

    /// The item: `text` holds price, options, brand, category, availability, as much of the
    /// description as fits, then SKUs, tags, link and other columns, at most
    /// [`PRODUCT_TEXT_MAX`] chars in all.
    pub fn into_item(self) -> Item {
        let mut head = Vec::new();
        if let Some(price) = price_range(&self.prices) {
            let mut p = format!("Price: {price}");
            let max_price = self.prices.iter().max().copied().unwrap_or(0);
            if let Some(was) = self.was_prices.iter().max().filter(|&&w| w > max_price) {
                p.push_str(&format!(" (was {})", cents(*was)));
            }
            head.push(p);
        }
        if !self.options.is_empty() {
            let options: Vec<String> = self
                .options
                .iter()
                .map(|(name, values)| format!("{name}: {}", values.join(", ")))
                .collect();
            head.push(options.join("; "));
        }
        if !self.brand.is_empty() {
            head.push(format!("Brand: {}", self.brand));
        }
        if !self.categories.is_empty() {
            head.push(format!("Category: {}", self.categories.join(", ")));
        }
        if let Some(status) = &self.status {
            head.push(format!("Status: {status} (not for sale)"));
        }
        if (self.out_of_stock && !self.in_stock) || self.stock.is_some_and(|s| s <= 0) {
            head.push("Out of stock".to_string());
        }
        let mut tail = Vec::new();
        if !self.skus.is_empty() {
            let shown: Vec<&str> = self.skus.iter().take(6).map(String::as_str).collect();
            let more = self.skus.len().saturating_sub(shown.len());
            let more = if more > 0 {
                format!(" (+{more} more)")
            } else {
                String::new()
            };
            tail.push(format!("SKU: {}{more}", shown.join(", ")));
        }
        if !self.tags.is_empty() {
            tail.push(format!("Tags: {}", self.tags.join(", ")));
        }
        if !self.url.is_empty() {
            tail.push(format!("Link: {}", self.url));
        }
        for (column, value) in &self.extra {
            tail.push(format!("{column}: {value}"));
        }
        let fixed: usize = head
            .iter()
            .chain(&tail)
            .map(|s| s.chars().count() + 2)
            .sum();
        let budget = PRODUCT_TEXT_MAX.saturating_sub(fixed);
        if !self.description.is_empty() && budget >= 40 {
            head.push(truncate(&self.description, budget));
        }
        head.extend(tail);
        let text = truncate(&sentences(&head), PRODUCT_TEXT_MAX);
        let title = if self.title.is_empty() {
            self.source.clone()
        } else {
            self.title
        };
        Item {
            kind: ItemKind::Product,
            source: if self.source.is_empty() {
                title.clone()
            } else {
                self.source
            },
            title,
            text,
        }
    }
}

/// The parts as sentences: ". " between them unless a part already ends one.
fn sentences(parts: &[String]) -> String {
    let mut out = String::new();
    for part in parts {
        if !out.is_empty() {
            out.push_str(if out.ends_with(['.', '!', '?']) {
                " "
            } else {
                ". "
            });
        }
        out.push_str(part);
    }
    out
}

/// "19.90", or "19.90–24.90" when variants differ.
fn price_range(prices: &[u64]) -> Option<String> {
    let min = *prices.iter().min()?;
    let max = *prices.iter().max()?;
    Some(if min == max {
        cents(min)
    } else {
        format!("{}–{}", cents(min), cents(max))
    })
}

fn cents(c: u64) -> String {
    format!("{}.{:02}", c / 100, c % 100)
}

/// The last segment of a category path ("Clothing > T-shirts" → "T-shirts").
pub(crate) fn leaf_category(path: &str) -> &str {
    path.rsplit('>').next().unwrap_or(path).trim()
}
