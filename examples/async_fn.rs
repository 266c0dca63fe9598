//! `#[ttl_cached]` and `#[cached_method]` on `async fn`, with no runtime: a 20-line
//! executor (`block_on`) and a timer future that a helper thread wakes. Several threads
//! ask for the same users at once; each user is loaded once.
//!
//! Run it with `cargo run --example async_fn`.

use cachekit::{cached_method, ttl_cached};
use std::future::Future;
use std::pin::{pin, Pin};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, Thread};
use std::time::{Duration, Instant};

/// Runs a future to completion on this thread, parking until it is woken.
fn block_on<F: Future>(future: F) -> F::Output {
    struct Unpark(Thread);
    impl Wake for Unpark {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }
    }
    let waker = Waker::from(Arc::new(Unpark(thread::current())));
    let mut context = Context::from_waker(&waker);
    let mut future = pin!(future);
    loop {
        match future.as_mut().poll(&mut context) {
            Poll::Ready(output) => return output,
            Poll::Pending => thread::park(),
        }
    }
}

/// Completes after `duration`; a helper thread sleeps and wakes the task, the way a
/// runtime's timer or an I/O driver would.
struct Sleep {
    deadline: Instant,
    started: Arc<Mutex<bool>>,
}

fn sleep(duration: Duration) -> Sleep {
    Sleep {
        deadline: Instant::now() + duration,
        started: Arc::new(Mutex::new(false)),
    }
}

impl Future for Sleep {
    type Output = ();
    fn poll(self: Pin<&mut Self>, context: &mut Context<'_>) -> Poll<()> {
        if Instant::now() >= self.deadline {
            return Poll::Ready(());
        }
        let mut started = self.started.lock().unwrap();
        if !*started {
            *started = true;
            let (deadline, waker) = (self.deadline, context.waker().clone());
            thread::spawn(move || {
                thread::sleep(deadline.saturating_duration_since(Instant::now()));
                waker.wake();
            });
        }
        Poll::Pending
    }
}

#[derive(Clone, Debug)]
struct User {
    id: u64,
    name: String,
}

#[derive(Clone, Debug)]
enum DbError {
    NotFound(u64),
}

static DB_QUERIES: AtomicUsize = AtomicUsize::new(0);

/// A slow database query; its `Err` is returned but not cached.
#[ttl_cached(ttl = "10m", name = "users")]
async fn load_user(id: u64) -> Result<User, DbError> {
    DB_QUERIES.fetch_add(1, Ordering::Relaxed);
    sleep(Duration::from_millis(20)).await;
    if id >= 100 {
        return Err(DbError::NotFound(id));
    }
    Ok(User {
        id,
        name: format!("user-{id}"),
    })
}

#[derive(Hash)]
struct Feed {
    region: &'static str,
}

impl Feed {
    /// Awaits another memoized function inside its own body.
    #[cached_method(ttl = 60)]
    async fn headline(&self, user_id: u64) -> String {
        match load_user(user_id).await {
            Ok(user) => format!("[{}] hello, {} (#{})", self.region, user.name, user.id),
            Err(DbError::NotFound(id)) => format!("[{}] no user #{id}", self.region),
        }
    }
}

fn main() {
    // 8 threads ask for users 0..4 at the same moment: single flight loads each once.
    let started = Instant::now();
    thread::scope(|scope| {
        for t in 0..8u64 {
            scope.spawn(move || {
                for id in 0..4 {
                    let user = block_on(load_user((id + t) % 4)).expect("ids below 100 exist");
                    assert_eq!(user.name, format!("user-{}", user.id));
                }
            });
        }
    });
    println!(
        "32 concurrent loads in {:?}: {} database queries",
        started.elapsed(),
        DB_QUERIES.load(Ordering::Relaxed)
    );

    println!("load_user(404) = {:?}", block_on(load_user(404)));
    println!(
        "load_user(404) = {:?} (errors are not cached)",
        block_on(load_user(404))
    );

    let feed = Feed { region: "eu" };
    println!("{}", block_on(feed.headline(1)));
    println!("{}", block_on(feed.headline(1)));

    let stats = load_user_cache().stats();
    println!(
        "users cache: {} entries, {} hits, {} misses; database queries: {}",
        stats.size,
        stats.hits,
        stats.misses,
        DB_QUERIES.load(Ordering::Relaxed)
    );
    let headlines = Feed::headline_cache().stats();
    println!(
        "headline cache: {} entry, {} hit",
        headlines.size, headlines.hits
    );
}
