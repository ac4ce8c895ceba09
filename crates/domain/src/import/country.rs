//! Phone numbers written the national way ("333 123 4567", "06 12 34 56 78") made international
//! with a default country: a small table of ISO codes, calling codes and trunk prefixes.
//!
//! The rule: a number written with `+` or `00` is international and kept as it is; any other is
//! national — its trunk prefix dropped (`0` in most countries, `1` in the US and Canada, `06` in
//! Hungary, `8` in Russia; none in Italy, San Marino and the Vatican, where the `0` belongs to
//! the number) and the calling code put before it.

use crate::phone::PhoneNumber;
use std::fmt;

/// One country's dialling facts.
struct Country {
    iso: &'static str,
    /// The calling code, digits only.
    code: &'static str,
    /// What a national number starts with that international dialling drops.
    trunk: &'static str,
}

const fn c(iso: &'static str, code: &'static str, trunk: &'static str) -> Country {
    Country { iso, code, trunk }
}

/// The countries a default country may name. The first of a calling code is the one `+NN`
/// stands for (`+39` is Italy, `+1` the US).
const COUNTRIES: &[Country] = &[
    c("IT", "39", ""),
    c("SM", "378", ""),
    c("VA", "39", ""),
    c("FR", "33", "0"),
    c("ES", "34", "0"),
    c("DE", "49", "0"),
    c("GB", "44", "0"),
    c("US", "1", "1"),
    c("CA", "1", "1"),
    c("PT", "351", "0"),
    c("CH", "41", "0"),
    c("AT", "43", "0"),
    c("BE", "32", "0"),
    c("NL", "31", "0"),
    c("LU", "352", "0"),
    c("MC", "377", "0"),
    c("IE", "353", "0"),
    c("GR", "30", "0"),
    c("MT", "356", "0"),
    c("CY", "357", "0"),
    c("SI", "386", "0"),
    c("HR", "385", "0"),
    c("AL", "355", "0"),
    c("RS", "381", "0"),
    c("RO", "40", "0"),
    c("BG", "359", "0"),
    c("HU", "36", "06"),
    c("SK", "421", "0"),
    c("CZ", "420", "0"),
    c("PL", "48", "0"),
    c("DK", "45", "0"),
    c("SE", "46", "0"),
    c("NO", "47", "0"),
    c("FI", "358", "0"),
    c("IS", "354", "0"),
    c("EE", "372", "0"),
    c("LV", "371", "0"),
    c("UA", "380", "0"),
    c("RU", "7", "8"),
    c("TR", "90", "0"),
    c("IL", "972", "0"),
    c("AE", "971", "0"),
    c("SA", "966", "0"),
    c("EG", "20", "0"),
    c("MA", "212", "0"),
    c("DZ", "213", "0"),
    c("TN", "216", "0"),
    c("NG", "234", "0"),
    c("KE", "254", "0"),
    c("ZA", "27", "0"),
    c("IN", "91", "0"),
    c("PK", "92", "0"),
    c("CN", "86", "0"),
    c("JP", "81", "0"),
    c("KR", "82", "0"),
    c("SG", "65", "0"),
    c("PH", "63", "0"),
    c("ID", "62", "0"),
    c("TH", "66", "0"),
    c("VN", "84", "0"),
    c("MY", "60", "0"),
    c("AU", "61", "0"),
    c("NZ", "64", "0"),
    c("MX", "52", "0"),
    c("BR", "55", "0"),
    c("AR", "54", "0"),
    c("CL", "56", "0"),
    c("CO", "57", "0"),
    c("PE", "51", "0"),
    c("VE", "58", "0"),
    c("EC", "593", "0"),
    c("UY", "598", "0"),
];

/// The country a national number belongs to: its calling code and trunk prefix.
///
/// Guarantees: the calling code is 1 to 3 digits; [`DefaultCountry::phone`] answers E.164 or
/// says why not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DefaultCountry {
    /// How it was given (`IT`, `+39`), for messages.
    label: String,
    code: String,
    trunk: &'static str,
}

impl DefaultCountry {
    /// An ISO 3166 code of the table (`IT`, `fr`) or a calling code (`+39`, `+1`).
    pub fn parse(input: &str) -> Result<Self, String> {
        let text = input.trim();
        if let Some(digits) = text.strip_prefix('+') {
            let valid = (1..=3).contains(&digits.len())
                && digits.chars().all(|c| c.is_ascii_digit())
                && !digits.starts_with('0');
            if !valid {
                return Err(format!("{input:?} is not a calling code (e.g. +39)"));
            }
            // A known code takes its country's trunk rule; an unknown one drops a leading 0.
            let trunk = COUNTRIES
                .iter()
                .find(|c| c.code == digits)
                .map_or("0", |c| c.trunk);
            return Ok(Self {
                label: text.to_string(),
                code: digits.to_string(),
                trunk,
            });
        }
        let upper = text.to_ascii_uppercase();
        COUNTRIES
            .iter()
            .find(|c| c.iso == upper)
            .map(|c| Self {
                label: upper.clone(),
                code: c.code.to_string(),
                trunk: c.trunk,
            })
            .ok_or_else(|| {
                format!(
                    "{input:?} is not a country this server knows (an ISO code such as IT, FR, \
                     ES, DE, GB, US) nor a calling code such as +39"
                )
            })
    }

