//! [`RedisBackend`]: one Redis server as the tiers see it. Blocking connections in a small
//! pool, one async `ConnectionManager` per Tokio runtime, the circuit breaker in front of
//! both, and the thread that listens for invalidations.

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::io;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};
use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{ErrorKind, RedisError, RedisResult, ServerErrorKind, Value};

use crate::breaker::{Breaker, BreakerState};
use crate::codec::{self, StableKey};
use crate::config::RedisConfig;
use crate::error::{redact_url, SharedTierError};
use crate::subscriber;

/// Releases a `shared_lock` lock only if it still holds our token: a holder whose lock
/// expired (its body outran `lock_ttl`) must not delete the next holder's lock.
const UNLOCK_SCRIPT: &str = r#"
if redis.call("GET", KEYS[1]) == ARGV[1] then
    return redis.call("DEL", KEYS[1])
else
    return 0
end
"#;

/// Keys deleted per `UNLINK` while clearing a namespace, and the `COUNT` hint of `SCAN`.
const SCAN_BATCH: usize = 500;

/// A connection to one Redis server, shared by the [`SharedTier`](crate::SharedTier)s that
/// use it: cheap to clone (clones share everything).
///
/// [`connect_with`](crate::connect_with) makes the process-wide one, which tiers use by
/// default. Make others with [`RedisBackend::connect`] and give them to
/// [`SharedTierBuilder::backend`](crate::SharedTierBuilder::backend): for a second Redis,
/// or for tests that each start their own server.
///
/// Each backend has a thread subscribed to the invalidation channel (see
/// [`SharedTier::invalidate`](crate::SharedTier::invalidate)); it ends within a fraction
/// of a second after the last clone of the backend is dropped.
///
/// # Examples
///
/// ```no_run
/// use cachekit::redis::{RedisBackend, RedisConfig};
///
/// let backend = RedisBackend::connect(RedisConfig::new("redis://127.0.0.1:6379"))?;
/// backend.ping()?;
/// # Ok::<(), cachekit::redis::SharedTierError>(())
/// ```
#[derive(Clone)]
pub struct RedisBackend {
    pub(crate) inner: Arc<Inner>,
}

impl fmt::Debug for RedisBackend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisBackend")
            .field("url", &self.inner.url)
            .field("prefix", &self.inner.prefix)
            .field("channel", &self.inner.channel)
            .field("breaker", &self.inner.breaker.state())
            .field("subscribed", &self.is_subscribed())
            .finish_non_exhaustive()
    }
}

/// What a local tier does when an invalidation reaches it.
pub(crate) trait LocalTier: Send + Sync {
    fn drop_key(&self, key: StableKey);
    fn drop_all(&self);
}

/// Why a command was not answered.
#[derive(Debug)]
pub(crate) enum OpError {
    /// The breaker is open: the command was not sent.
    Skipped,
    /// An async call outside a Tokio runtime: the command was not sent.
    NoRuntime,
    /// Sent, and failed (or answered with an error).
    Failed(RedisError),
}

pub(crate) struct Inner {
    client: redis::Client,
    /// The URL without its password, for messages.
    pub(crate) url: String,
    pub(crate) prefix: String,
    pub(crate) channel: String,
    pub(crate) keys: (u64, u64),
    pub(crate) connect_timeout: Duration,
    pub(crate) command_timeout: Duration,
    pub(crate) lock_ttl: Duration,
    pub(crate) lock_wait: Duration,
    pub(crate) lock_poll: Duration,
    pub(crate) resubscribe_delay: Duration,
    max_idle: usize,
    pub(crate) breaker: Breaker,
    idle: Mutex<Vec<redis::Connection>>,
    /// One manager per Tokio runtime: a manager's I/O task lives on the runtime that made
    /// it and dies with it, so a manager must not outlive into another runtime's calls.
    managers: Mutex<Vec<(tokio::runtime::Id, ConnectionManager)>>,
    /// The local tiers by name, for the subscriber to reach. Weak: a dropped tier's local
    /// cache is no business of the backend's.
    tiers: Mutex<HashMap<String, Vec<Weak<dyn LocalTier>>>>,
    pub(crate) subscribed: AtomicBool,
    pub(crate) subscriptions: AtomicU64,
    unlock: redis::Script,
    /// Tags this backend's invalidation messages: it applies its own at once, to every
    /// local tier it serves, and its subscriber skips them when Redis echoes them back
    /// (a late echo would drop a value reloaded meanwhile for nothing).
    instance: String,
}

