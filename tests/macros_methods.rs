//! `#[cached_method]`, by running the generated code: the receiver in the key (`self`,
//! `self_key`, `shared`), companions through `self.` and `Self::`, registry names, generic
//! impls and generic methods, and the other kinds of receivers.

mod common;

use cachekit::{cached_method, registry};
use common::{spin_for, watchdog};
use std::hash::Hash;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::Duration;

#[derive(Clone, Debug, PartialEq)]
struct Row(String);

#[derive(Hash)]
struct Repo {
    tenant: u64,
}

static QUERIES: AtomicUsize = AtomicUsize::new(0);

impl Repo {
    /// Runs a query; cached per repository (it is `Hash`), filter and limit.
    #[cached_method(ttl = "5m", max_size = 50)]
    fn expensive_query(&self, filter: &str, limit: usize) -> Vec<Row> {
        QUERIES.fetch_add(1, Ordering::SeqCst);
        (0..limit)
            .map(|i| Row(format!("{}:{filter}:{i}", self.tenant)))
            .collect()
    }
}

#[test]
fn self_is_part_of_the_key() {
    let (one, other_one, two) = (Repo { tenant: 1 }, Repo { tenant: 1 }, Repo { tenant: 2 });
    let rows = one.expensive_query("a", 2);
    assert_eq!(rows, vec![Row("1:a:0".into()), Row("1:a:1".into())]);
    assert_eq!(QUERIES.load(Ordering::SeqCst), 1);
    assert_eq!(
        other_one.expensive_query("a", 2),
        rows,
        "equal receivers share entries"
    );
    assert_eq!(QUERIES.load(Ordering::SeqCst), 1);
    assert_eq!(two.expensive_query("a", 2)[0], Row("2:a:0".into()));
    assert_eq!(QUERIES.load(Ordering::SeqCst), 2);

    assert_eq!(one.expensive_query_uncached("a", 2), rows);
    assert_eq!(QUERIES.load(Ordering::SeqCst), 3);
    assert!(one.expensive_query_invalidate("a", 2));
    assert!(!other_one.expensive_query_invalidate("a", 2));
    assert_eq!(
        Repo::expensive_query_cache().len(),
        1,
        "tenant 2's entry is left"
    );
    let cache = Repo::expensive_query_cache();
    assert_eq!(
        (cache.max_size(), cache.ttl()),
        (50, Duration::from_secs(300))
    );
    assert!(registry()
        .names()
        .contains(&"macros_methods::Repo::expensive_query".to_string()));
}

/// Not `Hash`: the key uses `self_key` or leaves `self` out.
struct Service {
    tenant: u64,
    connection: String,
}

static SELF_KEY_CALLS: AtomicUsize = AtomicUsize::new(0);
static SHARED_CALLS: AtomicUsize = AtomicUsize::new(0);

impl Service {
    #[cached_method(self_key = self.tenant)]
    fn by_tenant(&self, id: u32) -> String {
        SELF_KEY_CALLS.fetch_add(1, Ordering::SeqCst);
        format!("{}/{}/{id}", self.tenant, self.connection)
    }

    #[cached_method(shared = true)]
    pub fn shared_lookup(&self, id: u32) -> u32 {
        SHARED_CALLS.fetch_add(1, Ordering::SeqCst);
        id * 10
    }
}

#[test]
fn self_key_hashes_part_of_self() {
    let a = Service {
        tenant: 1,
        connection: "a".into(),
    };
    let b = Service {
        tenant: 1,
        connection: "b".into(),
    };
    let c = Service {
        tenant: 2,
        connection: "c".into(),
    };
    assert_eq!(a.by_tenant(5), "1/a/5");
    assert_eq!(b.by_tenant(5), "1/a/5", "same tenant, same entry");
    assert_eq!(c.by_tenant(5), "2/c/5");
    assert_eq!(SELF_KEY_CALLS.load(Ordering::SeqCst), 2);
    assert!(b.by_tenant_invalidate(5));
}

#[test]
fn shared_leaves_self_out_of_the_key() {
    let a = Service {
        tenant: 1,
        connection: "a".into(),
    };
    let b = Service {
        tenant: 2,
        connection: "b".into(),
    };
    assert_eq!(a.shared_lookup(3), 30);
    assert_eq!(b.shared_lookup(3), 30);
    assert_eq!(SHARED_CALLS.load(Ordering::SeqCst), 1);
    assert_eq!(Service::shared_lookup_cache().len(), 1);
}

#[derive(Hash)]
struct Slow;

static SLOW_CALLS: AtomicUsize = AtomicUsize::new(0);

impl Slow {
    #[cached_method]
    fn compute(&self, x: u64) -> u64 {
        SLOW_CALLS.fetch_add(1, Ordering::SeqCst);
        spin_for(Duration::from_millis(50));
        x + 1
    }
}

#[test]
fn concurrent_callers_run_a_method_once_per_key() {
    watchdog(|| {
        let slow = Arc::new(Slow);
        let barrier = Arc::new(Barrier::new(6));
        let handles: Vec<_> = (0..6)
            .map(|_| {
                let (slow, barrier) = (Arc::clone(&slow), Arc::clone(&barrier));
                thread::spawn(move || {
                    barrier.wait();
                    slow.compute(41)
                })
            })
            .collect();
        for handle in handles {
            assert_eq!(handle.join().unwrap(), 42);
        }
        assert_eq!(SLOW_CALLS.load(Ordering::SeqCst), 1);
    });
}

