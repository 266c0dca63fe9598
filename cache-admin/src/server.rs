//! [`serve`]: the admin router on a thread and runtime of its own, and [`AdminServer`], the
//! handle that stops it.

use std::fmt;
use std::future::IntoFuture;
use std::net::{SocketAddr, TcpListener, ToSocketAddrs};
use std::thread::JoinHandle;
use std::time::Duration;

use cache_core::Registry;
use tokio::sync::oneshot;

use crate::{routes, AdminConfig, ServeError};

/// How long a stopping server waits for requests in flight before it drops them.
const GRACE: Duration = Duration::from_secs(5);

/// Serves the admin endpoints of the process-wide [`registry()`](cache_core::registry) on
/// `addr`, on a thread of its own (with a single-threaded Tokio runtime), until the returned
/// handle is stopped or dropped. For programs that have no axum app to
/// [mount the router](crate::router) in.
///
/// Pass [`DEFAULT_ADDR`](crate::DEFAULT_ADDR) (`127.0.0.1:9187`) unless the endpoints must be
/// reached from other hosts: they expose cache names and statistics to anyone who can
/// connect, and only the `POST` ones ask for the token. Port 0 picks a free port; see
/// [`AdminServer::local_addr`].
///
/// Unknown paths get a JSON 404 (the router alone leaves them to the application).
///
/// # Errors
///
/// [`ServeError::Bind`] if `addr` does not resolve or cannot be bound (the port is taken,
/// say); [`ServeError::Start`] if the runtime or thread cannot be started. Nothing is left
/// running then.
///
/// # Examples
///
/// ```no_run
/// use cachekit::admin::{self, AdminConfig};
///
/// let server = admin::serve(admin::DEFAULT_ADDR, AdminConfig::from_env())?;
/// println!("curl http://{}/cache/stats", server.local_addr());
/// // ... the program's work; the endpoints answer meanwhile ...
/// server.stop();
/// # Ok::<(), admin::ServeError>(())
/// ```
pub fn serve(addr: impl ToSocketAddrs, config: AdminConfig) -> Result<AdminServer, ServeError> {
    serve_registry(cache_core::registry(), addr, config)
}

/// As [`serve`], for any `'static` [`Registry`] (a private one, or one in a test).
///
/// # Errors
///
/// As for [`serve`].
///
/// # Examples
///
/// ```
/// use cachekit::admin::{serve_registry, AdminConfig};
/// use cachekit::Registry;
/// use std::io::{Read, Write};
///
/// let registry: &'static Registry = Box::leak(Box::new(Registry::new()));
/// let server = serve_registry(registry, "127.0.0.1:0", AdminConfig::new())?;
/// let mut stream = std::net::TcpStream::connect(server.local_addr())?;
/// stream.write_all(b"GET /cache/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")?;
/// let mut response = String::new();
/// stream.read_to_string(&mut response)?;
/// assert!(response.starts_with("HTTP/1.1 200"));
/// server.stop();
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn serve_registry(
    registry: &'static Registry,
    addr: impl ToSocketAddrs,
    config: AdminConfig,
) -> Result<AdminServer, ServeError> {
    let listener = bind(addr)?;
    let local_addr = listener.local_addr().map_err(ServeError::Start)?;
    listener.set_nonblocking(true).map_err(ServeError::Start)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .enable_time()
        .build()
        .map_err(ServeError::Start)?;
    let listener = {
        // Registering the socket with the runtime's reactor needs the runtime's context.
        let _context = runtime.enter();
        tokio::net::TcpListener::from_std(listener).map_err(ServeError::Start)?
    };
    let app = routes::router(registry, config).fallback(routes::not_found);
    let (stop, stopped) = oneshot::channel::<()>();
    let thread = std::thread::Builder::new()
        .name("cachekit-admin".to_owned())
        .spawn(move || {
            runtime.block_on(async move {
                let (graceful, shutdown) = oneshot::channel::<()>();
                let server = tokio::spawn(
                    axum::serve(listener, app)
                        .with_graceful_shutdown(async {
                            let _ = shutdown.await;
                        })
                        .into_future(),
                );
                // Returns on `stop` and also when the handle is dropped without it.
                let _ = stopped.await;
                let _ = graceful.send(());
                let _ = tokio::time::timeout(GRACE, server).await;
            });
            // Requests still running on the blocking pool are not waited for past this.
            runtime.shutdown_timeout(GRACE);
        })
        .map_err(ServeError::Start)?;
    Ok(AdminServer {
        local_addr,
        stop: Some(stop),
        thread: Some(thread),
    })
}

