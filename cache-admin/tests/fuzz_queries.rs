//! Random and malformed query strings and paths against every endpoint: no panic, no 5xx
//! (except health's 503, which the populated registry here never reaches), and a JSON
//! error body for every refusal of an endpoint.

mod common;

use axum::http::{Method, StatusCode, Uri};
use cachekit::admin::{paths, serve_registry};
use common::{populated, send, TOKEN};
use proptest::prelude::*;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

const ENDPOINTS: [&str; 8] = [
    paths::DASHBOARD,
    paths::STATS,
    paths::HEALTH,
    paths::METRICS,
    paths::CLEANUP,
    paths::CLEAR,
    paths::TRACKER,
    paths::TRACKER_CLEANUP,
];

/// Query strings: arbitrary bytes percent-encoded, strings of the characters that
/// structure a query, and near-misses of the real parameters.
fn query() -> impl Strategy<Value = String> {
    let key = prop_oneof![
        Just("name".to_owned()),
        Just("dry_run".to_owned()),
        Just("nmae".to_owned()),
        Just("dry-run".to_owned()),
        Just(String::new()),
        "[a-z_%+]{1,8}",
    ];
    let value = prop_oneof![
        Just("true".to_owned()),
        Just("false".to_owned()),
        Just("users".to_owned()),
        Just(String::new()),
        "[a-zA-Z0-9%+=&;._~-]{0,12}",
        proptest::collection::vec(any::<u8>(), 0..12).prop_map(|bytes| encode(&bytes)),
    ];
    let pairs = proptest::collection::vec(
        (key, proptest::option::of(value)).prop_map(|(k, v)| match v {
            Some(v) => format!("{k}={v}"),
            None => k,
        }),
        0..5,
    )
    .prop_map(|pairs| pairs.join("&"));
    prop_oneof![
        3 => pairs,
        1 => "[ -~]{0,40}".prop_map(|s| encode_unsafe(&s)),
        1 => proptest::collection::vec(any::<u8>(), 0..40).prop_map(|b| encode(&b)),
    ]
}

/// Every byte percent-encoded.
fn encode(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("%{b:02X}")).collect()
}

/// `s` with only the characters a URI cannot carry raw percent-encoded (a lone `%` stays).
fn encode_unsafe(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            ' ' | '"' | '#' | '<' | '>' | '\\' | '^' | '`' | '{' | '|' | '}' => {
                format!("%{:02X}", c as u32)
            }
            c => c.to_string(),
        })
        .collect()
}

fn path() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => proptest::sample::select(&ENDPOINTS[..]).prop_map(str::to_owned),
        1 => (proptest::sample::select(&ENDPOINTS[..]), "[a-z/.%0-9]{0,10}")
            .prop_map(|(p, s)| format!("{p}{s}")),
        1 => "/[a-z/.%0-9]{0,20}",
    ]
}

fn method() -> impl Strategy<Value = Method> {
    proptest::sample::select(vec![
        Method::GET,
        Method::POST,
        Method::HEAD,
        Method::PUT,
        Method::DELETE,
    ])
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn no_query_string_makes_an_endpoint_fail(
        method in method(),
        path in path(),
        query in query(),
        with_token in any::<bool>(),
    ) {
        let target = format!("{path}?{query}");
        // Targets `http` refuses to parse never reach a router: hyper answers 400 itself
        // (see `over_a_socket` below).
        prop_assume!(target.parse::<Uri>().is_ok());
        let (registry, _clock) = populated();
        let router = common::router(registry);
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let answer = runtime.block_on(send(&router, method.clone(), &target, with_token.then_some(TOKEN)));
        prop_assert!(
            !answer.status.is_server_error(),
            "{method} {target} -> {} {}", answer.status, answer.text()
        );
        let ours = ENDPOINTS.contains(&path.as_str());
        if ours && !answer.status.is_success() && method != Method::HEAD {
            let json: serde_json::Value = serde_json::from_slice(&answer.body)
                .map_err(|e| TestCaseError::fail(format!("{target}: {e}: {}", answer.text())))?;
            prop_assert!(json["error"].is_string(), "{method} {target} -> {json}");
        }
        if answer.status == StatusCode::UNAUTHORIZED || answer.status == StatusCode::FORBIDDEN {
            prop_assert_eq!(registry.stats().global.total_entries, 5);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Raw bytes as the request target, through `serve`: whatever hyper or the router
    /// makes of them, the answer is never a 5xx and the server keeps serving.
    #[test]
    fn over_a_socket(
        path in path(),
        target_bytes in proptest::collection::vec(any::<u8>(), 0..40),
        post in any::<bool>(),
    ) {
        let (registry, _clock) = populated();
        let server = serve_registry(registry, "127.0.0.1:0", common::config()).unwrap();
        let mut request = Vec::new();
        request.extend_from_slice(if post { b"POST " } else { b"GET " });
        request.extend_from_slice(path.as_bytes());
        request.push(b'?');
        request.extend_from_slice(&target_bytes);
        request.extend_from_slice(
            format!(" HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {TOKEN}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n").as_bytes(),
        );
        let mut stream = TcpStream::connect(server.local_addr()).unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        stream.write_all(&request).unwrap();
        let mut reply = Vec::new();
        let _ = stream.read_to_end(&mut reply);
        let reply = String::from_utf8_lossy(&reply);
        prop_assert!(!reply.starts_with("HTTP/1.1 5"), "{:?} -> {}", String::from_utf8_lossy(&request), reply);
        let mut probe = TcpStream::connect(server.local_addr()).unwrap();
        probe.write_all(b"GET /cache/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").unwrap();
        let mut answer = String::new();
        probe.read_to_string(&mut answer).unwrap();
        prop_assert!(answer.starts_with("HTTP/1.1 200"), "{}", answer);
    }
}
