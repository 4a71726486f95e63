//! The error for a request that cannot be carried out as asked: the binary
//! exits with status 2 for it, as for a command-line error.

use std::fmt;

/// A usage error: the request cannot be carried out as asked (exit status 2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageError(pub String);

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}
