//! A staff table's form, submitted: the create and update units of work. Each reads the form
//! against the entity's description, checks it against the database, hashes a new account's
//! password (before, never inside, the transaction) and writes through `crud`, answering
//! with what the page needs: the saved row, the form's messages, or the current values.

use super::crud::{self, Actor, FormData, Record, Saved};
use super::entity::EntityDef;
use super::people;
use crate::db::Db;
use crate::error::Result;
use crate::validation::FieldErrors;

/// What a submitted form led to.
pub enum Submitted {
    Saved(Record),
    /// Refused: what was typed, column by column, and the messages per field.
    Invalid {
        typed: Vec<Option<String>>,
        errors: FieldErrors,
    },
    /// The row changed since the form was shown: its current values, and what was typed.
    Conflict {
        current: Record,
        typed: Vec<Option<String>>,
    },
    NotFound,
}

/// Creates a row from `form` (account tables: with the password it carries).
pub async fn create(
    db: &Db,
    def: &'static EntityDef,
    form: &FormData,
    actor: Actor,
) -> Result<Submitted> {
    let parsed = crud::parse_form(def, form, None)?;
    let mut errors = parsed.errors;
    let password = if def.role().is_some() {
        people::check_password(form, &mut errors)?
    } else {
        None
    };
    crud::check_with_db(db, def, &parsed.values, None, &mut errors).await?;
    if !errors.is_empty() {
        return Ok(Submitted::Invalid {
            typed: parsed.typed,
            errors,
        });
    }
    let secret = match password {
        Some(password) => Some(people::secret(&password).await?),
        None => None,
    };
    let saved = crud::create(db, def, parsed.values, secret, actor).await?;
    Ok(Submitted::from_saved(saved, parsed.typed))
}

/// Updates `current` (as the form was shown) from `form`, if it is still at the form's
/// `version`.
pub async fn update(
    db: &Db,
    def: &'static EntityDef,
    current: &Record,
    form: &FormData,
    actor: Actor,
) -> Result<Submitted> {
    let version = match crud::form_version(form)? {
        Ok(version) => version,
        Err(message) => {
            let mut errors = FieldErrors::new();
            errors.add("version", message);
            return Ok(Submitted::Invalid {
                typed: Vec::new(),
                errors,
            });
        }
    };
    let parsed = crud::parse_form(def, form, Some(current))?;
    let mut errors = parsed.errors;
    crud::check_with_db(db, def, &parsed.values, Some(current.id), &mut errors).await?;
    if !errors.is_empty() {
        return Ok(Submitted::Invalid {
            typed: parsed.typed,
            errors,
        });
    }
    let saved = crud::update(db, def, current.id, version, parsed.values, actor).await?;
    Ok(Submitted::from_saved(saved, parsed.typed))
}

impl Submitted {
    /// The write's outcome, with what was typed kept for a form shown again.
    fn from_saved(saved: Saved, typed: Vec<Option<String>>) -> Submitted {
        match saved {
            Saved::Done(record) => Submitted::Saved(record),
            Saved::Invalid(errors) => Submitted::Invalid { typed, errors },
            Saved::Conflict(current) => Submitted::Conflict { current, typed },
            Saved::NotFound => Submitted::NotFound,
        }
    }
}
