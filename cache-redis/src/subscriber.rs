//! The thread that listens on the invalidation channel and drops local copies.
//!
//! # Delay
//!
//! While subscribed, an invalidation published by any process reaches this one's local
//! tiers as soon as Redis relays it: one network hop after the `PUBLISH`, typically well
//! under a millisecond on a LAN, plus the time to remove one entry.
//!
//! When the subscription is lost (Redis restarted, the network cut), messages published
//! meanwhile are lost with it. The thread tries again every `resubscribe_delay`, and on
//! subscribing again drops every local tier of the backend, since it cannot know what it
//! missed. A silent connection is checked with a `PING` every [`KEEPALIVE`]. So a local
//! copy outlives its invalidation by at most the time Redis is unreachable from this
//! process plus `resubscribe_delay` plus one connect, and never by more than the tier's
//! `local_ttl`, after which the local copy expires anyway.

use std::sync::atomic::Ordering;
use std::sync::mpsc;
use std::sync::{Arc, Weak};
use std::thread;
use std::time::{Duration, Instant};

use redis::{RedisResult, Value};

use crate::backend::Inner;
use crate::error::SharedTierError;

/// How long one wait for a message lasts: also how soon the thread notices that its
/// backend was dropped.
const POLL: Duration = Duration::from_millis(200);

/// A connection that carried nothing for this long is pinged, to find a dead one.
const KEEPALIVE: Duration = Duration::from_secs(2);

/// Starts the subscriber of `inner` and waits (about a connect timeout at most) for its
/// first attempt to subscribe, so that tiers used right after `connect` see invalidations.
pub(crate) fn start(inner: &Arc<Inner>) -> Result<(), SharedTierError> {
    let weak = Arc::downgrade(inner);
    let (first_tx, first_rx) = mpsc::channel();
    thread::Builder::new()
        .name("cachekit-redis-subscriber".to_owned())
        .spawn(move || run(&weak, first_tx))
        .map_err(|e| SharedTierError::Redis {
            reason: format!("could not start the invalidation subscriber thread: {e}"),
        })?;
    let patience = inner.connect_timeout + inner.command_timeout * 2;
    // Timing out here is fine: the subscriber keeps trying in the background.
    let _ = first_rx.recv_timeout(patience);
    Ok(())
}

fn run(weak: &Weak<Inner>, first: mpsc::Sender<()>) {
    let mut first = Some(first);
    let mut outage_logged = false;
    loop {
        let outcome = session(weak, &mut first);
        let was_up = weak
            .upgrade()
            .is_some_and(|inner| inner.subscribed.swap(false, Ordering::AcqRel));
        if let Some(first) = first.take() {
            let _ = first.send(());
        }
        match outcome {
            Ok(Gone) => return,
            Err(e) => {
                // Once per outage, not every `resubscribe_delay`.
                if was_up || !outage_logged {
                    log::warn!(
                        "cachekit: Redis invalidation subscriber is not subscribed: {e}; retrying"
                    );
                }
                outage_logged = true;
            }
        }
        let Some(delay) = weak.upgrade().map(|inner| inner.resubscribe_delay) else {
            return;
        };
        if !sleep_while_alive(weak, delay) {
            return;
        }
    }
}

/// The backend was dropped: the thread ends.
struct Gone;

/// One subscription, from connecting until it breaks (`Err`) or the backend is dropped.
fn session(weak: &Weak<Inner>, first: &mut Option<mpsc::Sender<()>>) -> RedisResult<Gone> {
    let (client, channel, command_timeout) = {
        let Some(inner) = weak.upgrade() else {
            return Ok(Gone);
        };
        let conn = inner.open()?;
        (conn, inner.channel.clone(), inner.command_timeout)
    };
    let mut conn = client;
    let mut pubsub = conn.as_pubsub();
    pubsub.set_read_timeout(Some(command_timeout))?;
    pubsub.subscribe(&channel)?;
    pubsub.set_read_timeout(Some(POLL))?;
    {
        let Some(inner) = weak.upgrade() else {
            return Ok(Gone);
        };
        let before = inner.subscriptions.fetch_add(1, Ordering::AcqRel);
        inner.subscribed.store(true, Ordering::Release);
        if before > 0 {
            // Messages published while we were away are lost: start afresh.
            inner.drop_all_local();
            log::info!("cachekit: Redis invalidation subscriber reconnected; local tiers cleared");
        }
    }
    if let Some(first) = first.take() {
        let _ = first.send(());
    }
    let mut last_traffic = Instant::now();
    loop {
        match pubsub.get_message() {
            Ok(message) => {
                last_traffic = Instant::now();
                let Some(inner) = weak.upgrade() else {
                    return Ok(Gone);
                };
                inner.deliver(message.get_payload_bytes());
            }
            Err(e) if e.is_timeout() => {
                if weak.strong_count() == 0 {
                    return Ok(Gone);
                }
                if last_traffic.elapsed() >= KEEPALIVE {
                    pubsub.set_read_timeout(Some(command_timeout))?;
                    pubsub.ping::<Value>()?;
                    pubsub.set_read_timeout(Some(POLL))?;
                    last_traffic = Instant::now();
                }
            }
            Err(e) => return Err(e),
        }
    }
}

/// Sleeps `delay` in short steps; `false` if the backend was dropped meanwhile.
fn sleep_while_alive(weak: &Weak<Inner>, delay: Duration) -> bool {
    let deadline = Instant::now() + delay;
    loop {
        if weak.strong_count() == 0 {
            return false;
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return true;
        }
        thread::sleep(left.min(POLL));
    }
}
