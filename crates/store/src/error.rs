//! Errors of the store, with database constraint names mapped to field errors in one place.

use thiserror::Error;

/// What went wrong in a store operation.
#[derive(Debug, Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    /// Input refused: the field, a stable code and a message for people.
    #[error("{field}: {message}")]
    Invalid {
        field: &'static str,
        code: &'static str,
        message: String,
    },
    /// Input refused, for a field whose name is built at run time (`periods[2].start`).
    #[error("{field}: {message}")]
    Field {
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
    #[error(transparent)]
    Database(sqlx::Error),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl StoreError {
    /// A field error from a domain validation failure.
    pub fn invalid(field: &'static str, e: hs_domain::validate::Invalid) -> Self {
        StoreError::Invalid {
            field,
            code: e.code(),
            message: e.to_string(),
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
                        field,
                        code,
                        message: (*msg).to_string(),
                    };
                }
            }
        }
        if matches!(e, sqlx::Error::RowNotFound) {
            return StoreError::NotFound;
        }
        StoreError::Database(e)
    }
}
