//! The bearer-token check of the `POST` endpoints.

use axum::http::{header, HeaderMap};
use subtle::{Choice, ConstantTimeEq};

use crate::error::ApiError;

/// Whether `headers` carry `Authorization: Bearer <expected>`; `expected` is `None` when no
/// token is configured, and then every request is refused.
pub(crate) fn authorize(expected: Option<&[u8]>, headers: &HeaderMap) -> Result<(), ApiError> {
    let Some(expected) = expected else {
        return Err(ApiError::forbidden(
            "admin actions are disabled: no token is configured (AdminConfig::token)",
        ));
    };
    // Several Authorization headers are ambiguous: refuse rather than pick one.
    let mut values = headers.get_all(header::AUTHORIZATION).iter();
    let (Some(value), None) = (values.next(), values.next()) else {
        return Err(ApiError::unauthorized(
            "missing or repeated `Authorization: Bearer <token>` header",
        ));
    };
    let presented = bearer(value.as_bytes()).ok_or_else(|| {
        ApiError::unauthorized("the Authorization header is not `Bearer <token>`")
    })?;
    if bool::from(constant_time_eq(expected, presented)) {
        Ok(())
    } else {
        Err(ApiError::unauthorized("invalid admin token"))
    }
}

/// The token of a `Bearer <token>` header value (the scheme is case-insensitive, RFC 9110
/// §11.1), or `None`.
fn bearer(value: &[u8]) -> Option<&[u8]> {
    const SCHEME: &[u8] = b"bearer ";
    let scheme = value.get(..SCHEME.len())?;
    if !scheme.eq_ignore_ascii_case(SCHEME) {
        return None;
    }
    let token = value[SCHEME.len()..].trim_ascii();
    (!token.is_empty()).then_some(token)
}

/// `expected == presented`, in a time that depends on `expected`'s length only.
///
/// `subtle`'s slice comparison returns at once when the lengths differ, which would let a
/// client find the token's length by timing guesses of every length. Here every call
/// walks all of `expected`, whatever was presented.
fn constant_time_eq(expected: &[u8], presented: &[u8]) -> Choice {
    let mut equal = (expected.len() as u64).ct_eq(&(presented.len() as u64));
    for (i, byte) in expected.iter().enumerate() {
        // Past the end of `presented`, compare against a byte of `expected` flipped, which
        // never matches (the lengths already differ then, so `equal` is false anyway).
        let other = presented.get(i).copied().unwrap_or(!byte);
        equal &= byte.ct_eq(&other);
    }
    equal
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(values: &[&str]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for value in values {
            map.append(header::AUTHORIZATION, HeaderValue::from_str(value).unwrap());
        }
        map
    }

    #[test]
    fn compares_whole_tokens() {
        assert!(bool::from(constant_time_eq(b"abc", b"abc")));
        assert!(!bool::from(constant_time_eq(b"abc", b"abd")));
        assert!(!bool::from(constant_time_eq(b"abc", b"ab")));
        assert!(!bool::from(constant_time_eq(b"abc", b"abcd")));
        assert!(!bool::from(constant_time_eq(b"abc", b"")));
    }

    #[test]
    fn parses_bearer_headers() {
        let token = Some(&b"t0k"[..]);
        assert!(authorize(token, &headers(&["Bearer t0k"])).is_ok());
        assert!(authorize(token, &headers(&["bearer  t0k "])).is_ok());
        assert!(authorize(token, &headers(&["Basic t0k"])).is_err());
        assert!(authorize(token, &headers(&["Bearer"])).is_err());
        assert!(authorize(token, &headers(&["Bearer "])).is_err());
        assert!(authorize(token, &headers(&["t0k"])).is_err());
        assert!(authorize(token, &headers(&["Bearer t0k", "Bearer t0k"])).is_err());
        assert!(authorize(token, &headers(&[])).is_err());
        assert!(authorize(None, &headers(&["Bearer t0k"])).is_err());
    }
}
