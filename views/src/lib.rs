//! StreamVault's markup: pages, the fragments inside them, and e-mail bodies.
//!
//! This crate knows nothing of the database or the web framework: every function takes plain
//! view models and returns Maud markup (or text), so pages can be rendered and tested alone.

pub mod account;
pub mod admin;
pub mod analytics;
pub mod auth;
pub mod catalog;
pub mod email;
pub mod errors;
pub mod feedback;
pub mod format;
pub mod forms;
pub mod layout;
pub mod paths;
pub mod poster;
pub mod schedule;

pub use layout::{Flash, FlashKind, Nav, PageContext};