#[derive(Hash)]
struct Store<T> {
    items: Vec<T>,
}

static STORE_CALLS: AtomicUsize = AtomicUsize::new(0);

impl<T: Hash + Clone + Send + Sync + 'static> Store<T> {
    #[cached_method]
    fn item(&self, index: usize) -> Option<T> {
        STORE_CALLS.fetch_add(1, Ordering::SeqCst);
        self.items.get(index).cloned()
    }

    /// A generic method of a generic impl.
    #[cached_method(shared)]
    fn convert<U: From<u8> + Clone + Send + Sync + 'static>(&self, x: u8) -> U {
        U::from(x)
    }
}

#[test]
fn generic_impls_get_one_cache_per_instantiation() {
    let numbers = Store {
        items: vec![1_u32, 2],
    };
    let words = Store {
        items: vec!["a".to_string()],
    };
    assert_eq!(numbers.item(0), Some(1));
    assert_eq!(numbers.item(0), Some(1));
    assert_eq!(words.item(0), Some("a".to_string()));
    assert_eq!(numbers.item(5), None, "None is not cached");
    assert_eq!(STORE_CALLS.load(Ordering::SeqCst), 3);
    assert_eq!(Store::<u32>::item_cache().len(), 1, "None is not cached");
    assert_eq!(Store::<String>::item_cache().len(), 1);
    let names = registry().names();
    assert!(
        names.contains(&"macros_methods::Store<u32>::item".to_string()),
        "{names:?}"
    );
    assert!(names.contains(&"macros_methods::Store<alloc::string::String>::item".to_string()));

    assert_eq!(numbers.convert::<u32>(7), 7_u32);
    assert_eq!(numbers.convert::<u64>(7), 7_u64);
    assert_eq!(Store::<u32>::convert_cache::<u64>().len(), 1);
    assert!(registry()
        .names()
        .contains(&"macros_methods::Store<u32>::convert<u64>".to_string()));
}

#[derive(Clone, Copy, Hash)]
struct Point {
    x: i64,
    y: i64,
}

impl Point {
    #[cached_method]
    fn norm1(self) -> i64 {
        self.x.abs() + self.y.abs()
    }

    #[cached_method]
    fn scaled(mut self, factor: i64) -> (i64, i64) {
        self.x *= factor;
        self.y *= factor;
        (self.x, self.y)
    }

    #[cached_method]
    fn from_arc(self: Arc<Self>, offset: i64) -> i64 {
        self.x + offset
    }

    #[cached_method]
    #[allow(clippy::boxed_local)]
    fn from_box(self: Box<Self>) -> i64 {
        self.y
    }
}

#[test]
fn by_value_and_typed_receivers() {
    let p = Point { x: -3, y: 4 };
    assert_eq!(p.norm1(), 7);
    assert_eq!(p.norm1(), 7);
    assert_eq!(Point::norm1_cache().len(), 1);
    assert!(p.norm1_invalidate());
    assert_eq!(p.scaled(2), (-6, 8));
    assert_eq!(Arc::new(p).from_arc(1), -2);
    assert_eq!(Arc::new(p).from_arc(1), -2);
    assert_eq!(Point::from_arc_cache().len(), 1);
    assert!(p.from_arc_invalidate(1));
    assert_eq!(Box::new(p).from_box(), 4);
}

#[derive(Hash, PartialEq, Eq)]
struct Account(u32);

#[derive(Clone, Debug, PartialEq)]
struct Missing;

static BALANCE_CALLS: AtomicUsize = AtomicUsize::new(0);

impl Account {
    #[cached_method(name = "macros-test-balances")]
    fn balance(&self) -> Result<u64, Missing> {
        BALANCE_CALLS.fetch_add(1, Ordering::SeqCst);
        if self.0 == 0 {
            Err(Missing)
        } else {
            Ok(u64::from(self.0) * 100)
        }
    }

    /// Calls its cached sibling through `self`, as user code would.
    #[cached_method]
    fn doubled(&self) -> u64 {
        self.balance().unwrap_or(0) * 2
    }
}

#[test]
fn methods_follow_the_result_rules_and_call_each_other() {
    assert_eq!(Account(0).balance(), Err(Missing));
    assert_eq!(Account(0).balance(), Err(Missing));
    assert_eq!(Account(1).balance(), Ok(100));
    assert_eq!(Account(1).balance(), Ok(100));
    assert_eq!(BALANCE_CALLS.load(Ordering::SeqCst), 3);
    assert_eq!(Account(1).doubled(), 200);
    assert!(registry()
        .names()
        .contains(&"macros-test-balances".to_string()));
}

#[test]
fn distinct_receivers_get_distinct_entries() {
    for x in 0..1000 {
        assert_eq!(Point { x, y: 0 }.norm1(), x);
    }
    assert!(Point::norm1_cache().len() >= 1000);
}
