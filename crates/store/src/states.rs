//! States stored as text, as Rust enums: a row read from either backend holds one of these
//! values or is reported [`Error::Corrupt`], never an unknown string carried inward. Each
//! serialises (JSON, the OpenAPI document) and is stored as its lowercase name.

use crate::Error;
use serde::Serialize;
use std::fmt;

/// Declares a stored state: the enum, its text, and parsing from the text.
macro_rules! stored_state {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = $text:literal,)+ }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, utoipa::ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($(#[$vdoc])* $variant,)+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            /// The text stored (and serialised) for this value.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)+
                }
            }

            /// The value stored as `text`; a value no waflow writes is a corrupt row.
            pub fn parse(text: &str) -> Result<Self, Error> {
                match text {
                    $($text => Ok($name::$variant),)+
                    other => Err(Error::Corrupt(format!(
                        "{other:?} is not a {}",
                        stringify!($name)
                    ))),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.as_str() == *other
            }
        }
    };
}

stored_state! {
    /// Which way a message went.
    Direction {
        /// From the contact to the business.
        Inbound = "inbound",
        /// From the business to the contact.
        Outbound = "outbound",
    }
}

stored_state! {
    /// Where a message is in its life.
    MessageStatus {
        /// An inbound message, stored.
        Received = "received",
        /// An outbound message waiting in the outbox.
        Queued = "queued",
        /// Its attempt is journaled and the provider is being called.
        Sending = "sending",
        /// The provider accepted it.
        Sent = "sent",
        /// WhatsApp delivered it to the phone.
        Delivered = "delivered",
        /// The contact read it.
        Read = "read",
        /// It cannot be sent (the reason is stored with it).
        Failed = "failed",
        /// Its attempt was interrupted: the provider may or may not have it.
        Uncertain = "uncertain",
        /// The contact deleted it (an inbound message).
        Deleted = "deleted",
        /// Its campaign or schedule was cancelled before it went out.
        Cancelled = "cancelled",
    }
}

stored_state! {
    /// Where a workflow run is.
    RunState {
        /// Executing, or waiting for a delayed step.
        Active = "active",
        /// Waiting for the contact's reply.
        Waiting = "waiting",
        /// Reached the end of its steps.
        Completed = "completed",
        /// Ended by an `end` step, or removed.
        Ended = "ended",
        /// Stopped by an error.
        Failed = "failed",
    }
}

stored_state! {
    /// The kind of WhatsApp line a number is.
    ChannelKind {
        /// waflow's built-in test line: messages never leave the server.
        Sandbox = "sandbox",
        /// Meta's WhatsApp Business Cloud API.
        CloudApi = "cloud_api",
        /// A phone's WhatsApp, linked as a device.
        LinkedDevice = "linked_device",
    }
}

stored_state! {
    /// Whether a number can send and receive.
    NumberStatus {
        /// Working.
        Connected = "connected",
        /// Not connected now (the reason is stored with it).
        Disconnected = "disconnected",
        /// A linked device waiting for its QR code or pairing code.
        Pairing = "pairing",
        /// The phone unlinked the device.
        LoggedOut = "logged_out",
        /// WhatsApp banned the number.
        Banned = "banned",
    }
}

impl RunState {
    /// Whether the run may still do something (a step, a timer, a reply).
    pub fn is_live(self) -> bool {
        matches!(self, RunState::Active | RunState::Waiting)
    }
}

#[cfg(test)]
mod tests;
