//! Form helpers shared by every page: field errors and labelled inputs.

use maud::{html, Markup};

/// Messages to show beside form fields, keyed by the field's name.
#[derive(Clone, Debug, Default)]
pub struct FieldErrors(Vec<(&'static str, String)>);

impl FieldErrors {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add(&mut self, field: &'static str, message: impl Into<String>) {
        if self.get(field).is_none() {
            self.0.push((field, message.into()));
        }
    }

    pub fn get(&self, field: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(name, _)| *name == field)
            .map(|(_, message)| message.as_str())
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&'static str, &str)> {
        self.0
            .iter()
            .map(|(name, message)| (*name, message.as_str()))
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

    pub fn optional(mut self) -> Self {
        self.required = false;
        self
    }

    pub fn render(&self, errors: &FieldErrors) -> Markup {
        let error = errors.get(self.name);
        let id = ["field-", self.name].concat();
        let error_id = ["error-", self.name].concat();
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
