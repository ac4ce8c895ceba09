//! Tokenization for retrieval in Italian, French, Spanish and English: lower-case, accents
//! folded (`è` → `e`, `ç` → `c`, `ß` → `ss`), split on anything not alphanumeric, the most common
//! function words of the four languages dropped, and a light stemmer that removes a final `s`
//! then a final vowel (`scarpe`/`scarpa` → `scarp`, `shoes` → `sho`, `magliette` → `magliett`).
//! No language-specific stemmer: one would have to guess the language of a three-word message,
//! and a wrong guess costs more than the plural/gender endings this one covers.
//!
//! Codes stay findable: a word joined by `-`, `_`, `/` or `.` (`TS-01-M`, `t-shirt`) yields its
//! parts and their running concatenations (`ts`, `01`, `m`, `ts01`, `ts01m`), so the query
//! `TS-01` (`ts`, `01`, `ts01`) matches `ts01`, a rare and therefore heavily weighted token.

/// Function words dropped from documents and queries (after accent folding).
#[rustfmt::skip]
const STOP_WORDS: &[&str] = &[
    // Italian
    "il", "lo", "la", "i", "gli", "le", "un", "una", "uno", "di", "del", "della", "dei", "delle",
    "degli", "dello", "da", "dal", "dalla", "in", "nel", "nella", "con", "su", "per", "tra", "fra",
    "e", "ed", "o", "che", "chi", "cui", "non", "si", "ci", "mi", "ti", "vi", "sono", "ho", "hai",
    "ha", "al", "alla", "ai", "alle", "agli", "ma", "anche", "questo", "questa",
    // English
    "the", "a", "an", "of", "and", "or", "to", "on", "for", "with", "is", "are", "do", "does",
    "you", "your", "we", "our", "it", "this", "that", "be", "have", "has", "at", "by", "from",
    // French
    "les", "une", "des", "du", "de", "et", "ou", "au", "aux", "en", "dans", "pour", "avec", "est",
    "sont", "vous", "nous", "je", "elle", "ce", "cette", "sur", "par",
    // Spanish
    "el", "los", "las", "unos", "unas", "y", "por", "para", "es", "son", "que", "se", "sus",
    // How customers ask rather than what they ask about. Rare in a catalogue, BM25 would weigh
    // them heavily and rank "Quanto costa la spedizione?" first for "quanto costa la maglietta?".
    "quanto", "quanta", "quanti", "quante", "costa", "costano", "avete", "vorrei", "cerco",
    "cercavo", "potete", "posso", "ciao", "salve", "buongiorno", "buonasera", "grazie", "favore",
    "how", "much", "what", "which", "cost", "costs", "hello", "hi", "thanks", "please", "want",
    "combien", "coute", "avez", "bonjour", "merci", "voudrais", "cuanto", "cuesta", "tienen",
    "hola", "gracias", "quiero",
];

/// The index terms of `text`, in order (repeats kept: they are term frequencies).
pub(crate) fn tokens(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut parts: Vec<String> = Vec::new();
    let flush_part = |word: &mut String, parts: &mut Vec<String>| {
        if !word.is_empty() {
            parts.push(std::mem::take(word));
        }
    };
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_alphanumeric() {
            fold(c, &mut word);
            continue;
        }
        let joins = matches!(c, '-' | '_' | '/' | '.')
            && !word.is_empty()
            && chars.peek().is_some_and(|n| n.is_alphanumeric());
        flush_part(&mut word, &mut parts);
        if !joins {
            emit(&mut parts, &mut out);
        }
    }
    flush_part(&mut word, &mut parts);
    emit(&mut parts, &mut out);
    out
}

/// Emits a word's parts, and for a compound its running concatenations (up to five parts).
fn emit(parts: &mut Vec<String>, out: &mut Vec<String>) {
    if parts.len() == 1 {
        if let Some(word) = parts.pop() {
            if !STOP_WORDS.contains(&word.as_str()) {
                out.push(stem(word));
            }
        }
        return;
    }
    let mut joined = String::new();
    for (i, part) in parts.iter().enumerate() {
        out.push(stem(part.clone()));
        joined.push_str(part);
        if i > 0 && i < 5 {
            out.push(joined.clone());
        }
    }
    parts.clear();
}

/// Removes a final `s` (not `ss`) from words of 5+ letters, then a final vowel from words of
/// 4+ letters. Words with digits are codes and stay as they are.
fn stem(mut word: String) -> String {
    if !word.bytes().all(|b| b.is_ascii_lowercase()) {
        return word;
    }
    if word.len() >= 5 && word.ends_with('s') && !word.ends_with("ss") {
        word.pop();
    }
    if word.len() >= 4 && word.ends_with(['a', 'e', 'i', 'o']) {
        word.pop();
    }
    word
}

/// Pushes `c` lower-cased with its accent removed.
fn fold(c: char, out: &mut String) {
    if c.is_ascii() {
        out.push(c.to_ascii_lowercase());
        return;
    }
    for c in c.to_lowercase() {
        match c {
            'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' => out.push('a'),
            'ç' | 'ć' | 'č' => out.push('c'),
            'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ę' | 'ě' => out.push('e'),
            'ì' | 'í' | 'î' | 'ï' | 'ī' => out.push('i'),
            'ñ' | 'ń' | 'ň' => out.push('n'),
            'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' => out.push('o'),
            'ù' | 'ú' | 'û' | 'ü' | 'ū' | 'ů' => out.push('u'),
            'ý' | 'ÿ' => out.push('y'),
            'ś' | 'š' => out.push('s'),
            'ź' | 'ż' | 'ž' => out.push('z'),
            'ł' => out.push('l'),
            'ß' => out.push_str("ss"),
            'æ' => out.push_str("ae"),
            'œ' => out.push_str("oe"),
            other => out.push(other),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::tokens;

    #[test]
    fn folds_splits_and_stems() {
        assert_eq!(
            tokens("Quanto costa la MAGLIETTA blu, taglia M?"),
            ["magliett", "blu", "tagli", "m"]
        );
        assert_eq!(tokens("Chaussures d'été"), ["chaussur", "d", "ete"]);
        assert_eq!(tokens("scarpe scarpa"), ["scarp", "scarp"]);
    }

    #[test]
    fn codes_stay_findable() {
        assert_eq!(tokens("TS-01"), ["ts", "01", "ts01"]);
        assert_eq!(
            tokens("sku TS-01-M."),
            ["sku", "ts", "01", "ts01", "m", "ts01m"]
        );
        assert_eq!(tokens("t-shirt"), ["t", "shirt", "tshirt"]);
    }
}
