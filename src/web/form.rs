//! Reading `application/x-www-form-urlencoded` input, the one way every handler does: every
//! field name and value must decode to valid UTF-8, or the request is refused with a 400.
//! Lossy decoding would turn the bytes into U+FFFD and store them; a real U+FFFD typed by
//! someone (percent-encoded as its UTF-8 bytes) stays accepted.

use poem::error::ParseFormError;
use poem::http::{header, Method};
use poem::web::RequestBody;
use poem::{FromRequest, Request};
use serde::de::DeserializeOwned;

use crate::error::Error;

const NOT_UTF8: &str = "the form is not valid UTF-8";

/// A form's fields, deserialized after the strict UTF-8 check. For GET and HEAD, the query
/// string (a search form, a link's parameters); for other methods, the body (the middleware
/// has already capped its size).
pub struct Form<T>(pub T);

impl<'a, T: DeserializeOwned> FromRequest<'a> for Form<T> {
    async fn from_request(req: &'a Request, body: &mut RequestBody) -> poem::Result<Self> {
        let bytes = if matches!(*req.method(), Method::GET | Method::HEAD) {
            req.uri().query().unwrap_or_default().as_bytes().to_vec()
        } else {
            if !is_form(req) {
                return Err(ParseFormError::ContentTypeRequired.into());
            }
            body.take()?
                .into_vec()
                .await
                .map_err(|_| Error::BadRequest("the form could not be read".into()))?
        };
        Ok(Form(parse(&bytes)?))
    }
}

/// The query string's fields whatever the method (a DELETE's parameters, say), with the
/// same strict UTF-8 check as [`Form`].
pub struct QueryFields<T>(pub T);

impl<'a, T: DeserializeOwned> FromRequest<'a> for QueryFields<T> {
    async fn from_request(req: &'a Request, _body: &mut RequestBody) -> poem::Result<Self> {
        let bytes = req.uri().query().unwrap_or_default().as_bytes();
        Ok(QueryFields(parse(bytes)?))
    }
}

/// Whether the request's body is an urlencoded form.
pub fn is_form(req: &Request) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.trim_start()
                .to_ascii_lowercase()
                .starts_with("application/x-www-form-urlencoded")
        })
}

/// Deserializes urlencoded `bytes` into `T`, refusing invalid UTF-8 and unreadable input.
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Error> {
    pairs(bytes)?;
    serde_urlencoded::from_bytes(bytes)
        .map_err(|e| Error::BadRequest(["the form could not be read: ", &e.to_string()].concat()))
}

/// The fields of urlencoded `bytes`, in order (`+` is a space), each name and value checked to
/// be valid UTF-8 after percent-decoding.
pub fn pairs(bytes: &[u8]) -> Result<Vec<(String, String)>, Error> {
    bytes
        .split(|b| *b == b'&')
        .filter(|part| !part.is_empty())
        .map(|part| {
            let mut halves = part.splitn(2, |b| *b == b'=');
            let name = decode(halves.next().unwrap_or_default())?;
            let value = decode(halves.next().unwrap_or_default())?;
            Ok((name, value))
        })
        .collect()
}

fn decode(raw: &[u8]) -> Result<String, Error> {
    let spaced: Vec<u8> = raw
        .iter()
        .map(|b| if *b == b'+' { b' ' } else { *b })
        .collect();
    let bytes: Vec<u8> = percent_encoding::percent_decode(&spaced).collect();
    String::from_utf8(bytes).map_err(|_| Error::BadRequest(NOT_UTF8.into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_forms_decode_like_browsers_send_them() {
        let fields = pairs(b"a=1&b=x+y&c=%E2%82%AC&d=%EF%BF%BD&&e").expect("valid");
        assert_eq!(
            fields,
            vec![
                ("a".into(), "1".into()),
                ("b".into(), "x y".into()),
                ("c".into(), "€".into()),
                ("d".into(), "\u{FFFD}".into()),
                ("e".into(), String::new()),
            ]
        );
    }

    #[test]
    fn invalid_utf8_is_refused_in_names_values_and_raw_bytes() {
        for bad in [
            &b"body=%FF%FE"[..],
            b"%FF=x",
            b"first_name=\xff\xfe",
            b"a=%C3",
            b"a=ok&b=%ED%A0%80",
        ] {
            assert!(pairs(bad).is_err(), "{bad:?}");
            assert!(parse::<Vec<(String, String)>>(bad).is_err(), "{bad:?}");
        }
    }
}
