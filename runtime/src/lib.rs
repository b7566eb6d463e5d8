//! The runtime of the generated Microsoft Graph clients; it is embedded verbatim into every generated crate as `src/runtime.rs`.
//!
//! Because the same text is compiled both as the root of the `docgen-runtime` crate and as the
//! module `runtime` of each generated crate, it carries no crate-level attributes and never names
//! `crate::`. This file holds what the models need: the string-encoded primitives, the page of a
//! collection and the Graph error body, on `serde` and `serde_json` alone. Its child `http` holds
//! the client and is compiled only with the `client` feature, which brings in `reqwest`, `tokio`
//! (its timer, to wait before a retry) and `httpdate` (to read a `Retry-After` date), so that a
//! crate built without it is models and enums only. The children, `formats` (shared with the
//! generator's validator), `http` and `batch` (JSON batching, with the client too), are copied
//! beside it (`src/` here, `src/runtime/` there).

use std::fmt;

mod formats;
pub use formats::{is_date, is_date_time_offset, is_duration, is_guid, is_time_of_day};

use serde::{Deserialize, Serialize};

#[cfg(feature = "client")]
mod batch;
#[cfg(feature = "client")]
pub use batch::{Batch, BatchId, BatchResponses};
#[cfg(feature = "client")]
mod http;
#[cfg(feature = "client")]
pub use http::{
    Accepted, Client, Error, Method, Query, Retry, encode_path_param, encode_path_param_keep_slashes,
    encode_query_value,
};

/// The `error` object of a Graph error response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GraphError {
    /// A machine-readable code such as `itemNotFound`.
    pub code: String,
    /// A human-readable message; defaults to empty because some services omit it.
    #[serde(default)]
    pub message: String,
    /// Service diagnostics such as `request-id` and `date`; some services spell the key
    /// `innererror`, which is accepted too.
    #[serde(rename = "innerError", alias = "innererror", default, skip_serializing_if = "Option::is_none")]
    pub inner_error: Option<serde_json::Value>,
    /// Further errors, for example one per invalid property.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub details: Vec<GraphErrorDetail>,
    /// The target of the error, such as a property name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// Any other keys, kept so that nothing the service said is lost.
    #[serde(flatten)]
    pub additional_properties: serde_json::Map<String, serde_json::Value>,
}

/// One entry of [`GraphError::details`]; every field defaults so that an unusual detail cannot
/// turn a Graph error into an undecodable body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GraphErrorDetail {
    /// A machine-readable code.
    #[serde(default)]
    pub code: String,
    /// A human-readable message.
    #[serde(default)]
    pub message: String,
    /// The target of the error, such as a property name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
}

/// A page of a collection response:
/// `{"value": [...], "@odata.nextLink": "...", "@odata.count": n, ...}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Collection<T> {
    /// The items of this page.
    pub value: Vec<T>,
    /// The absolute URL of the next page, absent on the last page; `Client::next_page` follows it.
    #[serde(rename = "@odata.nextLink", default, skip_serializing_if = "Option::is_none")]
    pub next_link: Option<String>,
    /// Every other key, such as `@odata.context`, `@odata.count` or `@odata.deltaLink`.
    #[serde(flatten)]
    pub additional_properties: serde_json::Map<String, serde_json::Value>,
}

impl<T> Collection<T> {
    /// The total item count that `$count=true` asks for, if the service sent it.
    pub fn count(&self) -> Option<u64> {
        self.additional_properties.get("@odata.count").and_then(serde_json::Value::as_u64)
    }

    /// The link that a delta query returns on its last page, to be used for the next round.
    pub fn delta_link(&self) -> Option<&str> {
        self.additional_properties.get("@odata.deltaLink").and_then(serde_json::Value::as_str)
    }
}

/// Defines a lossless wrapper around the wire text of one of Graph's string-encoded primitives.
///
/// The text is kept as received rather than parsed, so a value the checker would reject still
/// round-trips byte for byte; `is_valid` lets callers check the format when they care.
macro_rules! string_primitive {
    ($(#[$doc:meta])* $name:ident, $checker:ident) => {
        $(#[$doc])*
        ///
        /// Ordering and equality compare the text, not the value it denotes.
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// Wraps the text without checking it.
            pub fn new(value: impl Into<String>) -> Self {
                $name(value.into())
            }

            /// The text as it appears on the wire.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// Unwraps the text.
            pub fn into_string(self) -> String {
                self.0
            }

            /// Whether the text has this type's format.
            pub fn is_valid(&self) -> bool {
                $checker(&self.0)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<String> for $name {
            fn from(value: String) -> Self {
                $name(value)
            }
        }

        impl From<&str> for $name {
            fn from(value: &str) -> Self {
                $name(value.to_owned())
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> Self {
                value.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
    };
}

string_primitive!(
    /// An `Edm.DateTimeOffset` such as `2021-07-16T18:32:44.1234567Z`; see [`is_date_time_offset`].
    DateTimeOffset,
    is_date_time_offset
);
string_primitive!(
    /// An `Edm.Date` such as `2021-07-16`; see [`is_date`].
    Date,
    is_date
);
string_primitive!(
    /// An `Edm.TimeOfDay` such as `18:32:44.0000000`; see [`is_time_of_day`].
    TimeOfDay,
    is_time_of_day
);
string_primitive!(
    /// An `Edm.Duration` such as `PT1H30M`; see [`is_duration`].
    Duration,
    is_duration
);
string_primitive!(
    /// An `Edm.Guid` such as `3fa85f64-5717-4562-b3fc-2c963f66afa6`; see [`is_guid`].
    Guid,
    is_guid
);
