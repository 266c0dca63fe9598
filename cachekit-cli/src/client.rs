//! Requests to the admin endpoints, and what their failures mean to the user.

use std::fmt;
use std::io;
use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::Deserialize;

use crate::render::one_line;
use crate::{exit, Query};

/// The largest answer read. The stats of a registry take a few hundred bytes per cache;
/// this leaves room for hundreds of thousands while bounding what a wrong `--url` can make
/// the command buffer.
const MAX_BODY: u64 = 64 * 1024 * 1024;

/// `http://HOST[:PORT][/PREFIX]`, without a trailing slash: the endpoints' paths are
/// appended to it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BaseUrl(String);

impl BaseUrl {
    /// Accepts `http://HOST[:PORT][/PREFIX]` or a bare `HOST:PORT`; refuses https (there is
    /// no TLS in this build), other schemes, credentials, queries and fragments.
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        let rest = match text.split_once("://") {
            None => text,
            Some((scheme, rest)) if scheme.eq_ignore_ascii_case("http") => rest,
            Some((scheme, _)) if scheme.eq_ignore_ascii_case("https") => {
                return Err(
                    "https is not supported (this build has no TLS): use http:// to a \
                            loopback address, or an SSH tunnel to reach another host"
                        .to_owned(),
                )
            }
            Some((scheme, _)) => {
                return Err(format!(
                    "unsupported scheme {scheme:?}: expected http://HOST:PORT"
                ))
            }
        };
        let (authority, prefix) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
        if authority.is_empty() {
            return Err("no host: expected http://HOST:PORT".to_owned());
        }
        if authority.contains('@') {
            // A token in the URL would end up in shell history and in error messages.
            return Err(
                "credentials in the URL are not supported: pass --token or set \
                        CACHEKIT_ADMIN_TOKEN"
                    .to_owned(),
            );
        }
        if rest.contains(['?', '#']) || rest.contains(|c: char| c.is_whitespace() || c.is_control())
        {
            return Err("expected http://HOST[:PORT][/PREFIX], without a query or fragment".into());
        }
        let url = format!("http://{authority}{}", prefix.trim_end_matches('/'));
        ureq::http::Uri::try_from(url.as_str()).map_err(|err| format!("invalid URL: {err}"))?;
        Ok(Self(url))
    }
}

impl fmt::Display for BaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Why a command failed: each kind has its exit code and a one-line message.
#[derive(Debug)]
pub enum Failure {
    /// No answer: refused, timed out, unknown host, connection lost.
    Unreachable { url: String, reason: String },
    /// 401: no token, or a wrong one.
    Unauthorized { token_sent: bool },
    /// 403: the server has no token configured, so nothing unlocks the action.
    Forbidden { message: String },
    /// 404: the server's message (no such cache, or no endpoint at this path).
    NotFound { message: String },
    /// Any other error status.
    Refused {
        url: String,
        status: u16,
        message: Option<String>,
    },
    /// An answer that is not what the admin endpoints send.
    BadAnswer { url: String, reason: String },
    /// Arguments no request can be made of.
    Usage(String),
}

impl Failure {
    pub fn bad_answer(url: &str, reason: impl Into<String>) -> Self {
        Self::BadAnswer {
            url: url.to_owned(),
            reason: reason.into(),
        }
    }

