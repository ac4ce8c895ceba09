//! Catalogue import: a product export becomes one [`Item`] per product, variants merged.
//!
//! CSV formats are told apart by their header: Shopify's product export (`Handle`, `Variant
//! Price`, …), WooCommerce's (`Regular price`, `Parent`, …), or any other CSV with a name column
//! ([`generic`]). JSON is an array of products, `{"products": [...]}` (Shopify's `products.json`
//! included) or `{"product": {...}}`. The CSV delimiter (`,`, `;` as European Excel writes, or
//! tab) is detected from the header line; a byte-order mark is skipped.

mod generic;
mod json;
mod product;
mod shopify;
mod woocommerce;

use crate::text::utf8;
use crate::{ImportError, Item};

/// Imports a catalogue export: `.csv` or `.json` by extension; otherwise text starting with `[`
/// or `{` is read as JSON and anything else as CSV. Products come out in file order; an empty
/// catalogue (a header and no rows) gives no items.
pub fn import_catalogue(bytes: &[u8], file_name: &str) -> Result<Vec<Item>, ImportError> {
    let extension = extension(file_name);
    let text = match utf8(bytes, file_name) {
        Ok(text) => text,
        Err(_) if !matches!(extension.as_str(), "csv" | "json" | "txt" | "tsv" | "") => {
            return Err(ImportError::Unsupported {
                file: file_name.to_string(),
            })
        }
        Err(e) => return Err(e),
    };
    let is_json = match extension.as_str() {
        "json" => true,
        "csv" => false,
        _ => text.trim_start().starts_with(['[', '{']),
    };
    if is_json {
        json::import(text, file_name)
    } else {
        import_csv(text, file_name)
    }
}

/// The lower-case extension of `file_name`, or "".
pub(crate) fn extension(file_name: &str) -> String {
    match file_name.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() => ext.to_ascii_lowercase(),
        _ => String::new(),
    }
}

fn import_csv(text: &str, file: &str) -> Result<Vec<Item>, ImportError> {
    let table = Table::read(text, file)?;
    if table.has("handle") && (table.has("variant price") || table.has("body (html)")) {
        shopify::import(&table)
    } else if table.has("regular price") && table.has("name") {
        woocommerce::import(&table)
    } else {
        generic::import(&table)
    }
}

/// A parsed CSV: the header and the records, with lookups by case-insensitive column name.
pub(crate) struct Table<'a> {
    pub file: &'a str,
    /// Column names, trimmed.
    pub header: Vec<String>,
    lower: Vec<String>,
    pub rows: Vec<csv::StringRecord>,
}

impl<'a> Table<'a> {
    fn read(text: &str, file: &'a str) -> Result<Self, ImportError> {
        let delimiter = detect_delimiter(text);
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .flexible(true)
            .has_headers(true)
            .from_reader(text.as_bytes());
        let csv_error = |e: csv::Error, row: u64| ImportError::Csv {
            file: file.to_string(),
            row,
            message: e.to_string(),
        };
        let header: Vec<String> = reader
            .headers()
            .map_err(|e| csv_error(e, 1))?
            .iter()
            .map(|h| h.trim().to_string())
            .collect();
        if header.iter().all(|h| h.is_empty()) {
            return Err(ImportError::Empty {
                file: file.to_string(),
            });
        }
        let mut rows = Vec::new();
        for (i, record) in reader.records().enumerate() {
            rows.push(record.map_err(|e| csv_error(e, i as u64 + 2))?);
        }
        let lower = header.iter().map(|h| h.to_lowercase()).collect();
        Ok(Table {
            file,
            header,
            lower,
            rows,
        })
    }

    pub fn has(&self, name: &str) -> bool {
        self.col(name).is_some()
    }

    /// The index of the column named `name` (case-insensitive).
    pub fn col(&self, name: &str) -> Option<usize> {
        self.lower.iter().position(|h| h == name)
    }

    /// The first column whose name is one of `names`.
    pub fn col_any(&self, names: &[&str]) -> Option<usize> {
        names.iter().find_map(|n| self.col(n))
    }

    /// The trimmed cell of `record` in column `col` ("" when absent or the row is short).
    pub fn get(record: &csv::StringRecord, col: Option<usize>) -> &str {
        col.and_then(|c| record.get(c)).unwrap_or("").trim()
    }

    /// The price in column `col` of the record at `index`, or an error naming row and column.
    pub fn price(
        &self,
        record: &csv::StringRecord,
        index: usize,
        col: Option<usize>,
    ) -> Result<Option<u64>, ImportError> {
        let value = Self::get(record, col);
        parse_price(value).map_err(|()| ImportError::BadValue {
            file: self.file.to_string(),
            at: format!("row {}", index + 2),
            column: col
                .and_then(|c| self.header.get(c))
                .cloned()
                .unwrap_or_default(),
            expected: "a price",
            value: value.to_string(),
        })
    }
}