/// The first address of `addr` that binds; the error names every address tried.
fn bind(addr: impl ToSocketAddrs) -> Result<TcpListener, ServeError> {
    let addrs: Vec<SocketAddr> = addr
        .to_socket_addrs()
        .map_err(|source| ServeError::Bind {
            addr: "the given address".to_owned(),
            source,
        })?
        .collect();
    let mut last_error = None;
    for addr in &addrs {
        match TcpListener::bind(addr) {
            Ok(listener) => return Ok(listener),
            Err(err) => last_error = Some(err),
        }
    }
    let addr = addrs
        .iter()
        .map(SocketAddr::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    Err(ServeError::Bind {
        source: last_error.unwrap_or_else(|| {
            std::io::Error::new(std::io::ErrorKind::InvalidInput, "no address to bind")
        }),
        addr,
    })
}

/// A running admin server, from [`serve`] or [`serve_registry`]. It serves until
/// [`stop`](Self::stop) is called or the handle is dropped (as a
/// [`JanitorHandle`](cache_core::JanitorHandle) does): keep it alive as long as the
/// endpoints should answer.
///
/// Stopping refuses new connections, lets requests in flight finish for up to 5 seconds,
/// and joins the server's thread.
///
/// # Examples
///
/// ```
/// use cachekit::admin::{serve_registry, AdminConfig};
/// use cachekit::Registry;
///
/// let registry: &'static Registry = Box::leak(Box::new(Registry::new()));
/// let server = serve_registry(registry, "127.0.0.1:0", AdminConfig::new())?;
/// let addr = server.local_addr();
/// assert!(addr.ip().is_loopback() && addr.port() != 0);
/// server.stop();
/// assert!(std::net::TcpStream::connect(addr).is_err());
/// # Ok::<(), cachekit::admin::ServeError>(())
/// ```
#[must_use = "the server stops when its handle is dropped"]
pub struct AdminServer {
    local_addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl fmt::Debug for AdminServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AdminServer")
            .field("local_addr", &self.local_addr)
            .finish_non_exhaustive()
    }
}

impl AdminServer {
    /// The address the server listens on (with the port the system picked, if port 0 was
    /// asked for).
    ///
    /// ```
    /// # let registry = Box::leak(Box::new(cachekit::Registry::new()));
    /// let server = cachekit::admin::serve_registry(registry, "127.0.0.1:0", Default::default())?;
    /// assert_ne!(server.local_addr().port(), 0);
    /// # Ok::<(), cachekit::admin::ServeError>(())
    /// ```
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Stops the server and waits for its thread (at most about 10 seconds: 5 for requests
    /// in flight, 5 for the registry calls they run). Dropping the handle does the same.
    ///
    /// ```
    /// # let registry = Box::leak(Box::new(cachekit::Registry::new()));
    /// let server = cachekit::admin::serve_registry(registry, "127.0.0.1:0", Default::default())?;
    /// server.stop();
    /// # Ok::<(), cachekit::admin::ServeError>(())
    /// ```
    pub fn stop(mut self) {
        self.shut_down();
    }

    fn shut_down(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            // Connections run as Tokio tasks, whose panics Tokio contains, so the thread
            // itself only panics on a Tokio bug; a handle's drop is no place to re-raise it.
            let _ = thread.join();
        }
    }
}

impl Drop for AdminServer {
    fn drop(&mut self) {
        self.shut_down();
    }
}