    pub fn exit_code(&self) -> u8 {
        match self {
            Self::Unreachable { .. } => exit::UNREACHABLE,
            Self::Unauthorized { .. } | Self::Forbidden { .. } => exit::UNAUTHORIZED,
            Self::NotFound { .. } => exit::NOT_FOUND,
            Self::Refused { .. } | Self::BadAnswer { .. } => exit::FAILED,
            Self::Usage(_) => exit::USAGE,
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Server-supplied text is escaped so that the message stays one line.
        match self {
            Self::Unreachable { url, reason } => write!(f, "cannot reach {url}: {reason}"),
            Self::Unauthorized { token_sent: false } => {
                f.write_str("unauthorized: pass --token or set CACHEKIT_ADMIN_TOKEN")
            }
            Self::Unauthorized { token_sent: true } => f.write_str(
                "unauthorized: the server refused the token; pass the right --token or set \
                 CACHEKIT_ADMIN_TOKEN",
            ),
            Self::Forbidden { message } => write!(f, "forbidden: {}", one_line(message)),
            Self::NotFound { message } => f.write_str(&one_line(message)),
            Self::Refused {
                url,
                status,
                message: Some(message),
            } => write!(f, "{url} answered HTTP {status}: {}", one_line(message)),
            Self::Refused {
                url,
                status,
                message: None,
            } => write!(f, "{url} answered HTTP {status}"),
            Self::BadAnswer { url, reason } => {
                write!(f, "unexpected answer from {url}: {}", one_line(reason))
            }
            Self::Usage(message) => f.write_str(message),
        }
    }
}

/// A successful answer: its URL (for messages) and its body.
pub struct Body {
    pub url: String,
    pub text: String,
}

impl Body {
    /// The body as `T`; a body of another shape is a [`Failure::BadAnswer`].
    pub fn parse<T: DeserializeOwned>(&self) -> Result<T, Failure> {
        serde_json::from_str(&self.text)
            .map_err(|err| Failure::bad_answer(&self.url, err.to_string()))
    }
}

/// The admin endpoints' error body.
#[derive(Deserialize)]
struct ErrorBody {
    error: String,
}

pub struct Client {
    agent: ureq::Agent,
    base: BaseUrl,
    token: Option<String>,
    timeout: Duration,
}

impl Client {
    pub fn new(base: BaseUrl, token: Option<String>, timeout: Duration) -> Result<Self, Failure> {
        // Trimmed as the server trims its own; empty means none (`CACHEKIT_ADMIN_TOKEN=`).
        let token = token.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty());
        if let Some(token) = &token {
            if !token.bytes().all(|b| b.is_ascii_graphic()) {
                return Err(Failure::Usage(
                    "the token must be printable ASCII without spaces".to_owned(),
                ));
            }
        }
        let agent = ureq::Agent::config_builder()
            .timeout_global(Some(timeout))
            // Error statuses carry the server's JSON message, which the user should see.
            .http_status_as_error(false)
            // Proxies from the environment (HTTP_PROXY, ALL_PROXY) are for the outside
            // world; routing a loopback admin port through one would fail or leak the token.
            .proxy(None)
            // The endpoints never redirect: a redirect means a wrong --url, and following
            // it would send the token elsewhere.
            .max_redirects(0)
            .user_agent(concat!("cachekit-cli/", env!("CARGO_PKG_VERSION")))
            .build()
            .into();
        Ok(Self {
            agent,
            base,
            token,
            timeout,
        })
    }

    /// `GET`, expecting 200.
    pub fn get(&self, path: &str, query: &Query) -> Result<Body, Failure> {
        let (status, body) = self.send(false, path, query)?;
        self.expect_ok(status, body)
    }

    /// `POST`, expecting 200.
    pub fn post(&self, path: &str, query: &Query) -> Result<Body, Failure> {
        let (status, body) = self.send(true, path, query)?;
        self.expect_ok(status, body)
    }

    /// `GET` of the health report, which comes with 503 when critical.
    pub fn health(&self, path: &str) -> Result<Body, Failure> {
        let (status, body) = self.send(false, path, &Query::new())?;
        let is_report = || {
            serde_json::from_str::<serde_json::Value>(&body.text)
                .is_ok_and(|value| value.get("status").is_some_and(|s| s.is_string()))
        };
        if status == 503 && is_report() {
            return Ok(body);
        }
        self.expect_ok(status, body)
    }

    fn send(&self, post: bool, path: &str, query: &Query) -> Result<(u16, Body), Failure> {
        let url = format!("{}{path}{}", self.base, query.to_suffix());
        // The token goes with reads too: harmless to the server, which ignores it there,
        // and it keeps working if reads are ever protected or put behind the same check.
        let bearer = self.token.as_ref().map(|t| format!("Bearer {t}"));
        let result = if post {
            let mut request = self.agent.post(&url);
            if let Some(bearer) = &bearer {
                request = request.header("Authorization", bearer);
            }
            request.send_empty()
        } else {
            let mut request = self.agent.get(&url);
            if let Some(bearer) = &bearer {
                request = request.header("Authorization", bearer);
            }
            request.call()
        };
        let mut response = result.map_err(|err| self.transport_failure(err, &url))?;
        let status = response.status().as_u16();
        let text = response
            .body_mut()
            .with_config()
            .limit(MAX_BODY)
            .lossy_utf8(true)
            .read_to_string()
            .map_err(|err| self.transport_failure(err, &url))?;
        Ok((status, Body { url, text }))
    }

