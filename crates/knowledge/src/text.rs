//! Text helpers shared by the importers: UTF-8 checking, HTML stripping, whitespace collapsing
//! and truncation on char (and, where possible, word) boundaries.

use crate::ImportError;

/// `bytes` as UTF-8 text without a leading byte-order mark, or an error naming the offset of the
/// first invalid byte.
pub(crate) fn utf8<'a>(bytes: &'a [u8], file: &str) -> Result<&'a str, ImportError> {
    let (bom, bytes) = match bytes.strip_prefix(b"\xEF\xBB\xBF") {
        Some(rest) => (3, rest),
        None => (0, bytes),
    };
    std::str::from_utf8(bytes).map_err(|e| ImportError::NotUtf8 {
        file: file.to_string(),
        // The offset names the byte in the file as given, BOM included.
        offset: bom + e.valid_up_to(),
    })
}

/// Plain text from an HTML fragment: tags removed (block tags become line breaks, `script` and
/// `style` contents dropped), common entities decoded, whitespace collapsed to single spaces.
pub(crate) fn strip_html(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(lt) = rest.find('<') {
        out.push_str(&rest[..lt]);
        let after = &rest[lt + 1..];
        let Some(gt) = after.find('>') else {
            // A lone '<' is text ("prezzo < 10 euro").
            out.push('<');
            rest = after;
            continue;
        };
        let tag = after[..gt].trim().to_ascii_lowercase();
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        rest = &after[gt + 1..];
        if name.is_empty() && !tag.starts_with('!') && !tag.starts_with('/') {
            // Not a tag after all ("a <b" never closed is handled above; "1 < 2 > 0" here).
            out.push('<');
            out.push_str(&after[..gt + 1]);
            continue;
        }
        if (name == "script" || name == "style") && !tag.starts_with('/') {
            let close = format!("</{name}");
            rest = match rest.to_ascii_lowercase().find(&close) {
                Some(end) => &rest[end..],
                None => "",
            };
            continue;
        }
        if matches!(
            name.as_str(),
            "br" | "p"
                | "div"
                | "li"
                | "ul"
                | "ol"
                | "tr"
                | "td"
                | "th"
                | "table"
                | "h1"
                | "h2"
                | "h3"
                | "h4"
                | "h5"
                | "h6"
        ) {
            out.push('\n');
        }
    }
    out.push_str(rest);
    collapse_whitespace(&decode_entities(&out))
}

/// Decodes the HTML entities that shop descriptions use.
fn decode_entities(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        let end = after
            .char_indices()
            .take(10)
            .find(|&(_, c)| c == ';')
            .map(|(i, _)| i);
        let decoded = end.and_then(|end| entity(&after[..end]).map(|c| (c, end)));
        match decoded {
            Some((c, end)) => {
                out.push(c);
                rest = &after[end + 1..];
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

fn entity(name: &str) -> Option<char> {
    if let Some(num) = name.strip_prefix('#') {
        let code = match num.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => num.parse().ok()?,
        };
        return char::from_u32(code);
    }
    Some(match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" => ' ',
        "euro" => '€',
        "deg" => '°',
        "egrave" => 'è',
        "eacute" => 'é',
        "agrave" => 'à',
        "ograve" => 'ò',
        "ugrave" => 'ù',
        "igrave" => 'ì',
        "ccedil" => 'ç',
        "rsquo" | "lsquo" => '\'',
        "ldquo" | "rdquo" => '"',
        "ndash" => '–',
        "mdash" => '—',
        "hellip" => '…',
        _ => return None,
    })
}

/// Every run of whitespace replaced by one space; trimmed.
pub(crate) fn collapse_whitespace(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for word in s.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// `s` cut to at most `max` chars (not bytes): at the last space in the final fifth if there is
/// one, with "…" marking the cut (counted in `max`).
pub(crate) fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    if max == 0 {
        return String::new();
    }
    let cut = s
        .char_indices()
        .nth(max - 1)
        .map(|(i, _)| i)
        .unwrap_or(s.len());
    let head = &s[..cut];
    let head = match head.rfind(char::is_whitespace) {
        Some(space) if head[..space].chars().count() >= max * 4 / 5 => &head[..space],
        _ => head,
    };
    format!("{}…", head.trim_end_matches([' ', ',', ';', '.', ':']))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_tags_and_entities() {
        assert_eq!(
            strip_html("<p>Cotone <b>100%</b> &amp; morbido</p><ul><li>S</li><li>M</li></ul>"),
            "Cotone 100% & morbido S M"
        );
        assert_eq!(strip_html("prezzo < 10 &euro;"), "prezzo < 10 €");
        assert_eq!(
            strip_html("a <script>x()</script>b<style>p{}</style>"),
            "a b"
        );
        assert_eq!(strip_html("&#233;t&#xE9; &bogus; &"), "été &bogus; &");
    }

    #[test]
    fn truncates_on_char_boundaries() {
        let s = "è".repeat(10);
        assert_eq!(truncate(&s, 4), "èèè…");
        assert_eq!(truncate("una maglietta blu", 100), "una maglietta blu");
        let t = truncate("una maglietta blu di cotone", 16);
        assert!(t.chars().count() <= 16, "{t}");
        assert!(t.ends_with('…'));
    }

    #[test]
    fn reports_invalid_utf8_offset() {
        let err = utf8(b"ab\xffc", "faq.txt").unwrap_err().to_string();
        assert_eq!(err, "faq.txt is not UTF-8 text (invalid byte at offset 2)");
    }
}