    /// The calling code's digits, e.g. `39`.
    pub fn calling_code(&self) -> &str {
        &self.code
    }

    /// `input` in E.164: kept when written with `+` or `00`, otherwise read as a national
    /// number of this country.
    pub fn phone(&self, input: &str) -> Result<PhoneNumber, String> {
        let cleaned: String = input
            .trim()
            .chars()
            .filter(|c| !matches!(c, ' ' | '-' | '.' | '(' | ')' | '/'))
            .collect();
        if cleaned.starts_with('+') || cleaned.starts_with("00") {
            return PhoneNumber::parse(&cleaned).map_err(|_| not_a_phone(input));
        }
        if cleaned.is_empty() || !cleaned.chars().all(|c| c.is_ascii_digit()) {
            return Err(not_a_phone(input));
        }
        let national = match cleaned.strip_prefix(self.trunk) {
            Some(rest) if !self.trunk.is_empty() => rest,
            _ => cleaned.as_str(),
        };
        PhoneNumber::parse(&format!("+{}{national}", self.code)).map_err(|_| {
            format!(
                "\"{input}\" is not a phone number (read as a national number of {}: +{} {national})",
                self.label, self.code
            )
        })
    }
}

impl fmt::Display for DefaultCountry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.label)
    }
}

fn not_a_phone(input: &str) -> String {
    format!("\"{input}\" is not a phone number (e.g. +393331234567)")
}

/// `input` in E.164: with a default country as [`DefaultCountry::phone`] reads it; without one
/// it must be international (`+39…`, `0039…`, or the digits with the calling code).
pub fn normalize_phone(
    input: &str,
    country: Option<&DefaultCountry>,
) -> Result<PhoneNumber, String> {
    match country {
        Some(c) => c.phone(input),
        None => PhoneNumber::parse(input).map_err(|_| {
            format!(
                "\"{input}\" is not a phone number in international form (e.g. +393331234567; \
                 a default country reads national numbers)"
            )
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn phone(country: &str, input: &str) -> String {
        DefaultCountry::parse(country)
            .unwrap()
            .phone(input)
            .unwrap()
            .as_str()
            .to_string()
    }

    #[test]
    fn national_numbers_take_the_calling_code_and_lose_the_trunk_prefix() {
        assert_eq!(phone("IT", "333 123 4567"), "+393331234567");
        assert_eq!(phone("FR", "06 12 34 56 78"), "+33612345678");
        assert_eq!(phone("GB", "07700 900123"), "+447700900123");
        assert_eq!(phone("DE", "0151/23456789"), "+4915123456789");
        assert_eq!(phone("ES", "612 34 56 78"), "+34612345678");
        assert_eq!(phone("US", "(415) 555-2671"), "+14155552671");
        assert_eq!(phone("US", "1-415-555-2671"), "+14155552671");
        assert_eq!(phone("HU", "06 30 123 4567"), "+36301234567");
    }

    #[test]
    fn italy_san_marino_and_the_vatican_keep_the_zero() {
        assert_eq!(phone("IT", "06 1234 5678"), "+390612345678");
        assert_eq!(phone("it", "02-1234567"), "+39021234567");
        assert_eq!(phone("VA", "06 6988 1234"), "+390669881234");
        assert_eq!(phone("SM", "0549 123456"), "+3780549123456");
        assert_eq!(phone("+39", "06 1234 5678"), "+390612345678");
    }

    #[test]
    fn international_numbers_are_kept_whatever_the_default_country() {
        assert_eq!(phone("IT", "+33 6 12 34 56 78"), "+33612345678");
        assert_eq!(phone("IT", "0033 6 12 34 56 78"), "+33612345678");
        assert_eq!(phone("FR", "+39 333 1234567"), "+393331234567");
    }

    #[test]
    fn a_calling_code_stands_for_its_country() {
        let plus33 = DefaultCountry::parse("+33").unwrap();
        assert_eq!(plus33.calling_code(), "33");
        assert_eq!(
            plus33.phone("06 12 34 56 78").unwrap().as_str(),
            "+33612345678"
        );
        // A code outside the table drops a leading 0.
        let unknown = DefaultCountry::parse("+999").unwrap();
        assert_eq!(unknown.phone("0123 4567").unwrap().as_str(), "+9991234567");
    }

    #[test]
    fn refusals_say_what_was_read() {
        for bad in ["XX", "+", "+0", "+1234", "Italy", ""] {
            assert!(DefaultCountry::parse(bad).is_err(), "{bad:?} accepted");
        }
        let it = DefaultCountry::parse("IT").unwrap();
        for bad in ["abc", "", "12", "+12", "333 12a 4567", "3.93331E+11"] {
            let e = it.phone(bad).unwrap_err();
            assert!(e.contains(&format!("\"{bad}\"")), "{e}");
        }
        assert!(normalize_phone("333 123 4567", None).is_ok()); // read as +3331234567
        assert!(normalize_phone("06 123", None).is_err());
        assert_eq!(
            normalize_phone("06 1234 5678", Some(&it)).unwrap().as_str(),
            "+390612345678"
        );
    }
}
