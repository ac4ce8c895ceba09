//! E.164 phone numbers, parsed once at the edge.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A phone number in E.164 form (`+` then 8 to 15 digits, no leading zero).
///
/// Guarantees: the inner string always starts with `+` followed only by digits; spaces, dashes,
/// dots and parentheses in the input are removed, and a leading `00` becomes `+`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PhoneNumber(String);

impl PhoneNumber {
    /// Parses a phone number written by a human or a channel into E.164.
    pub fn parse(input: &str) -> Result<Self, String> {
        let cleaned: String = input
            .trim()
            .chars()
            .filter(|c| !matches!(c, ' ' | '-' | '.' | '(' | ')'))
            .collect();
        let digits = if let Some(rest) = cleaned.strip_prefix('+') {
            rest.to_string()
        } else if let Some(rest) = cleaned.strip_prefix("00") {
            rest.to_string()
        } else {
            // Channels such as the Cloud API send `wa_id` without the plus sign.
            cleaned.clone()
        };
        let valid = (8..=15).contains(&digits.len())
            && digits.chars().all(|c| c.is_ascii_digit())
            && !digits.starts_with('0');
        if valid {
            Ok(Self(format!("+{digits}")))
        } else {
            Err(format!(
                "\"{input}\" is not a phone number in E.164 form (e.g. +393331234567)"
            ))
        }
    }

    /// The number as a string, e.g. `+393331234567`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for PhoneNumber {
    type Error = String;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<PhoneNumber> for String {
    fn from(value: PhoneNumber) -> Self {
        value.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_common_spellings() {
        assert_eq!(
            PhoneNumber::parse("+39 333 123 4567").unwrap().as_str(),
            "+393331234567"
        );
        assert_eq!(
            PhoneNumber::parse("0039-333-1234567").unwrap().as_str(),
            "+393331234567"
        );
        assert_eq!(
            PhoneNumber::parse("393331234567").unwrap().as_str(),
            "+393331234567"
        );
    }

    #[test]
    fn refuses_garbage() {
        for bad in [
            "",
            "+",
            "abc",
            "+12",
            "+0123456789",
            "+1234567890123456",
            "+39 333 12a",
        ] {
            assert!(PhoneNumber::parse(bad).is_err(), "{bad} should be refused");
        }
    }
}