/// `,`, `;` or tab: whichever occurs most outside quotes on the header line.
fn detect_delimiter(text: &str) -> u8 {
    let mut counts = [0usize; 3];
    let mut quoted = false;
    for c in text.chars() {
        match c {
            '"' => quoted = !quoted,
            '\n' if !quoted => break,
            ',' if !quoted => counts[0] += 1,
            ';' if !quoted => counts[1] += 1,
            '\t' if !quoted => counts[2] += 1,
            _ => {}
        }
    }
    let best = (0..3).max_by_key(|&i| (counts[i], i == 0)).unwrap_or(0);
    [b',', b';', b'\t'][best]
}

/// A price in cents: "19.90", "19,90", "1.234,56", "1,234.56", "€ 19,90", "19.90 EUR". `Ok(None)`
/// for an empty cell; `Err` for anything that is not a non-negative amount.
pub(crate) fn parse_price(value: &str) -> Result<Option<u64>, ()> {
    let mut s = value.trim();
    if s.is_empty() {
        return Ok(None);
    }
    for symbol in [
        "€", "$", "£", "¥", "CHF", "EUR", "USD", "GBP", "eur", "usd", "gbp",
    ] {
        s = s.strip_prefix(symbol).unwrap_or(s).trim();
        s = s.strip_suffix(symbol).unwrap_or(s).trim();
    }
    if s.is_empty()
        || !s
            .chars()
            .all(|c| c.is_ascii_digit() || c == '.' || c == ',')
    {
        return Err(());
    }
    // The last '.' or ',' is the decimal separator if it occurs once, unless it is a ',' with
    // exactly three digits after it and no '.' ("1,234" is a thousand; "1,234.5" and "19,90" are
    // not); otherwise all separators group thousands ("1.234.567").
    let last = s.rfind(['.', ',']);
    let (int_part, frac_part) = match last {
        Some(i) => {
            let sep = &s[i..i + 1];
            let frac = &s[i + 1..];
            let other = if sep == "." { ',' } else { '.' };
            let decimal =
                s.matches(sep).count() == 1 && (frac.len() != 3 || s.contains(other) || sep == ".");
            if decimal {
                (&s[..i], frac)
            } else {
                (s, "")
            }
        }
        None => (s, ""),
    };
    let digits: String = int_part.chars().filter(char::is_ascii_digit).collect();
    if digits.is_empty() && frac_part.is_empty() {
        return Err(());
    }
    let units: u64 = if digits.is_empty() {
        0
    } else {
        digits.parse().map_err(|_| ())?
    };
    let frac_digits: String = frac_part.chars().take(3).collect();
    let cents = match frac_digits.len() {
        0 => 0,
        1 => frac_digits.parse::<u64>().map_err(|_| ())? * 10,
        2 => frac_digits.parse::<u64>().map_err(|_| ())?,
        _ => (frac_digits.parse::<u64>().map_err(|_| ())? + 5) / 10,
    };
    units
        .checked_mul(100)
        .and_then(|u| u.checked_add(cents))
        .map(Some)
        .ok_or(())
}

/// Splits a list cell ("a, b,c") into trimmed, non-empty values.
pub(crate) fn split_list(value: &str) -> impl Iterator<Item = &str> {
    value.split(',').map(str::trim).filter(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prices() {
        assert_eq!(parse_price("19.90"), Ok(Some(1990)));
        assert_eq!(parse_price("19,9"), Ok(Some(1990)));
        assert_eq!(parse_price("€ 1.234,56"), Ok(Some(123456)));
        assert_eq!(parse_price("1,234.56"), Ok(Some(123456)));
        assert_eq!(parse_price("1,234"), Ok(Some(123400)));
        assert_eq!(parse_price("24.90 EUR"), Ok(Some(2490)));
        assert_eq!(parse_price("12"), Ok(Some(1200)));
        assert_eq!(parse_price(""), Ok(None));
        assert_eq!(parse_price("abc"), Err(()));
        assert_eq!(parse_price("-3"), Err(()));
        assert_eq!(parse_price("99999999999999999999999"), Err(()));
    }

    #[test]
    fn delimiters() {
        assert_eq!(detect_delimiter("name;price;\"a,b\"\nx"), b';');
        assert_eq!(detect_delimiter("name,price\n"), b',');
        assert_eq!(detect_delimiter("name\tprice\n"), b'\t');
    }
}