/// A poisoned lock here guards a plain collection that no code leaves half-updated.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Whether Redis answered (with an error about the command, such as `WRONGTYPE`): the
/// server is alive, so this neither counts towards the breaker nor spoils the connection.
/// Everything else (refused, reset, timed out, garbled, still loading its data set)
/// counts.
fn answered(error: &RedisError) -> bool {
    match error.kind() {
        ErrorKind::Server(kind) => !matches!(
            kind,
            ServerErrorKind::BusyLoading
                | ServerErrorKind::MasterDown
                | ServerErrorKind::ClusterDown
                | ServerErrorKind::TryAgain
        ),
        ErrorKind::Extension | ErrorKind::UnexpectedReturnType => true,
        _ => false,
    }
}

fn timed_out(what: &str, after: Duration) -> RedisError {
    RedisError::from(io::Error::new(
        io::ErrorKind::TimedOut,
        format!("{what} took longer than {after:?}"),
    ))
}

/// `SET`'s expiry argument for `ttl`: `None` for "never" (too long to express), and
/// `Some(0)` means "do not store" (a TTL under a millisecond).
fn expiry_millis(ttl: Duration) -> Option<u64> {
    let millis = ttl.as_millis();
    // Redis keeps expiries as milliseconds since the epoch in a signed 64-bit number.
    if millis >= u128::from(u64::MAX >> 2) {
        None
    } else {
        Some(millis as u64)
    }
}

/// The `SET` command that stores `bytes` under `key` for `ttl`, or `None` if nothing
/// should be stored.
fn set_command(key: &str, bytes: &[u8], ttl: Duration) -> Option<redis::Cmd> {
    let mut cmd = redis::cmd("SET");
    cmd.arg(key).arg(bytes);
    match expiry_millis(ttl) {
        Some(0) => return None,
        Some(millis) => {
            cmd.arg("PX").arg(millis);
        }
        None => {}
    }
    Some(cmd)
}

fn is_ok(value: &Value) -> bool {
    matches!(value, Value::Okay) || matches!(value, Value::SimpleString(s) if s == "OK")
}

impl RedisBackend {
    /// A backend for `config`: checks the settings and the URL and starts the invalidation
    /// subscriber, waiting up to about `connect_timeout` for its first subscription.
    ///
    /// A Redis that is down is not an error: tiers then run locally (the breaker opens
    /// after `breaker_failures` failed attempts) and start using Redis once it answers.
    /// Without a secret (from [`RedisConfig::secret`] or `CACHEKIT_REDIS_SECRET`) this
    /// logs a warning and uses [`DEFAULT_SECRET`](crate::DEFAULT_SECRET).
    ///
    /// # Errors
    ///
    /// [`SharedTierError::InvalidUrl`] and [`SharedTierError::InvalidConfig`].
    ///
    /// ```
    /// use cachekit::redis::{RedisBackend, RedisConfig, SharedTierError};
    /// use std::time::Duration;
    ///
    /// let zero = RedisConfig::default().connect_timeout(Duration::ZERO);
    /// assert!(matches!(RedisBackend::connect(zero), Err(SharedTierError::InvalidConfig { .. })));
    /// ```
    pub fn connect(config: RedisConfig) -> Result<Self, SharedTierError> {
        config.validate()?;
        let url = redact_url(&config.url);
        let client =
            redis::Client::open(config.url.as_str()).map_err(|e| SharedTierError::InvalidUrl {
                url: url.clone(),
                reason: e.to_string(),
            })?;
        let (keys, default_secret) = config.sip_keys();
        if default_secret {
            log::warn!(
                "cachekit: no secret for the shared Redis tier (set {} or RedisConfig::secret); \
                 using the public default, so keys are guessable from arguments",
                crate::ENV_SECRET
            );
        }
        let inner = Arc::new(Inner {
            client,
            url,
            prefix: config.prefix.clone(),
            channel: config.get_channel(),
            keys,
            connect_timeout: config.connect_timeout,
            command_timeout: config.command_timeout,
            lock_ttl: config.lock_ttl,
            lock_wait: config.lock_wait,
            lock_poll: config.lock_poll,
            resubscribe_delay: config.resubscribe_delay,
            max_idle: config.max_idle_connections,
            breaker: Breaker::new(config.breaker_failures, config.breaker_reset),
            idle: Mutex::new(Vec::new()),
            managers: Mutex::new(Vec::new()),
            tiers: Mutex::new(HashMap::new()),
            subscribed: AtomicBool::new(false),
            subscriptions: AtomicU64::new(0),
            unlock: redis::Script::new(UNLOCK_SCRIPT),
            instance: crate::tier::random_token(),
        });
        subscriber::start(&inner)?;
        Ok(Self { inner })
    }

