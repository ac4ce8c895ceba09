//! Contact import, the pure half: a CSV header resolved into columns ([`Columns`], from a
//! [`Mapping`] or the headers' own names), each row read into a [`ContactRow`] or refused with
//! a reason naming the column and the value, national phone numbers made international with a
//! [`DefaultCountry`], and how a row changes an existing contact ([`ContactRow::apply`]).
//!
//! **Invariant:** no I/O: the server reads the file and the store writes the contacts.

pub mod country;
pub mod mapping;
pub mod row;

pub use country::{normalize_phone, DefaultCountry};
pub use mapping::{Columns, FieldKind, Mapping, Target};
pub use row::{checked_name, field_value, ContactParts, ContactRow, Plan};
