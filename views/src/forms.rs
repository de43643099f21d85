//! Form helpers shared by every page: field errors and labelled inputs.

use maud::{html, Markup};

/// Messages to show beside form fields, by field name. The application's validation errors
/// implement this; the views only read it.
pub trait Messages {
    fn message(&self, field: &str) -> Option<&str>;

    fn is_empty(&self) -> bool;
}

/// A form shown for the first time: no messages.
pub struct NoMessages;

impl Messages for NoMessages {
    fn message(&self, _field: &str) -> Option<&str> {
        None
    }

    fn is_empty(&self) -> bool {
        true
    }
}

/// The hidden field that carries the session's CSRF token in plain (non-htmx) forms.
pub fn csrf_field(token: &str) -> Markup {
    html! { input type="hidden" name="csrf_token" value=(token); }
}

pub struct Input<'a> {
    pub name: &'static str,
    pub label: &'a str,
    pub kind: &'static str,
    pub value: &'a str,
    pub autocomplete: &'static str,
    pub required: bool,
    /// Prefix of the element ids, for a page with several forms sharing a field name.
    pub scope: &'static str,
}

impl<'a> Input<'a> {
    pub fn text(name: &'static str, label: &'a str, value: &'a str) -> Self {
        Self {
            name,
            label,
            kind: "text",
            value,
            autocomplete: "off",
            required: true,
            scope: "field",
        }
    }

    pub fn password(name: &'static str, label: &'a str, autocomplete: &'static str) -> Self {
        Self {
            name,
            label,
            kind: "password",
            value: "",
            autocomplete,
            required: true,
            scope: "field",
        }
    }

    pub fn kind(mut self, kind: &'static str) -> Self {
        self.kind = kind;
        self
    }

    pub fn autocomplete(mut self, autocomplete: &'static str) -> Self {
        self.autocomplete = autocomplete;
        self
    }

    /// Ids become `{scope}-{name}` (default `field-{name}`), unique when several forms on one
    /// page have a field of the same name.
    pub fn scope(mut self, scope: &'static str) -> Self {
        self.scope = scope;
        self
    }

    pub fn optional(mut self) -> Self {
        self.required = false;
        self
    }

    pub fn render(&self, errors: &dyn Messages) -> Markup {
        let error = errors.message(self.name);
        let id = [self.scope, "-", self.name].concat();
        let error_id = ["error-", self.scope, "-", self.name].concat();
        html! {
            div.field.has-error[error.is_some()] {
                label for=(id) { (self.label) }
                input id=(id) name=(self.name) type=(self.kind) value=(self.value)
                    autocomplete=(self.autocomplete) required[self.required]
                    aria-invalid=[error.map(|_| "true")] aria-describedby=[error.map(|_| error_id.as_str())];
                @if let Some(message) = error {
                    p.field-error id=(error_id) { (message) }
                }
            }
        }
    }
}