    /// Sends `PING` (bypassing the breaker, which it does not affect).
    ///
    /// # Errors
    ///
    /// [`SharedTierError::Redis`] if Redis cannot be reached or does not answer in time.
    ///
    /// ```no_run
    /// let backend = cachekit::redis::RedisBackend::connect(Default::default())?;
    /// backend.ping()?;
    /// # Ok::<(), cachekit::redis::SharedTierError>(())
    /// ```
    pub fn ping(&self) -> Result<(), SharedTierError> {
        let redis = |e: RedisError| SharedTierError::Redis {
            reason: e.to_string(),
        };
        let mut conn = self.inner.open().map_err(redis)?;
        redis::cmd("PING")
            .query::<Value>(&mut conn)
            .map_err(redis)?;
        self.inner.give_back(conn);
        Ok(())
    }

    /// The circuit breaker's state.
    ///
    /// ```
    /// use cachekit::redis::{BreakerState, RedisBackend};
    /// let backend = RedisBackend::connect(Default::default())?; // no server needed
    /// assert_eq!(backend.breaker_state(), BreakerState::Closed);
    /// # Ok::<(), cachekit::redis::SharedTierError>(())
    /// ```
    pub fn breaker_state(&self) -> BreakerState {
        self.inner.breaker.state()
    }

    /// Whether the invalidation subscriber is subscribed right now. While it is not,
    /// invalidations from other processes do not reach this one's local tiers (which are
    /// cleared when it subscribes again).
    ///
    /// ```no_run
    /// let backend = cachekit::redis::RedisBackend::connect(Default::default())?;
    /// assert!(backend.is_subscribed()); // if Redis is up
    /// # Ok::<(), cachekit::redis::SharedTierError>(())
    /// ```
    pub fn is_subscribed(&self) -> bool {
        self.inner.subscribed.load(Ordering::Acquire)
    }

    /// How many times the subscriber has subscribed (1 after a clean start, one more per
    /// reconnect).
    ///
    /// ```no_run
    /// let backend = cachekit::redis::RedisBackend::connect(Default::default())?;
    /// assert_eq!(backend.subscriptions(), 1); // if Redis is up
    /// # Ok::<(), cachekit::redis::SharedTierError>(())
    /// ```
    pub fn subscriptions(&self) -> u64 {
        self.inner.subscriptions.load(Ordering::Acquire)
    }

    /// The namespace prefix of its keys.
    ///
    /// ```
    /// use cachekit::redis::{RedisBackend, RedisConfig};
    /// let backend = RedisBackend::connect(RedisConfig::default().prefix("shop"))?;
    /// assert_eq!(backend.prefix(), "shop");
    /// # Ok::<(), cachekit::redis::SharedTierError>(())
    /// ```
    pub fn prefix(&self) -> &str {
        &self.inner.prefix
    }
}

impl Inner {
    /// A new blocking connection with the configured timeouts.
    pub(crate) fn open(&self) -> RedisResult<redis::Connection> {
        let conn = self
            .client
            .get_connection_with_timeout(self.connect_timeout)?;
        conn.set_read_timeout(Some(self.command_timeout))?;
        conn.set_write_timeout(Some(self.command_timeout))?;
        Ok(conn)
    }

    fn give_back(&self, conn: redis::Connection) {
        let mut idle = lock(&self.idle);
        if idle.len() < self.max_idle {
            idle.push(conn);
        }
    }

    /// Runs `op` on a blocking connection, through the breaker.
    pub(crate) fn run<T>(
        &self,
        op: impl FnOnce(&mut redis::Connection) -> RedisResult<T>,
    ) -> Result<T, OpError> {
        let permit = self.breaker.permit().ok_or(OpError::Skipped)?;
        let pooled = lock(&self.idle).pop();
        let mut conn = match pooled.map_or_else(|| self.open(), Ok) {
            Ok(conn) => conn,
            Err(e) => {
                self.breaker.failed(permit, &e);
                return Err(OpError::Failed(e));
            }
        };
        match op(&mut conn) {
            Ok(value) => {
                self.give_back(conn);
                self.breaker.succeeded(permit);
                Ok(value)
            }
            Err(e) if answered(&e) => {
                self.give_back(conn);
                self.breaker.succeeded(permit);
                Err(OpError::Failed(e))
            }
            Err(e) => {
                // One dead connection means the others are likely dead too (a restart,
                // a network cut): drop them all rather than fail on each in turn.
                lock(&self.idle).clear();
                self.breaker.failed(permit, &e);
                Err(OpError::Failed(e))
            }
        }
    }