    fn expect_ok(&self, status: u16, body: Body) -> Result<Body, Failure> {
        if status == 200 {
            return Ok(body);
        }
        let message = serde_json::from_str::<ErrorBody>(&body.text)
            .ok()
            .map(|e| e.error);
        Err(match status {
            401 => Failure::Unauthorized {
                token_sent: self.token.is_some(),
            },
            403 => Failure::Forbidden {
                message: message.unwrap_or_else(|| format!("{} answered HTTP 403", body.url)),
            },
            404 => Failure::NotFound {
                message: message
                    .unwrap_or_else(|| format!("no admin endpoint at {} (HTTP 404)", body.url)),
            },
            _ => Failure::Refused {
                url: body.url,
                status,
                message,
            },
        })
    }

    fn transport_failure(&self, err: ureq::Error, url: &str) -> Failure {
        let unreachable = |reason: String| Failure::Unreachable {
            url: self.base.to_string(),
            reason,
        };
        let timed_out = || format!("timed out after {}s", self.timeout.as_secs_f64());
        match err {
            ureq::Error::Io(err) => match err.kind() {
                io::ErrorKind::ConnectionRefused => unreachable("connection refused".to_owned()),
                io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => unreachable(timed_out()),
                _ => unreachable(err.to_string()),
            },
            ureq::Error::Timeout(_) => unreachable(timed_out()),
            ureq::Error::HostNotFound => unreachable("host not found".to_owned()),
            ureq::Error::ConnectionFailed => unreachable("connection failed".to_owned()),
            ureq::Error::Protocol(err) => {
                Failure::bad_answer(url, format!("not an HTTP answer ({err})"))
            }
            ureq::Error::BodyExceedsLimit(limit) => {
                Failure::bad_answer(url, format!("the answer is larger than {limit} bytes"))
            }
            ureq::Error::BadUri(reason) => Failure::Usage(format!("invalid URL {url}: {reason}")),
            other => Failure::bad_answer(url, other.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls_are_normalized() {
        let ok = |text: &str| BaseUrl::parse(text).map(|url| url.to_string());
        assert_eq!(
            ok("http://127.0.0.1:9187"),
            Ok("http://127.0.0.1:9187".into())
        );
        assert_eq!(
            ok("http://127.0.0.1:9187/"),
            Ok("http://127.0.0.1:9187".into())
        );
        assert_eq!(ok("HTTP://host:1/admin/"), Ok("http://host:1/admin".into()));
        assert_eq!(ok("localhost:9187"), Ok("http://localhost:9187".into()));
        assert_eq!(ok("http://[::1]:9187"), Ok("http://[::1]:9187".into()));
    }

    #[test]
    fn unusable_urls_are_refused_with_a_reason() {
        let err = |text: &str| BaseUrl::parse(text).unwrap_err();
        assert!(err("https://host:9187").contains("https is not supported"));
        assert!(err("ftp://host").contains("unsupported scheme"));
        assert!(err("http://").contains("no host"));
        assert!(err("http://user:pw@host").contains("credentials"));
        assert!(err("http://host/?name=x").contains("without a query"));
        assert!(err("http://host:port:9").contains("invalid URL"));
    }

    #[test]
    fn server_messages_stay_on_one_line() {
        let failure = Failure::NotFound {
            message: "no cache named \"a\nb\"".to_owned(),
        };
        assert_eq!(failure.to_string(), "no cache named \"a\\nb\"");
    }

    #[test]
    fn tokens_must_fit_a_header() {
        let url = BaseUrl::parse("http://127.0.0.1:1").unwrap();
        let new =
            |token: &str| Client::new(url.clone(), Some(token.into()), Duration::from_secs(1));
        assert!(matches!(new("bad token"), Err(Failure::Usage(_))));
        assert!(matches!(new("tøken"), Err(Failure::Usage(_))));
        assert!(new(" good-token\n").is_ok_and(|c| c.token.as_deref() == Some("good-token")));
        assert!(new("  ").is_ok_and(|c| c.token.is_none()));
    }
}
