//! `#[cached_method]` and the cache-aside pattern: a repository reads through its cache,
//! and every write goes to the database first, then invalidates the entries it made stale.
//!
//! Run it with `cargo run --example methods`.

use cachekit::cached_method;
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, RwLock};

#[derive(Clone, Debug, PartialEq)]
struct User {
    id: u64,
    name: String,
    team: String,
}

/// Stands in for a database: a table behind a lock, with a query counter.
#[derive(Default)]
struct Database {
    users: RwLock<HashMap<u64, User>>,
    queries: AtomicUsize,
}

impl Database {
    fn select(&self, id: u64) -> Option<User> {
        self.queries.fetch_add(1, Ordering::Relaxed);
        self.users.read().unwrap().get(&id).cloned()
    }

    fn select_team(&self, team: &str) -> Vec<User> {
        self.queries.fetch_add(1, Ordering::Relaxed);
        let mut members: Vec<User> = self
            .users
            .read()
            .unwrap()
            .values()
            .filter(|user| user.team == team)
            .cloned()
            .collect();
        members.sort_by_key(|user| user.id);
        members
    }

    fn upsert(&self, user: User) {
        self.queries.fetch_add(1, Ordering::Relaxed);
        self.users.write().unwrap().insert(user.id, user);
    }
}

/// The repository of one tenant. It is not `Hash` (it holds a connection), so its methods
/// key entries by `self.tenant`: two repositories of one tenant share entries.
struct UserRepository {
    tenant: u64,
    db: Arc<Database>,
}

impl UserRepository {
    /// Read through the cache: a `None` (no such user) is not cached.
    #[cached_method(self_key = self.tenant, ttl = "10m", max_size = 10_000)]
    fn find(&self, id: u64) -> Option<User> {
        self.db.select(id)
    }

    #[cached_method(self_key = self.tenant, ttl = "1m")]
    fn team(&self, team: &str) -> Vec<User> {
        self.db.select_team(team)
    }

    /// Cache-aside write: the database first, then drop what is now stale.
    fn save(&self, user: User) {
        let old_team = self.find(user.id).map(|old| old.team);
        self.db.upsert(user.clone());
        self.find_invalidate(user.id);
        self.team_invalidate(&user.team);
        if let Some(old_team) = old_team {
            self.team_invalidate(&old_team);
        }
    }
}

/// A pure computation on a value type: `Self` is `Hash`, so it is the key.
#[derive(Clone, Copy, Hash)]
struct Rect {
    width: u32,
    height: u32,
}

impl Rect {
    #[cached_method]
    fn tiles(&self, tile: u32) -> Vec<(u32, u32)> {
        let mut tiles = Vec::new();
        for x in (0..self.width).step_by(tile as usize) {
            for y in (0..self.height).step_by(tile as usize) {
                tiles.push((x, y));
            }
        }
        tiles
    }
}

fn main() {
    let db = Arc::new(Database::default());
    let repo = UserRepository {
        tenant: 1,
        db: Arc::clone(&db),
    };
    for (id, name, team) in [(1, "ada", "core"), (2, "grace", "core"), (3, "alan", "ml")] {
        repo.save(User {
            id,
            name: name.into(),
            team: team.into(),
        });
    }
    let writes = db.queries.load(Ordering::Relaxed);

    for _ in 0..100 {
        assert_eq!(repo.find(1).unwrap().name, "ada");
        assert_eq!(repo.team("core").len(), 2);
    }
    // Another repository object of the same tenant hits the same entries.
    let same_tenant = UserRepository {
        tenant: 1,
        db: Arc::clone(&db),
    };
    assert_eq!(same_tenant.team("core").len(), 2);
    println!(
        "200 reads of 2 keys: {} database queries",
        db.queries.load(Ordering::Relaxed) - writes
    );

    // A write invalidates, the next read sees it.
    repo.save(User {
        id: 2,
        name: "grace".into(),
        team: "ml".into(),
    });
    println!(
        "after moving grace to ml: core = {:?}, ml = {:?}",
        repo.team("core")
            .iter()
            .map(|u| &u.name)
            .collect::<Vec<_>>(),
        repo.team("ml").iter().map(|u| &u.name).collect::<Vec<_>>()
    );
    println!("missing user 9 (not cached): {:?}", repo.find(9));

    let rect = Rect {
        width: 1920,
        height: 1080,
    };
    println!(
        "{} tiles of 64 px (computed once, then cached: {} entry)",
        rect.tiles(64).len(),
        {
            rect.tiles(64);
            Rect::tiles_cache().len()
        }
    );

    for (name, cache) in [
        ("UserRepository::find", UserRepository::find_cache().stats()),
        ("UserRepository::team", UserRepository::team_cache().stats()),
    ] {
        println!(
            "{name}: {} entries, {} hits, {} misses, hit rate {:.1}%",
            cache.size,
            cache.hits,
            cache.misses,
            cache.hit_rate * 100.0
        );
    }
    println!("registered: {:?}", cachekit::registry().names());
}