    /// This runtime's connection manager, made if there is none yet.
    async fn manager(&self, runtime: tokio::runtime::Id) -> RedisResult<ConnectionManager> {
        if let Some((_, manager)) = lock(&self.managers).iter().find(|(id, _)| *id == runtime) {
            return Ok(manager.clone());
        }
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(self.connect_timeout))
            .set_response_timeout(Some(self.command_timeout))
            // The breaker decides when to try again, not the manager's backoff.
            .set_number_of_retries(1)
            .set_max_delay(self.resubscribe_delay);
        let manager = ConnectionManager::new_with_config(self.client.clone(), config).await?;
        let mut managers = lock(&self.managers);
        if let Some((_, existing)) = managers.iter().find(|(id, _)| *id == runtime) {
            return Ok(existing.clone());
        }
        // Runtimes come and go in tests; an application has one or two.
        if managers.len() >= 4 {
            managers.remove(0);
        }
        managers.push((runtime, manager.clone()));
        Ok(manager)
    }

    fn forget_manager(&self, runtime: tokio::runtime::Id) {
        lock(&self.managers).retain(|(id, _)| *id != runtime);
    }

    /// Runs `op` on this runtime's connection manager, through the breaker, within the
    /// command timeout.
    pub(crate) async fn run_async<T, F, Fut>(&self, op: F) -> Result<T, OpError>
    where
        F: FnOnce(ConnectionManager) -> Fut,
        Fut: Future<Output = RedisResult<T>>,
    {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return Err(OpError::NoRuntime);
        };
        let runtime = runtime.id();
        let permit = self.breaker.permit().ok_or(OpError::Skipped)?;
        let connect = self.connect_timeout + self.command_timeout;
        let manager = match tokio::time::timeout(connect, self.manager(runtime)).await {
            Ok(Ok(manager)) => manager,
            Ok(Err(e)) => {
                self.breaker.failed(permit, &e);
                return Err(OpError::Failed(e));
            }
            Err(_) => {
                let e = timed_out("connecting", connect);
                self.breaker.failed(permit, &e);
                return Err(OpError::Failed(e));
            }
        };
        let result = match tokio::time::timeout(self.command_timeout, op(manager)).await {
            Ok(result) => result,
            Err(_) => Err(timed_out("a command", self.command_timeout)),
        };
        match result {
            Ok(value) => {
                self.breaker.succeeded(permit);
                Ok(value)
            }
            Err(e) if answered(&e) => {
                self.breaker.succeeded(permit);
                Err(OpError::Failed(e))
            }
            Err(e) => {
                // The manager reconnects by itself, but a manager whose runtime is gone
                // never will: start afresh next time.
                self.forget_manager(runtime);
                self.breaker.failed(permit, &e);
                Err(OpError::Failed(e))
            }
        }
    }

    pub(crate) fn value_key(&self, name: &str, key: StableKey) -> String {
        codec::value_key(&self.prefix, name, key)
    }

    pub(crate) fn lock_key(&self, name: &str, key: StableKey) -> String {
        codec::lock_key(&self.prefix, name, key)
    }

    // ---- blocking commands ----

    pub(crate) fn get(&self, key: &str) -> Result<Option<Vec<u8>>, OpError> {
        self.run(|conn| redis::cmd("GET").arg(key).query(conn))
    }

    /// Stores `bytes` for `ttl`; `Ok(false)` if the TTL is too short to store anything.
    pub(crate) fn set(&self, key: &str, bytes: &[u8], ttl: Duration) -> Result<bool, OpError> {
        let Some(cmd) = set_command(key, bytes, ttl) else {
            return Ok(false);
        };
        self.run(|conn| cmd.query::<Value>(conn)).map(|_| true)
    }

    pub(crate) fn delete(&self, key: &str) -> Result<(), OpError> {
        self.run(|conn| redis::cmd("DEL").arg(key).query::<Value>(conn))
            .map(drop)
    }

    pub(crate) fn publish(&self, message: &str) -> Result<(), OpError> {
        self.run(|conn| {
            redis::cmd("PUBLISH")
                .arg(&self.channel)
                .arg(message)
                .query::<Value>(conn)
        })
        .map(drop)
    }

    /// `SET key token NX PX lock_ttl`: whether we took the lock.
    pub(crate) fn try_lock(&self, key: &str, token: &str) -> Result<bool, OpError> {
        let millis = self.lock_ttl.as_millis() as u64;
        self.run(|conn| {
            redis::cmd("SET")
                .arg(key)
                .arg(token)
                .arg("NX")
                .arg("PX")
                .arg(millis)
                .query::<Value>(conn)
        })
        .map(|value| is_ok(&value))
    }

    pub(crate) fn unlock(&self, key: &str, token: &str) -> Result<(), OpError> {
        self.run(|conn| self.unlock.key(key).arg(token).invoke::<Value>(conn))
            .map(drop)
    }

    /// Deletes every value and lock of the tier `name` (`SCAN MATCH`, then `UNLINK` in
    /// batches, `DEL` if the server predates `UNLINK`); how many keys went.
    pub(crate) fn clear_namespace(&self, name: &str) -> Result<usize, OpError> {
        let pattern = codec::namespace_pattern(&self.prefix, name);
        self.run(|conn| {
            let mut cursor: u64 = 0;
            let mut deleted = 0;
            loop {
                let (next, keys): (u64, Vec<Vec<u8>>) = redis::cmd("SCAN")
                    .arg(cursor)
                    .arg("MATCH")
                    .arg(&pattern)
                    .arg("COUNT")
                    .arg(SCAN_BATCH)
                    .query(conn)?;
                let keys: Vec<Vec<u8>> = keys
                    .into_iter()
                    .filter(|key| codec::in_namespace(&self.prefix, name, key))
                    .collect();
                if !keys.is_empty() {
                    let unlinked = redis::cmd("UNLINK").arg(&keys).query::<usize>(conn);
                    deleted += match unlinked {
                        Ok(n) => n,
                        Err(e) if answered(&e) => {
                            redis::cmd("DEL").arg(&keys).query::<usize>(conn)?
                        }
                        Err(e) => return Err(e),
                    };
                }
                if next == 0 {
                    return Ok(deleted);
                }
                cursor = next;
            }
        })
    }

    // ---- async commands ----

    pub(crate) async fn get_async(&self, key: &str) -> Result<Option<Vec<u8>>, OpError> {
        self.run_async(
            |mut conn| async move { redis::cmd("GET").arg(key).query_async(&mut conn).await },
        )
        .await
    }

    pub(crate) async fn set_async(
        &self,
        key: &str,
        bytes: &[u8],
        ttl: Duration,
    ) -> Result<bool, OpError> {
        let Some(cmd) = set_command(key, bytes, ttl) else {
            return Ok(false);
        };
        self.run_async(|mut conn| async move { cmd.query_async::<Value>(&mut conn).await })
            .await
            .map(|_| true)
    }

    pub(crate) async fn delete_async(&self, key: &str) -> Result<(), OpError> {
        self.run_async(|mut conn| async move {
            redis::cmd("DEL")
                .arg(key)
                .query_async::<Value>(&mut conn)
                .await
        })
        .await
        .map(drop)
    }

    pub(crate) async fn publish_async(&self, message: &str) -> Result<(), OpError> {
        self.run_async(|mut conn| async move {
            redis::cmd("PUBLISH")
                .arg(&self.channel)
                .arg(message)
                .query_async::<Value>(&mut conn)
                .await
        })
        .await
        .map(drop)
    }

    pub(crate) async fn try_lock_async(&self, key: &str, token: &str) -> Result<bool, OpError> {
        let millis = self.lock_ttl.as_millis() as u64;
        self.run_async(|mut conn| async move {
            redis::cmd("SET")
                .arg(key)
                .arg(token)
                .arg("NX")
                .arg("PX")
                .arg(millis)
                .query_async::<Value>(&mut conn)
                .await
        })
        .await
        .map(|value| is_ok(&value))
    }

    pub(crate) async fn unlock_async(&self, key: &str, token: &str) -> Result<(), OpError> {
        self.run_async(|mut conn| async move {
            self.unlock
                .key(key)
                .arg(token)
                .invoke_async::<Value>(&mut conn)
                .await
        })
        .await
        .map(drop)
    }

    // ---- local tiers and invalidation messages ----

    pub(crate) fn register(&self, name: &str, tier: &Arc<dyn LocalTier>) {
        let mut tiers = lock(&self.tiers);
        let named = tiers.entry(name.to_owned()).or_default();
        named.retain(|tier| tier.strong_count() > 0);
        named.push(Arc::downgrade(tier));
    }

    fn tiers_named(&self, name: &str) -> Vec<Arc<dyn LocalTier>> {
        lock(&self.tiers)
            .get(name)
            .map(|named| named.iter().filter_map(Weak::upgrade).collect())
            .unwrap_or_default()
    }

    /// Drops `key` (`None`: everything) from every local tier named `name` of this
    /// backend, then publishes it for the other processes (see [`message`]).
    pub(crate) fn invalidate(&self, name: &str, key: Option<StableKey>) -> Result<(), OpError> {
        self.apply(name, key);
        self.publish(&message(&self.instance, name, key))
    }

    /// The async form of [`invalidate`](Self::invalidate).
    pub(crate) async fn invalidate_async(
        &self,
        name: &str,
        key: Option<StableKey>,
    ) -> Result<(), OpError> {
        self.apply(name, key);
        self.publish_async(&message(&self.instance, name, key))
            .await
    }

    fn apply(&self, name: &str, key: Option<StableKey>) {
        let tiers = self.tiers_named(name);
        match key {
            Some(key) => tiers.iter().for_each(|tier| tier.drop_key(key)),
            None => tiers.iter().for_each(|tier| tier.drop_all()),
        }
    }

    /// Applies one message of the invalidation channel (see [`message`]), unless this
    /// backend sent it.
    pub(crate) fn deliver(&self, payload: &[u8]) {
        if let Some((name, key)) = parse_message(payload, &self.instance) {
            self.apply(name, key);
        }
    }

    /// After the subscriber was away: invalidations may have been missed, so every local
    /// tier of this backend starts afresh.
    pub(crate) fn drop_all_local(&self) {
        let tiers: Vec<_> = lock(&self.tiers)
            .values()
            .flatten()
            .filter_map(Weak::upgrade)
            .collect();
        tiers.iter().for_each(|tier| tier.drop_all());
    }
}

