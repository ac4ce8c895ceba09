//! How a contact is reached: by phone number, or — for a WhatsApp user who hides their number
//! behind a username — by the business-scoped user id Meta gives them.
//!
//! **Invariant:** the two forms never collide: a phone number is E.164 (`+` and digits), a user
//! id starts with two letters and a dot (`US.13491208655302741918`). So one text column can hold
//! either, and [`ContactAddress::parse`] tells them apart.

use crate::PhoneNumber;
use serde::{Serialize, Serializer};
use std::fmt;

/// A business-scoped user id (BSUID): two capital letters (a country), a dot, then up to 128
/// letters, digits or dots (`US.13491208655302741918`, `US.ENT.11815799212886844830`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct UserId(String);

impl UserId {
    /// Parses a user id, refusing anything else with a sentence saying why.
    pub fn parse(input: &str) -> Result<Self, String> {
        let s = input.trim();
        let (country, rest) = s
            .split_once('.')
            .ok_or_else(|| format!("{s:?} is not a business-scoped user id (no country prefix)"))?;
        let country_ok = country.len() == 2 && country.chars().all(|c| c.is_ascii_uppercase());
        let rest_ok = !rest.is_empty()
            && rest.len() <= 140
            && rest.chars().all(|c| c.is_ascii_alphanumeric() || c == '.');
        if !country_ok || !rest_ok {
            return Err(format!("{s:?} is not a business-scoped user id"));
        }
        Ok(Self(s.to_string()))
    }

    /// The id as Meta writes it.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for UserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Where a contact is reached: its stored key (the `phone` of a contact row) and the recipient
/// a channel sends to.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ContactAddress {
    /// An E.164 phone number.
    Phone(PhoneNumber),
    /// A business-scoped user id, for a contact whose phone number is not known.
    UserId(UserId),
}

impl ContactAddress {
    /// Parses a stored or given address: a user id if it has the user id form, else a phone.
    pub fn parse(input: &str) -> Result<Self, String> {
        match UserId::parse(input) {
            Ok(id) => Ok(Self::UserId(id)),
            Err(_) => PhoneNumber::parse(input).map(Self::Phone),
        }
    }

    /// The address as stored and sent: `+393331234567` or `US.13491208655302741918`.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Phone(p) => p.as_str(),
            Self::UserId(u) => u.as_str(),
        }
    }

    /// The phone number, if this address is one.
    pub fn phone(&self) -> Option<&PhoneNumber> {
        match self {
            Self::Phone(p) => Some(p),
            Self::UserId(_) => None,
        }
    }
}

impl From<PhoneNumber> for ContactAddress {
    fn from(phone: PhoneNumber) -> Self {
        Self::Phone(phone)
    }
}

impl From<UserId> for ContactAddress {
    fn from(id: UserId) -> Self {
        Self::UserId(id)
    }
}

impl fmt::Display for ContactAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Serialized as the plain address string.
impl Serialize for ContactAddress {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_ids_and_phones_are_told_apart() {
        let id = ContactAddress::parse("US.13491208655302741918").expect("a user id");
        assert_eq!(id.as_str(), "US.13491208655302741918");
        assert!(id.phone().is_none());
        let parent = ContactAddress::parse("US.ENT.11815799212886844830").expect("a parent id");
        assert!(matches!(parent, ContactAddress::UserId(_)));
        let phone = ContactAddress::parse("+393331234567").expect("a phone");
        assert_eq!(
            phone.phone().map(PhoneNumber::as_str),
            Some("+393331234567")
        );
    }

    #[test]
    fn malformed_user_ids_are_refused() {
        for bad in [
            "13491208655302741918",
            "us.1349",
            "USA.1349",
            "US.",
            "US.12 34",
            "US.12-3",
        ] {
            assert!(UserId::parse(bad).is_err(), "{bad} accepted");
        }
    }
}
