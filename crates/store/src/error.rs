//! Errors of the store, with database constraint names mapped to field errors in one place.

use thiserror::Error;

/// What went wrong in a store operation.
#[derive(Debug, Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    /// Input refused: the field (`guest.phone`, `periods[2].start`), a stable code and a
    /// message for people.
    #[error("{field}: {message}")]
    Invalid {
        field: String,
        code: &'static str,
        message: String,
    },
    /// The request conflicts with the current state (a stable code and a message).
    #[error("{message}")]
    Conflict { code: &'static str, message: String },
    /// Not allowed for this actor.
    #[error("forbidden")]
    Forbidden,
    /// The database cannot be reached now (down, restarting, or every connection busy);
    /// worth trying again in a moment.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    #[error(transparent)]
    Database(sqlx::Error),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

/// The code of a [`StoreError::Conflict`] that says "too many, wait": the web answers it with
/// 429 and `Retry-After`, a job drops the work instead of retrying it.
pub const RATE_LIMITED: &str = "rate_limited";

impl StoreError {
    /// Whether this is a refusal for going too fast ([`RATE_LIMITED`]).
    pub fn is_rate_limited(&self) -> bool {
        matches!(self, StoreError::Conflict { code, .. } if *code == RATE_LIMITED)
    }

    /// A field error from a domain validation failure.
    pub fn invalid(field: impl Into<String>, e: hs_domain::validate::Invalid) -> Self {
        StoreError::Invalid {
            field: field.into(),
            code: e.code(),
            message: e.to_string(),
        }
    }

    /// A field error with its own code and message.
    pub fn field(field: impl Into<String>, code: &'static str, message: impl Into<String>) -> Self {
        StoreError::Invalid {
            field: field.into(),
            code,
            message: message.into(),
        }
    }
}

/// Unique and check constraints that people can trip, and what to tell them.
const CONSTRAINTS: &[(&str, &str, &str, &str)] = &[
    (
        "users_email_key",
        "email",
        "taken",
        "an account with this email already exists",
    ),
    (
        "memberships_pkey",
        "email",
        "already_member",
        "this person is already a member",
    ),
    (
        "areas_name_key",
        "name",
        "taken",
        "an area with this name exists",
    ),
    (
        "tables_name_key",
        "name",
        "taken",
        "a table with this name exists",
    ),
    (
        "table_combinations_name_key",
        "name",
        "taken",
        "a combination with this name exists",
    ),
];

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        if let sqlx::Error::Database(db) = &e {
            if db.constraint() == Some("reservation_tables_no_overlap") {
                return StoreError::Conflict {
                    code: "slot_unavailable",
                    message: "a table was taken at the same moment; choose another time".into(),
                };
            }
            if let Some(name) = db.constraint() {
                if let Some((_, field, code, msg)) = CONSTRAINTS.iter().find(|c| c.0 == name) {
                    return StoreError::Invalid {
                        field: (*field).to_string(),
                        code,
                        message: (*msg).to_string(),
                    };
                }
            }
        }
        if matches!(e, sqlx::Error::RowNotFound) {
            return StoreError::NotFound;
        }
        if is_connection_error(&e) {
            return StoreError::Unavailable(e.to_string());
        }
        StoreError::Database(e)
    }
}

/// Whether an error means the server cannot be reached (rather than that a statement failed):
/// the connection broke or could not be made, the pool has none to give, or the server is
/// shutting down, crashed or still starting (SQLSTATE class 08 and 57P01–57P03).
pub fn is_connection_error(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::Protocol(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(db) => db
            .code()
            .is_some_and(|c| c.starts_with("08") || matches!(&*c, "57P01" | "57P02" | "57P03")),
        _ => false,
    }
}

impl StoreError {
    /// Whether this failure means the database is away (see [`is_connection_error`]).
    pub fn is_unavailable(&self) -> bool {
        matches!(self, StoreError::Unavailable(_))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connection_failures_are_unavailable_and_statement_failures_are_not() {
        let refused = sqlx::Error::Io(std::io::Error::from(std::io::ErrorKind::ConnectionRefused));
        assert!(StoreError::from(refused).is_unavailable());
        assert!(StoreError::from(sqlx::Error::PoolTimedOut).is_unavailable());
        assert!(StoreError::from(sqlx::Error::PoolClosed).is_unavailable());
        assert!(matches!(
            StoreError::from(sqlx::Error::RowNotFound),
            StoreError::NotFound
        ));
        assert!(!StoreError::from(sqlx::Error::ColumnNotFound("x".into())).is_unavailable());
    }
}