/// The invalidation message for `key` of the tier `name` (`None`: the whole tier), from
/// the backend `instance`: `<instance>\n<name>\n<32 hex digits>` or
/// `<instance>\n<name>\n*`. The name may contain anything, newlines included: the
/// instance is the first line and the key the last.
pub(crate) fn message(instance: &str, name: &str, key: Option<StableKey>) -> String {
    match key {
        Some(key) => format!("{instance}\n{name}\n{key}"),
        None => format!("{instance}\n{name}\n*"),
    }
}

/// The tier name and key of a message that another backend than `own` sent; `None` for
/// our own messages and for anything that is not a message.
fn parse_message<'a>(payload: &'a [u8], own: &str) -> Option<(&'a str, Option<StableKey>)> {
    let text = std::str::from_utf8(payload).ok()?;
    let (instance, rest) = text.split_once('\n')?;
    let (name, what) = rest.rsplit_once('\n')?;
    if instance == own {
        return None;
    }
    match what {
        "*" => Some((name, None)),
        hex => Some((name, Some(StableKey::parse_hex(hex)?))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expiries() {
        assert_eq!(expiry_millis(Duration::from_secs(2)), Some(2000));
        assert_eq!(expiry_millis(Duration::from_micros(10)), Some(0));
        assert_eq!(expiry_millis(Duration::MAX), None);
        assert!(set_command("k", b"v", Duration::ZERO).is_none());
        assert!(set_command("k", b"v", Duration::MAX).is_some());
    }

    #[test]
    fn messages_round_trip_and_skip_our_own() {
        let key = StableKey(0xabc);
        let one = message("i1", "a\nb", Some(key));
        assert_eq!(
            parse_message(one.as_bytes(), "i2"),
            Some(("a\nb", Some(key)))
        );
        assert_eq!(parse_message(one.as_bytes(), "i1"), None);
        let all = message("i1", "n", None);
        assert_eq!(parse_message(all.as_bytes(), "i2"), Some(("n", None)));
        for garbage in [&b"no newline"[..], b"i\nname\nnot-hex", b"\xff\n\n", b""] {
            assert_eq!(parse_message(garbage, "i2"), None);
        }
    }

    #[test]
    fn answered_errors_do_not_trip() {
        let io = RedisError::from(io::Error::new(io::ErrorKind::ConnectionRefused, "no"));
        assert!(!answered(&io));
        assert!(!answered(&timed_out("x", Duration::from_millis(1))));
    }
}
