//! The eviction policy of one segment: W-TinyLFU with FIFO queues and CLOCK second chances.
//!
//! New keys enter a small admission *window* (FIFO). A key leaving the window competes with
//! the *main* queue's CLOCK victim: the one the frequency sketch says was asked for more
//! often stays. Frequency admission is what keeps a useful working set on scans and loops
//! larger than the cache, where recency policies (LRU, ARC, S3-FIFO) hit nothing.
//!
//! Hits never touch this state: they bump a saturating counter inside the entry (see
//! [`Entry::touch`](crate::entry::Entry)), and the policy folds those counts into its sketch
//! when a key passes the window exit or the CLOCK hand. The segment is only ever used by
//! writers, under the write lock of its first map shard.
//!
//! The segment also keeps [`Ghosts`]: the hashes of keys it recently turned away at the
//! window exit and of keys it recently evicted from the main queue, so that the cache's
//! [`WindowClimber`](crate::climber::WindowClimber) can tell which of the two a larger share
//! would have turned into hits.
//!
//! Queues hold keys, not entries. A key removed by `remove`, an expired read or `retain`
//! stays in its queue as a *tombstone* until the policy reaches it, so removals are O(1);
//! the weight bound is tracked exactly on the side, and tombstones are compacted once they
//! outnumber live keys.

use crate::clock::{Tick, NEVER};
use std::collections::VecDeque;

/// What a segment needs from the map that holds its entries.
pub(crate) trait Store<K> {
    /// The map's hash of `key`. The policy hashes each key it handles once and passes the
    /// hash to the methods below, which would otherwise hash it again.
    fn hash_key(&mut self, key: &K) -> u64;
    /// Looks at `key`'s entry, leaving its access count as it is.
    fn inspect(&mut self, key: &K, hash: u64, now: Tick) -> Probe;
    /// Removes `key`'s entry and returns its weight, or `None` if it was absent.
    fn remove_entry(&mut self, key: &K, hash: u64, cause: Removal) -> Option<u64>;
    /// Inspects `key` (taking its access count) and removes it if `decide` says so, in one
    /// map operation; returns the weight removed. Expired entries are counted as
    /// expirations, others as evictions. `decide` is not called for an absent key.
    fn remove_if(
        &mut self,
        key: &K,
        hash: u64,
        now: Tick,
        decide: impl FnOnce(Probe) -> bool,
    ) -> Option<u64>;
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Probe {
    Absent,
    Expired,
    Live { accesses: u64, deadline: Tick },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Removal {
    Evicted,
    Expired,
}

/// Second chances the CLOCK hand gives before it evicts whatever it holds: bounds the work
/// of one eviction when every entry is hot. The bound only caps the worst case: each second
/// chance uses up at least one hit, so over a run the hand passes no more keys than there
/// were evictions and hits, whatever the bound.
///
/// 16 made the hand evict keys that had been hit since its last pass whenever 16 such keys
/// stood in a row, which happens often when the hot set nearly fills the cache. 256 gives
/// (BENCHMARKS.md workloads, 3 / 5 hash seeds) a summed deficit to target of -0.45 / -0.40
/// instead of -1.51 / -1.28: `cs` C=1000 +1.1, `ps` C=1000 +0.4 / +0.7, `gli` C=1000 +0.6 /
/// +0.7, `cpp` C=100 +0.4; `OLTP` C=256-1000 lose 0.6-1.4 but stay 4-6 points above
/// target. 64 scores about the same with 3 seeds (-0.44) but not with 5 (-0.79); no bound
/// scores the same as 256.
const MAX_SECOND_CHANCES: usize = 256;

/// The most accesses one pass of the CLOCK hand folds into the sketch, however many hits the
/// entry counted since the last pass. A burst of hits within one pass is mostly one use (a
/// block read several times in a row, say); folded whole, it saturated the key's counters,
/// and the key, hot once, then beat every newcomer at admission long after it cooled down.
/// Measured over the BENCHMARKS.md workloads (3 hash seeds): `sprite` C=500 +4.7 points at
/// a fixed 1% window; summed deficit to target 33.8 -> 21.3 with the old hill climber, and
/// 19.7 -> 9.0 with the ghost-driven one. Capping the window's hits too changes nothing, and
/// aging the folded hits by the sketch halvings since the last pass (instead of a cap)
/// gained only 1 point on `sprite`. The cap is 2 since the sketch has 32 counters per entry
/// and a doorkeeper (see [`FrequencySketch`]): with them, a cap of 3 scores 9 / -8.26
/// instead of 7 / -5.99 (misses / summed deficit to target, 3 hash seeds; `cpp` C=100 -1.6
/// points); 1 loses `multi1` C=500 0.5 (with 64 counters), 5 loses on most traces.
///
/// In segments above [`SMALL_SEGMENT`], a key passed while the hand runs for a window
/// candidate folds more than this if its hits take it to one above the candidate's estimate,
/// and no further. The cap is there so that a burst does not lift a key above newcomers long
/// after it cooled down, not to let a resident's hits count for less than a newcomer's
/// misses: a key whose hits wait in its entry for the hand, which barely moves while
/// candidates lose to the kept victim, fell behind keys that count every miss, and once
/// candidates beat it the queue churned. `zigzag` (a sweep up and down over 2C keys, every
/// key equally frequent: any stable set of C keys hits half the time) lost 1.4 points to
/// moka at C=1000 that way. Measured (BENCHMARKS.md workloads, 8 / 12 random hash seeds):
/// 1 miss / -0.36 and 1 / -0.25 (`zigzag` C=1000) before, 0 misses after: `zigzag` C=1000
/// +0.60 / +0.57 (44.8-46.4 per seed before, 45.7-46.6 after), `OLTP` C=512 -0.2 (-0.6 with
/// the fixed seeds, 4.6 above target), no other point moves by 0.2. Folding up to the
/// candidate's estimate (not one above) gains `zigzag` only 0.37; up to two above loses
/// `cs` C=1000 0.4; without a cap when a candidate is running, `zigzag` gains no more
/// (+0.65) and `sprite`, `OLTP`, `multi2` and `P3` lose 0.6-3.5; in segments of at most
/// [`SMALL_SEGMENT`] (fold cap 1) it loses `cpp` C=100 0.7, below target.
const MAX_FOLDED_ACCESSES: u64 = 2;

/// A candidate turned away at the window exit counts as turned away for the
/// [`WindowClimber`](crate::climber::WindowClimber) (see [`Ghosts`]) only if its estimate,
/// window hits included, is more than this below the victim's. A miss on a key turned away
/// is taken as evidence that recency (a larger window) would have beaten frequency; when
/// the two estimates are equal or one apart, the sketch did not tell the keys apart, and the
/// candidate lost only because the incumbent wins ties (which loops need). A count of one
/// is within the sketch's own blur: a halving truncates odd counts, the doorkeeper absorbs
/// a key's first miss of each period, and a resident's hits reach the sketch only when the
/// hand passes (capped) while a candidate's misses count at once.
///
/// Why: on `zigzag` (sweeps up and down over 2C keys, every key equally frequent, so any
/// stable set of C keys hits half the time) candidates turned away next to the turning
/// points come back within the ghosts' reach, and a frozen main queue never evicts, so the
/// main side had no misses to weigh against them: the window stepped 1% -> 11% -> 21% in
/// the trace's two samples; the first step cost 100-670 hits (the second about 50) in the
/// churn that replaced part of a stable set (C=1000: 45.7-46.6 per seed, target 46.26; with
/// the window held at 1%, 46.9-47.1). Measured (BENCHMARKS.md workloads, 8 / 12 random
/// hash seeds): 1 miss / -0.04 (`zigzag` C=1000) and 0 misses before, 0 and 0 after:
/// `zigzag` C=1000 +0.61 / +0.55 (46.62-47.05 per seed),
/// `OLTP` C=256 / 512 / 1000 / 2000 +0.46 / +1.43 / +1.59 / +0.60 (8 seeds), `sprite` C=100
/// +0.5, `multi2` C=100 +0.3, `sprite` C=1000 -0.17 / -0.18 (0.26 above target); no other
/// point moves by 0.15. A margin of 0 (ties only) gains `zigzag` only 0.26 (the window
/// still steps in half the seeds); 2 loses `sprite` C=1000 1.0, below target.
const CLEAR_MARGIN: u64 = 1;

/// Segments of at most this capacity fold at most one access per pass instead of
/// [`MAX_FOLDED_ACCESSES`]. A pass of the hand over a small segment spans few requests
/// (about capacity / miss rate: ~400 on `cpp` at C=100, against 4000+ at C=1000), so two
/// hits within one pass there are more often one burst than two separate uses. Measured
/// (BENCHMARKS.md workloads, fold cap 1 against 2 at one capacity, 3 hash seeds): C=100
/// `cpp` +0.56, `sprite` +0.63, `multi2` +0.34, `zigzag`/`gli` -0.36 (both far above
/// target); OLTP C=256 +0.59; C=200 +0.5 and C=300 -0.3 summed over nine LIRS traces; C=500
/// loses on most (`multi1` -0.6). Score 7 / -5.99 -> 7 / -4.80 (3 seeds), 6 / -6.19 ->
/// 6 / -5.30 (5 seeds). Segments of multi-segment caches (512 entries and more) are unchanged.
///
/// Small segments also count every hit the hand finds towards the sketch's halving period,
/// not just the one they fold, and halve after 18 x capacity instead of 25 x (see
/// [`SMALL_SEGMENT_SAMPLE_FACTOR`]).
///
/// A fill key (see [`Segment::fill_credits`]) of a small segment keeps its credit however
/// many candidates it turns away with it; in larger segments the credit wins one comparison.
const SMALL_SEGMENT: u64 = 256;

pub(crate) struct Segment<K> {
    window: VecDeque<K>,
    main: VecDeque<K>,
    sketch: FrequencySketch,
    /// Live entries and their total weight: exact, unlike the queue lengths. The total is
    /// wider than a weight so that weights near `u64::MAX` add up without overflow.
    pub(crate) entries: usize,
    pub(crate) weight: u128,
    pub(crate) capacity: u64,
    /// No entry inserted since the last sweep expires before this tick.
    next_expiry: Tick,
    last_sweep: Tick,
    min_sweep_gap: Tick,
    /// Inserts since the last sweep (see `sweep_allowed`).
    inserts_since_sweep: usize,
    /// The admission window's share of the queued keys, in parts per million; set by the
    /// cache's [`WindowClimber`](crate::climber::WindowClimber) before each `make_room`.
    window_ppm: u64,
    /// Inserts since the cache last let its climber look at the hit rate.
    pub(crate) inserts_since_climb: u64,
    /// The main queue's front key, as the CLOCK hand last left it: kept against a
    /// candidate, with no accesses pending then.
    kept_victim: Option<KeptVictim>,
    pub(crate) ghosts: Ghosts,
    /// Whether the segment has evicted since it was created or cleared.
    filled: bool,
    /// *Fill credits*: how many keys at the front of the main queue moved there while the
    /// segment was still filling and have not been passed by the CLOCK hand since. Such a
    /// key never competed for its place, and the doorkeeper absorbed the one sighting it
    /// has, so its estimate is 0 and the first candidate seen twice would displace it. The
    /// hand counts a fill key whose estimate is 0 as 1, as if the doorkeeper had let that
    /// sighting through, until it passes the key, the sketch first halves (which would have
    /// halved such a count to 0), or (segments above [`SMALL_SEGMENT`]) the credit has
    /// turned one candidate away.
    ///
    /// Why: the fill keys of loop-like program traces are their hottest keys (the first
    /// 1000 keys of `multi3` are asked for 14.5 times each, the trace's average is 4.1),
    /// and without the credit the hand evicted them at requests 3k-6k, 1k-3k requests
    /// before their next use, for candidates seen twice that were mostly evicted again
    /// unused; quick_cache, which keeps the keys it filled with until recency evidence
    /// displaces them, hit 1.3 points more there. Measured (BENCHMARKS.md workloads, 8 / 12
    /// random hash seeds): 1 miss / -0.21 and 1 / -0.22 (`multi3` C=1000) before, 0 misses
    /// after: `multi3` C=1000 +0.59, `cs` C=1000 +2.0 to +2.3, `gli` C=100 / 500 / 1000
    /// +1.4 / +1.3 / +0.35, `multi1` / `multi2` C=1000 +0.45 to +0.6, `ps` C=1000 +0.3 to
    /// +0.45, `zigzag` C=100 +0.2 / +0.33; `multi3` / `ps` / `multi1` C=100 and `OLTP`
    /// C=1000 -0.2 to -0.33, `cs` / `ps` C=500 -0.24 to -0.35, no other point moves by 0.2
    /// (`P3` C=100k -0.08). With the tuner's fixed seeds (3 / 5) `zigzag` C=1000 loses 1.0 /
    /// 0.8 and passes by 0.02 / 0.15; with random seeds it does not move (44.5-46.9 per
    /// seed before and after, the target is 45.5): its score hangs on which key stalls the
    /// hand early on.
    ///
    /// The credit must not outlive its use. Kept without limit, it costs `P3` C=50k / 100k
    /// 0.7 (a workload shift right after the fill is held off while candidates seen twice
    /// lose to credited keys; their misses do not reach the climber's ghosts at the short
    /// distances the ghosts look at, so they cannot end the credit), 0.5 below target. One
    /// win per key in segments above [`SMALL_SEGMENT`] keeps `P3` within 0.1; two wins lose
    /// it 0.33 (below target). In small segments one win leaves `gli` C=100 0.08 below
    /// target (8 seeds): the boundary between the two is the existing one, chosen for that
    /// point, not derived. Expiry after a number of window exits does not work: `multi3`
    /// C=1000 needs the credit for about 3 x C exits, `P3` C=100k loses past C / 2.
    ///
    /// Cost: one counter decrement per key the hand takes from the front while credits
    /// remain, and one sketch estimate (no map operation) for a candidate that loses to a
    /// credited key; no memory beyond these fields.
    fill_credits: usize,
    /// The credit of the key at the front of the main queue won a comparison (segments
    /// above [`SMALL_SEGMENT`] only); cleared when the hand moves on.
    front_credit_spent: bool,
}

/// What the CLOCK hand learnt of the victim it kept, valid while nothing but the policy has
/// touched the segment's entries since.
///
/// Under churn most candidates lose to the same victim, insert after insert, and looking
/// the victim up again each time was a third of an evicting insert's map operations. While
/// this is valid, a candidate no more frequent than the victim loses without that lookup;
/// one that may win goes through the hand as usual, which looks the victim up and gives it
/// its second chance if it was read meanwhile.
#[derive(Clone, Copy)]
struct KeptVictim {
    hash: u64,
    deadline: Tick,
    /// The victim's estimate, exact while the sketch has not halved since: increments can
    /// only raise it, so a candidate no more frequent than this is no more frequent now.
    frequency: u64,
    halvings: u64,
    /// The victim holds a fill credit, and whether the credit raised `frequency`.
    fill: bool,
    credited: bool,
}

impl<K> Segment<K> {
    pub(crate) fn new(capacity: u64, min_sweep_gap: Tick) -> Self {
        Self {
            window: VecDeque::new(),
            main: VecDeque::new(),
            sketch: FrequencySketch::new(capacity),
            entries: 0,
            weight: 0,
            capacity,
            next_expiry: NEVER,
            last_sweep: 0,
            min_sweep_gap,
            inserts_since_sweep: 0,
            window_ppm: 0,
            inserts_since_climb: 0,
            kept_victim: None,
            ghosts: Ghosts::new(capacity),
            filled: false,
            fill_credits: 0,
            front_credit_spent: false,
        }
    }

    /// Takes the segment's share of the cache's requests so far (hits and misses), which
    /// bounds the sketch's halving period in large segments (see [`LARGE_SEGMENT`]). Called
    /// with the climber's reports, once per `capacity` inserts.
    pub(crate) fn on_requests(&mut self, requests: u64) {
        self.sketch.on_requests(requests);
    }

    /// Records a key newly stored in the map.
    #[inline]
    pub(crate) fn on_insert(&mut self, key: K, hash: u64, weight: u64, deadline: Tick) {
        self.sketch.record_miss(hash);
        self.ghosts.on_miss(hash);
        self.window.push_back(key);
        self.inserts_since_sweep += 1;
        self.entries += 1;
        self.weight += u128::from(weight);
        self.next_expiry = self.next_expiry.min(deadline);
    }

    /// Records the removal of a key's entry by someone other than the policy.
    pub(crate) fn on_remove(&mut self, weight: u64) {
        self.kept_victim = None;
        self.account_removal(weight);
    }

    /// Records that a stored key's entry was replaced by one that lives until `deadline`.
    pub(crate) fn on_replace(&mut self, deadline: Tick) {
        self.kept_victim = None;
        self.next_expiry = self.next_expiry.min(deadline);
    }

    #[inline]
    fn account_removal(&mut self, weight: u64) {
        self.entries -= 1;
        self.weight -= u128::from(weight);
    }

    pub(crate) fn clear(&mut self) {
        self.kept_victim = None;
        self.window = VecDeque::new();
        self.main = VecDeque::new();
        self.sketch = FrequencySketch::new(self.capacity);
        self.filled = false;
        self.fill_credits = 0;
        self.front_credit_spent = false;
        self.entries = 0;
        self.weight = 0;
        self.next_expiry = NEVER;
    }

    /// Evicts until the segment is within its bound: expired entries first (by a sweep when
    /// one is known to be due), then by policy.
    /// With `keep_newest`, the key at the back of the window (the one just inserted) is not
    /// evicted: an insert's own entry is there when it returns, as in Caffeine, whose
    /// window never has fewer than one entry.
    pub(crate) fn make_room(
        &mut self,
        store: &mut impl Store<K>,
        now: Tick,
        window_ppm: u64,
        keep_newest: bool,
    ) {
        self.window_ppm = window_ppm;
        // While there is room, window overflow moves on to the main queue as it is, access
        // counts and all: there is nothing yet to compete with.
        while !self.over_capacity() && self.window_over_share() {
            if let Some(key) = self.window.pop_front() {
                self.main.push_back(key);
                if !self.filled {
                    self.fill_credits += 1;
                }
            }
        }
        if !self.over_capacity() {
            return;
        }
        self.filled = true;
        if self.fill_credits > 0 && self.sketch.halvings > 0 {
            self.end_fill_credits();
        }
        if self.next_expiry <= now && self.sweep_allowed(now) {
            self.sweep(store, now);
        }
        while self.over_capacity() {
            let window_may_evict = self.window.len() > usize::from(keep_newest);
            let progressed =
                if (self.window_over_share() || self.main.is_empty()) && window_may_evict {
                    self.evict_via_window(store, now)
                } else {
                    self.evict_from_main(store, now)
                };
            if !progressed {
                debug_assert!(false, "segment over its bound with empty queues");
                break;
            }
        }
        if self.window.len() + self.main.len() > 2 * self.entries + 64 {
            self.compact(store, now);
        }
    }

    /// Whether a segment that may hold expired entries (and needs room) may sweep now.
    ///
    /// A sweep is O(segment): a segment whose entries expire one by one would sweep on every
    /// insert. So a sweep waits for the minimum gap (a second at most) since the last one,
    /// or for inserts since then to reach half the segment's entries, which bounds the
    /// sweeping to two entry probes per insert. Waiting for the gap alone let a live entry
    /// be evicted while expired ones waited for up to a second, however many inserts came.
    #[inline]
    fn sweep_allowed(&self, now: Tick) -> bool {
        now.saturating_sub(self.last_sweep) >= self.min_sweep_gap
            || 2 * self.inserts_since_sweep >= self.entries
    }

    fn end_fill_credits(&mut self) {
        self.fill_credits = 0;
        self.kept_victim = None;
    }

    #[inline]
    fn over_capacity(&self) -> bool {
        self.weight > u128::from(self.capacity)
    }

    #[inline]
    fn window_over_share(&self) -> bool {
        let queued = (self.window.len() + self.main.len()) as u64;
        self.window.len() as u64 * 1_000_000 > queued * self.window_ppm
    }

    /// Removes every expired entry (and tombstone) of the segment; returns how many entries.
    pub(crate) fn sweep(&mut self, store: &mut impl Store<K>, now: Tick) -> usize {
        // Removals from the middle of the main queue would shift the credited keys.
        self.end_fill_credits();
        let mut removed = 0;
        let mut next_expiry = NEVER;
        for queue in [&mut self.window, &mut self.main] {
            queue.retain(|key| {
                let hash = store.hash_key(key);
                match store.inspect(key, hash, now) {
                    Probe::Absent => false,
                    Probe::Expired => {
                        if let Some(weight) = store.remove_entry(key, hash, Removal::Expired) {
                            self.entries -= 1;
                            self.weight -= u128::from(weight);
                            removed += 1;
                        }
                        false
                    }
                    Probe::Live { deadline, .. } => {
                        next_expiry = next_expiry.min(deadline);
                        true
                    }
                }
            });
        }
        self.next_expiry = next_expiry;
        self.last_sweep = now;
        self.inserts_since_sweep = 0;
        removed
    }

    /// Keys of the segment's live entries (and possibly some tombstones), for `retain`.
    pub(crate) fn keys(&self) -> impl Iterator<Item = &K> {
        self.window.iter().chain(self.main.iter())
    }

    fn compact(&mut self, store: &mut impl Store<K>, now: Tick) {
        self.end_fill_credits();
        for queue in [&mut self.window, &mut self.main] {
            queue.retain(|key| {
                let hash = store.hash_key(key);
                store.inspect(key, hash, now) != Probe::Absent
            });
        }
    }

    #[inline]
    fn evict(&mut self, store: &mut impl Store<K>, key: &K, hash: u64) {
        if let Some(weight) = store.remove_entry(key, hash, Removal::Evicted) {
            self.account_removal(weight);
        }
    }

    /// Takes the window's oldest key and lets it compete with the main queue's victim.
    /// Returns `false` only when there was nothing to take.
    ///
    /// The candidate is first judged on its sketch estimate alone, which usually settles
    /// it in one map operation (the victim's). Only a candidate about to lose is looked at:
    /// in the same operation that would evict it, its hits in the window are folded in,
    /// and if they make it the more frequent, the victim goes instead.
    #[inline]
    fn evict_via_window(&mut self, store: &mut impl Store<K>, now: Tick) -> bool {
        let Some(candidate) = self.window.pop_front() else {
            return false;
        };
        let candidate_hash = store.hash_key(&candidate);
        let frequency = self.sketch.estimate(candidate_hash);
        let kept = self.kept_victim.filter(|kept| {
            now < kept.deadline
                && kept.halvings == self.sketch.halvings
                && frequency <= kept.frequency
        });
        // Either way, the victim is at the front of the main queue from here on.
        let victim = match kept {
            Some(kept) => kept,
            None => match self.run_hand(store, now, Some(frequency)) {
                Hand::MadeRoom => {
                    self.ghosts.on_window_exit(candidate_hash, false);
                    self.main.push_back(candidate);
                    return true;
                }
                Hand::KeptVictim(victim) => victim,
            },
        };
        let mut present = false;
        let mut window_hits = 0;
        let removed = store.remove_if(&candidate, candidate_hash, now, |probe| match probe {
            Probe::Absent => false,
            Probe::Expired => true,
            Probe::Live { accesses, .. } => {
                present = true;
                window_hits = accesses;
                frequency + accesses <= victim.frequency
            }
        });
        if window_hits > 0 {
            self.sketch.increment(candidate_hash, window_hits);
        }
        if present && removed.is_none() {
            self.kept_victim = None;
            self.front_credit_spent = false;
            if victim.fill {
                self.fill_credits -= 1;
            }
            if let Some(victim_key) = self.main.pop_front() {
                self.evict(store, &victim_key, victim.hash);
            }
            self.ghosts.on_window_exit(candidate_hash, false);
            self.ghosts.on_main_eviction(victim.hash);
            self.main.push_back(candidate);
        } else {
            // The candidate lost (or was a tombstone): the victim stays at the hand.
            // The tests below are worked out in full, without short-circuits: as branches,
            // the one on the victim's estimate was mispredicted on a sixth of evicting
            // inserts of distinct keys (cachegrind).
            //
            // Hits the candidate had in the window count twice here (once more than in the
            // comparison it lost): a candidate asked for again while in the window rarely
            // counts as turned away. Counted once, more such candidates fed the climber's
            // evidence for a larger window, and `OLTP` C=512 / 1000 / 2000 lost 0.6 / 1.0 /
            // 0.3 points (8 random hash seeds); counted twice, no BENCHMARKS.md point moves.
            // (Before, the kept-victim path counted them twice by re-estimating after the
            // fold, the other path once.)
            let frequency = frequency + 2 * window_hits;
            // Only a candidate the sketch clearly rated below the victim is recorded as
            // turned away (see `CLEAR_MARGIN`). That leaves out one only a fill credit
            // turned away (the credited victim's estimate is 0, the candidate's 1 or more):
            // the credit is gone soon, and counted, such candidates made the climber's first
            // sample step the window up on Zipf (s=0.99 / 0.8 C=10000 -0.5, C=1000 -0.2).
            let by_credit = present & victim.credited & (frequency > 0);
            let clearly_less_frequent = present
                & (victim.frequency > CLEAR_MARGIN)
                & (frequency + CLEAR_MARGIN < victim.frequency);
            self.ghosts
                .on_window_exit(candidate_hash, clearly_less_frequent);
            if let Some(weight) = removed {
                self.account_removal(weight);
            }
            self.kept_victim = Some(KeptVictim {
                halvings: self.sketch.halvings,
                ..victim
            });
            if by_credit && self.capacity > SMALL_SEGMENT {
                // Spent: the next candidate is compared with the victim's own estimate.
                self.front_credit_spent = true;
                self.kept_victim = None;
            }
        }
        true
    }

    fn evict_from_main(&mut self, store: &mut impl Store<K>, now: Tick) -> bool {
        if self.main.is_empty() {
            return false;
        }
        self.run_hand(store, now, None);
        true
    }

    /// Runs the CLOCK hand over the main queue until it removes an entry or the queue is
    /// empty. Keys accessed since the hand last passed get a second chance (their accesses
    /// are folded into the sketch); tombstones are dropped; expired entries are removed. The
    /// first key without a second chance is the victim: it is removed unless a window
    /// candidate is competing and is not more frequent, in which case the victim is kept
    /// and handed back.
    #[inline]
    fn run_hand(
        &mut self,
        store: &mut impl Store<K>,
        now: Tick,
        candidate_frequency: Option<u64>,
    ) -> Hand {
        self.kept_victim = None;
        let mut chances = 0;
        while let Some(key) = self.main.pop_front() {
            let hash = store.hash_key(&key);
            let mut victim_frequency = self.sketch.estimate(hash);
            let own_frequency = victim_frequency;
            let fill = self.fill_credits > 0;
            let credited = fill && victim_frequency == 0 && !self.front_credit_spent;
            if fill {
                self.fill_credits -= 1;
            }
            if credited {
                victim_frequency = 1;
            }
            let give_chance = chances < MAX_SECOND_CHANCES;
            let mut step = Step::Tombstone;
            let mut evicted = false;
            let removed = store.remove_if(&key, hash, now, |probe| match probe {
                Probe::Absent => false,
                Probe::Expired => {
                    step = Step::Removed;
                    true
                }
                Probe::Live { accesses, .. } if accesses > 0 && give_chance => {
                    step = Step::SecondChance(accesses);
                    false
                }
                Probe::Live { deadline, .. } => match candidate_frequency {
                    Some(candidate) if candidate <= victim_frequency => {
                        step = Step::Kept(deadline);
                        false
                    }
                    _ => {
                        step = Step::Removed;
                        evicted = true;
                        true
                    }
                },
            });
            match step {
                Step::Tombstone => self.front_credit_spent = false,
                Step::Removed => {
                    self.front_credit_spent = false;
                    if evicted {
                        self.ghosts.on_main_eviction(hash);
                    }
                    if let Some(weight) = removed {
                        self.account_removal(weight);
                    }
                    return Hand::MadeRoom;
                }
                Step::SecondChance(accesses) => {
                    self.front_credit_spent = false;
                    chances += 1;
                    if self.capacity <= SMALL_SEGMENT {
                        self.sketch.increment(hash, accesses.min(1));
                        // The hits the cap leaves out still age the sketch.
                        self.sketch.count_uses(accesses.saturating_sub(1));
                    } else {
                        // Up to one above the candidate the hand is running for, if the
                        // key's hits reach that far (see `MAX_FOLDED_ACCESSES`).
                        let cap = candidate_frequency.map_or(MAX_FOLDED_ACCESSES, |candidate| {
                            MAX_FOLDED_ACCESSES.max((candidate + 1).saturating_sub(own_frequency))
                        });
                        self.sketch.increment(hash, accesses.min(cap));
                    }
                    self.main.push_back(key);
                }
                Step::Kept(deadline) => {
                    self.main.push_front(key);
                    if fill {
                        self.fill_credits += 1;
                    }
                    return Hand::KeptVictim(KeptVictim {
                        hash,
                        deadline,
                        frequency: victim_frequency,
                        halvings: self.sketch.halvings,
                        fill,
                        credited,
                    });
                }
            }
        }
        Hand::MadeRoom
    }
}

/// What the CLOCK hand did: made room (removed an entry, or found nothing to remove), or
/// kept its victim (with what it learnt of it) against a candidate no more frequent, at the
/// front of the main queue.
enum Hand {
    MadeRoom,
    KeptVictim(KeptVictim),
}

enum Step {
    Tombstone,
    Removed,
    SecondChance(u64),
    Kept(Tick),
}

/// The hashes of the keys a segment recently turned away at the window exit (clearly less
/// frequent than the victim, see [`CLEAR_MARGIN`]) and evicted from the main queue, stamped
/// with how many of those events had happened then. A miss on a key turned away fewer than
/// `reach` window exits ago is a hit that a window `reach` keys larger would have had; a
/// miss on a key evicted fewer than `reach` main evictions ago, one that a main queue
/// `reach` keys larger would have had. Both are counted over the same requests,
/// so the [`WindowClimber`](crate::climber::WindowClimber) compares them directly, where
/// comparing hit rates of consecutive samples mostly measured how the workload changed.
///
/// Direct-mapped: each slot pair holds one turned-away and one evicted key (a 32-bit tag and
/// a 32-bit stamp each); a newer key takes over its slot. Large segments record only a
/// sample of keys (by hash) and weigh each sampled miss accordingly, so the table stays
/// within [`MAX_GHOST_SLOTS`].
///
/// Cost: a few arithmetic operations and one store per window exit and main eviction, and a
/// few operations and one load per miss; no map operation.
pub(crate) struct Ghosts {
    /// Pairs of slots: turned away at the window exit, evicted from main.
    slots: Box<[u64]>,
    /// Bits of the spread hash that pick a slot pair.
    index_bits: u32,
    /// Keys whose spread hash has none of these bits set are recorded.
    sample_mask: u64,
    window_exits: u32,
    main_evictions: u32,
    reach: u32,
    /// Misses on recently turned-away keys, and on recently evicted ones, since last taken.
    window_misses: u64,
    main_misses: u64,
}

/// 2048 slots of 8 bytes: 16 KiB per segment, at most 0.25 bytes per entry for segments of
/// 64k entries and more (a 1M-entry cache on 2 cores has 16 segments: 256 KiB).
const MAX_GHOST_SLOTS: u64 = 1 << 11;

impl Ghosts {
    fn new(capacity: u64) -> Self {
        // Half the climber's step: evidence about the window's next step, not beyond it.
        let reach = (capacity / 20).clamp(1, u64::from(u32::MAX / 2));
        // Twice as many pairs as keys within reach, so that few are overwritten while
        // they still count.
        let wanted = (4 * reach).next_power_of_two();
        let slots = wanted.clamp(16, MAX_GHOST_SLOTS);
        Self {
            // One more than the pairs: the spare slot (see `on_window_exit`).
            slots: vec![0; slots as usize + 1].into_boxed_slice(),
            index_bits: (slots / 2).trailing_zeros(),
            sample_mask: (wanted / slots).max(1) - 1,
            window_exits: 0,
            main_evictions: 0,
            reach: reach as u32,
            window_misses: 0,
            main_misses: 0,
        }
    }

    /// A slot outside every pair: written to, never read.
    #[inline]
    fn spare_slot(&self) -> usize {
        self.slots.len() - 1
    }

    /// The key's slot pair and tag, if the key is in the sample.
    #[inline]
    fn locate(&self, hash: u64) -> Option<(usize, u64)> {
        let spread = (hash ^ (hash >> 29)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        if (spread >> 32) & self.sample_mask != 0 {
            return None;
        }
        // At least 8 pairs (see `new`), so the shift is below 64.
        let pair = (spread >> (64 - self.index_bits)) as usize;
        Some((2 * pair, spread << 32))
    }

    #[inline]
    fn on_window_exit(&mut self, hash: u64, turned_away: bool) {
        self.window_exits = self.window_exits.wrapping_add(1);
        if let Some((slot, tag)) = self.locate(hash) {
            // Whether a candidate was turned away is close to a coin flip: written as a
            // branch, it was mispredicted on a quarter of evicting inserts (cachegrind). So the
            // stamp is always written, to a spare slot that nothing reads when the
            // candidate does not count.
            let target = if turned_away { slot } else { self.spare_slot() };
            self.slots[target] = tag | u64::from(self.window_exits);
        }
    }

    #[inline]
    fn on_main_eviction(&mut self, hash: u64) {
        self.main_evictions = self.main_evictions.wrapping_add(1);
        if let Some((slot, tag)) = self.locate(hash) {
            self.slots[slot + 1] = tag | u64::from(self.main_evictions);
        }
    }

    /// Records a miss (an insert of a key not stored).
    #[inline]
    fn on_miss(&mut self, hash: u64) {
        let Some((slot, tag)) = self.locate(hash) else {
            return;
        };
        let weight = self.sample_mask + 1;
        let (turned_away, evicted) = (self.slots[slot], self.slots[slot + 1]);
        if turned_away & !u64::from(u32::MAX) == tag {
            self.slots[slot] = 0;
            if self.window_exits.wrapping_sub(turned_away as u32) < self.reach {
                self.window_misses += weight;
            }
        } else if evicted & !u64::from(u32::MAX) == tag {
            self.slots[slot + 1] = 0;
            if self.main_evictions.wrapping_sub(evicted as u32) < self.reach {
                self.main_misses += weight;
            }
        }
    }

    /// Takes the misses counted since the last call: (on keys recently turned away at the
    /// window exit, on keys recently evicted from the main queue).
    pub(crate) fn take_misses(&mut self) -> (u64, u64) {
        (
            std::mem::take(&mut self.window_misses),
            std::mem::take(&mut self.main_misses),
        )
    }
}

/// A count-min sketch of 4-bit counters that halves itself periodically, so it estimates
/// how often a key was asked for recently (TinyLFU). A key's four counters (one per row)
/// sit in one 32-byte block, so an update or estimate touches one cache line.
///
/// A *doorkeeper* (TinyLFU's) in front of it absorbs each key's first miss since the last
/// halving: one bit per hash, set on that first miss; only later misses (and all hits) reach
/// the counters. Under a long tail most keys are asked for once, and their increments were
/// most of the counters' collision noise, which let rare keys outbid the resident ones.
/// Candidate and victim alike have been seen once (both were inserted), so estimates leave
/// the doorkeeper bit out and compare as before.
pub(crate) struct FrequencySketch {
    blocks: Box<[[u64; 4]]>,
    block_mask: usize,
    additions: u64,
    sample_size: u64,
    /// How many times the counts have halved.
    halvings: u64,
    /// The doorkeeper's bits, cleared at each halving.
    door: Box<[u64]>,
    /// Shift that turns a spread hash into a doorkeeper bit index.
    door_shift: u32,
    /// Requests after which the counts halve anyway (segments above [`LARGE_SEGMENT`]; 0:
    /// never), the segment's request count as last reported, and that count at the last
    /// halving (see [`Self::on_requests`]).
    request_period: u64,
    requests: u64,
    requests_at_halving: u64,
}

/// Doorkeeper bits per entry: 16 (2 bytes), capped at [`MAX_DOOR_BITS`] (64 in segments of
/// [`MEDIUM_SEGMENT`] to [`LARGE_SEGMENT`] entries, see
/// [`MEDIUM_SEGMENT_DOOR_BITS_PER_ENTRY`]). Measured with the other settings of this file
/// (BENCHMARKS.md workloads; score as misses / summed deficit to target, 3 and 5 hash
/// seeds): no doorkeeper 8 / -8.47 and 7 / -8.37, 16 bits 7 / -5.99
/// and 6 / -6.19. With halving at 20 x capacity: 32 bits lose `cs` C=1000 (-2.3 below
/// target with 5 seeds, against -1.1), 8 bits leave Zipf s=0.8 C=1000 0.6 short.
const DOOR_BITS_PER_ENTRY: u64 = 16;

/// 65536 bits: 8 KiB per segment, so 128 KiB (0.13 bytes per entry) for a 1M-entry cache
/// on 2 cores (16 segments). A segment that sees many more distinct keys per halving fills
/// its doorkeeper, which then lets every miss through, as if there were none.
const MAX_DOOR_BITS: u64 = 1 << 16;

/// The halving period of segments of at most [`SMALL_SEGMENT`] capacity, which also count
/// every hit the hand finds as an addition, not just the one they fold. With the fold cap of
/// 1 and the doorkeeper, additions there were so few that `cpp` (9k requests, 76% hits)
/// never halved at C=100, and it missed keys with few earlier uses coming back at reuse
/// distances of 50-150 that mini-moka (window-less TinyLFU halving every 10 x C reads) hits:
/// 133 such requests against 60 the other way. Measured (BENCHMARKS.md workloads, 3 / 5 / 8
/// hash seeds): `cpp` C=100 +0.70 / +0.67 / +0.71 (12 random seeds: 75.99-76.42 before,
/// 76.84-77.29 after), `ps` +0.3 to +0.8, `multi1`-`multi3` and `sprite` +0.1 to +0.35,
/// `gli` +0.2 (5 and 8 seeds), `zigzag` -0.3 to -0.7 (still 1.3 above target), all at C=100;
/// no other point moves by 0.2. Counting the uncapped hits in every segment (at 25 x) loses
/// OLTP C=512/1000 0.5 and Zipf s=0.8 C=1000 0.1. Factors 10 / 12 / 15 / 16 / 17 / 20 / 22
/// at C=100 (3-5 seeds): `cpp` +0.3 to +0.67 from 12 to 20 (+0.07 at 22), but `zigzag` -1.2
/// to -1.5 at 10 and 20, `gli` -0.3 at 15 (below target with 5 seeds), `cs` -0.5 / -1.2 at
/// 10 / 12; 18 is the only one that loses no point more than 0.35 with 5 seeds.
const SMALL_SEGMENT_SAMPLE_FACTOR: u64 = 18;
/// Segments of this capacity up to [`LARGE_SEGMENT`] have a larger doorkeeper
/// ([`MEDIUM_SEGMENT_DOOR_BITS_PER_ENTRY`]) and a shorter halving period
/// ([`MEDIUM_SEGMENT_SAMPLE_FACTOR`]). On 2 cores these are the segments of every cache of
/// 512 entries (the cache's minimum segment capacity) to 16k entries: one segment below
/// 1024 entries, then 2-16 segments of 512-1023 entries.
const MEDIUM_SEGMENT: u64 = 512;
/// Doorkeeper bits per entry in segments of [`MEDIUM_SEGMENT`] to [`LARGE_SEGMENT`]
/// entries: 64, so 32768-65536 bits (4-8 KiB per segment, up to 128 KiB for a cache of 16k
/// entries; larger segments are capped at [`MAX_DOOR_BITS`] as before, so a 1M-entry cache is
/// unchanged). Under a long tail such a segment sees many more distinct keys per halving
/// than it holds: on Zipf s=0.8 at C=1000 (one segment) 16 bits per entry were 73% set when
/// the sketch halved, so about three in four first sightings of a one-off key passed as seen
/// and reached the counters. That noise let keys of the tail tie with or beat resident keys
/// of rank 300-1500 (of the 1000 most popular keys, ours held those of rank 600-1000 42% of
/// the time, quick_cache 51%; 19.3% hits against quick_cache's 20.0% once settled). At 64
/// bits the doorkeeper is 30% set at halvings, and those keys are held 52% of the time.
/// A doorkeeper that absorbs more first misses also makes fewer additions, which lengthened
/// the halving period in requests (29k -> 45k requests at Zipf s=0.8 C=1000): alone, the
/// larger doorkeeper lost `zigzag` C=1000 0.54 (0.05 above target) and `OLTP` C=1000 1.0,
/// hence the shorter period below (33k requests there).
///
/// Measured with the factor below (BENCHMARKS.md workloads, 8 / 12 random hash seeds):
/// 0 misses before and after; Zipf s=0.8 C=1000 +0.56 / +0.55 (19.21 -> 19.76, target
/// 19.13; 19.74-19.77 per seed, 19.18-19.24 before), s=0.99 C=1000 +0.1, s=0.8 C=10000
/// +0.1, `OLTP` C=512 / 1000 / 2000 +0.06 / +0.93 / +0.32 (+0.18 / +0.79 / +0.29),
/// `multi3` C=1000 +0.53, `ps` C=1000 +0.37, `multi1` / `multi2` C=1000 +0.2 / +0.14,
/// `gli` / `cs` / `scan` C=1000 -0.13 / -0.14 / -0.11 (2.2 / 3.2 / 0.26 above target),
/// `sprite` C=1000 +0.02 / +0.07 (+0.05 over 24 seeds); no point below 512 entries per
/// segment or above 1024 moves. In segments of 257-511 entries too (C=500), 64 or 32 bits
/// with 15-25 x lose `zigzag` 0.28-0.58 and 32 bits `ps` 0.38; 32 bits per entry (with
/// 15 x) gain Zipf s=0.8 C=1000 only 0.19.
const MEDIUM_SEGMENT_DOOR_BITS_PER_ENTRY: u64 = 64;
/// The halving period of segments of [`MEDIUM_SEGMENT`] to [`LARGE_SEGMENT`] entries, in
/// additions (25 x capacity elsewhere above [`SMALL_SEGMENT`]): shorter, because their larger
/// doorkeeper lets fewer first misses through as additions (see
/// [`MEDIUM_SEGMENT_DOOR_BITS_PER_ENTRY`]). Measured with that doorkeeper (8 random hash
/// seeds): 25 x loses `zigzag` C=1000 0.54 and `OLTP` C=1000 0.97; 20 x `OLTP` C=1000 0.32;
/// 12 x `sprite` C=1000 0.26 (0.01 above target) and gains Zipf s=0.8 C=1000 only 0.43;
/// 15 x and 18 x lose no point more than 0.14 and gain it 0.56 / 0.59, and 15 x gains
/// `OLTP` C=1000 0.93 (18 x: 0.52).
const MEDIUM_SEGMENT_SAMPLE_FACTOR: u64 = 15;
/// Segments above this capacity also halve once [`LARGE_SEGMENT_REQUEST_FACTOR`] x capacity
/// of their requests have passed since the last halving, if their additions have not made
/// them halve sooner. On 2 cores these are the segments of caches above 16k entries (16
/// segments); the Zipf streams, which want the long memory, were measured at segments of
/// 625 and 1000 (see the factor).
const LARGE_SEGMENT: u64 = 1024;
/// The halving period of segments above [`LARGE_SEGMENT`], in requests (hits and misses, the
/// segment's share of the cache's), as moka and Caffeine count it: 10 x capacity accesses.
/// The additions that drive the period otherwise leave out first misses (the doorkeeper's)
/// and hits the hand has not folded, and in a large segment whose hand barely moves under
/// churn that stretched the period to ~36 x capacity requests: on `P3` (ARC trace, 3.9M
/// requests) at C=100k (16 segments of 6250) each segment halved once, at request ~3.6M,
/// so the counts of the working set from before the shift at ~2.8M (hit rate 36% -> 9-13%
/// per 200k requests) held off its successor for 800k requests: mini-moka, which halves
/// every 1M requests there, hit 1-5 points more per 200k requests until the end.
/// Measured (BENCHMARKS.md workloads, 8 / 12 random hash seeds): 1 miss / -0.10 and 1 /
/// -0.08 (`P3` C=100k) before, 0 misses after: `P3` C=100k +0.56 / +0.54 (39.02 -> 39.56,
/// 39.49-39.68 per seed, target 39.10), `P3` C=50k +0.1, Zipf C=100k s=0.8 -0.11 (0.33
/// above target), s=0.99 -0.01; no other point moves. Factors 8-12 give `P3` C=100k +0.52
/// to +0.58 (8 loses `P3` C=50k 0.3), 13 +0.4, 20 +0.27. In all segments above
/// [`SMALL_SEGMENT`] the cap loses Zipf C=1000 / 10000 1.0-2.0 and `P3` C=10k 1.2 (and
/// gains `OLTP` 0.7-1.2): there the long period is what lets keys of rank about C stand
/// out. Shortening the additions' period instead (10 x in large segments) gains `P3`
/// C=100k unevenly with the factor (9: +0.51, 10: +0.59, 11: +0.37, 12: +0.31), as the
/// one or two halvings land before or after the shift.
const LARGE_SEGMENT_REQUEST_FACTOR: u64 = 10;

/// 4096 blocks of 32 bytes: 128 KiB per segment, which is 32 counters per entry up to 8k
/// entries per segment (caches up to ~128k entries on 2 cores) and 2 bytes per entry for a
/// 1M-entry cache.
const MAX_SKETCH_BLOCKS: usize = 1 << 12;

impl FrequencySketch {
    fn new(capacity: u64) -> Self {
        // 32 counters (16 bytes) per entry, twice Caffeine's, up to 128 KiB per segment (so
        // segments of 8k entries and more, a 1M-entry cache among them, are unchanged).
        // Width matters most for small caches, where collisions blur rare keys into frequent
        // ones: 8 counters per entry left 14 points more deficit to moka over the LIRS
        // traces than 16. 32 counters and a fold cap of 2, against 16 and 3 (no doorkeeper,
        // 3 hash seeds): Zipf s=0.8 C=1000 +0.3, P3 C=50k/100k +1.3/+0.9, OLTP +1.0 to +1.4,
        // multi1-3 C=100 +0.7 to +1.0, `sprite`/`cpp` C=100 +1.1/+0.6, but `zigzag` C=1000
        // -1.4, `scan` C=100 -1.2, `cs` C=500 -1.0: loops of equally frequent keys fare better
        // with noisier counts. 64 counters gain more on Zipf (s=0.8 C=1000 +1.0) but lose 2-4
        // points on `zigzag` and `cs`, and 128 collapse `zigzag` C=1000 (-19 points). With
        // the doorkeeper, 16 counters score 10 / -8.14 instead of 32's 7 / -5.99 (see
        // `DOOR_BITS_PER_ENTRY` for the score).
        let blocks = usize::try_from(capacity / 2)
            .unwrap_or(usize::MAX)
            .clamp(2, MAX_SKETCH_BLOCKS)
            .next_power_of_two();
        let medium = (MEDIUM_SEGMENT..=LARGE_SEGMENT).contains(&capacity);
        let door_bits = capacity
            .saturating_mul(if medium {
                MEDIUM_SEGMENT_DOOR_BITS_PER_ENTRY
            } else {
                DOOR_BITS_PER_ENTRY
            })
            .clamp(64, MAX_DOOR_BITS)
            .next_power_of_two();
        Self {
            blocks: vec![[0; 4]; blocks].into_boxed_slice(),
            block_mask: blocks - 1,
            additions: 0,
            // Counts halve every 25 x capacity additions, not Caffeine's 10 x: on low-skew
            // streams a key of rank C is seen too rarely in 10 x C requests to stand out
            // from one-hit wonders. Measured without a doorkeeper (BENCHMARKS.md workloads,
            // two runs each), 30 x against 10 x: Zipf hit ratio +1.2 to +2.3 points at
            // capacities 1k and 10k, and 16-18 trace points below target instead of 22;
            // recency-heavy `sprite` loses 2-3 points (longer memory ages its old favourites
            // more slowly), 80 x loses more on every trace. First misses, which the
            // doorkeeper absorbs, are not additions, so the doorkeeper lengthens the period
            // in requests; 25 x then scores 7 / -5.99 (3 seeds) and 6 / -6.19 (5 seeds)
            // against 30 x's 7 / -6.62 and 6 / -6.85 (`sprite` C=100 +0.15 to +0.2,
            // `zigzag` C=1000 +0.3 to +0.5); 20 x sums less deficit (-4.98, -5.72) but misses
            // Zipf s=0.8 C=1000 by 0.1, 15 x by 0.3.
            // Small segments: see `SMALL_SEGMENT_SAMPLE_FACTOR`; medium ones,
            // `MEDIUM_SEGMENT_SAMPLE_FACTOR`.
            sample_size: capacity
                .saturating_mul(if capacity <= SMALL_SEGMENT {
                    SMALL_SEGMENT_SAMPLE_FACTOR
                } else if medium {
                    MEDIUM_SEGMENT_SAMPLE_FACTOR
                } else {
                    25
                })
                .max(64),
            halvings: 0,
            door: vec![0; (door_bits / 64) as usize].into_boxed_slice(),
            door_shift: 64 - door_bits.trailing_zeros(),
            request_period: if capacity > LARGE_SEGMENT {
                capacity.saturating_mul(LARGE_SEGMENT_REQUEST_FACTOR)
            } else {
                0
            },
            requests: 0,
            requests_at_halving: 0,
        }
    }

    /// Counts a miss on the key, unless it is the key's first since the last halving (see
    /// the doorkeeper, above). Costs one load and store in the doorkeeper's bits; a first
    /// miss then skips the counters.
    #[inline]
    pub(crate) fn record_miss(&mut self, hash: u64) {
        let index = (hash.wrapping_mul(0xD6E8_FEB8_6659_FD93) >> self.door_shift) as usize;
        let (word, bit) = (&mut self.door[index / 64], 1u64 << (index % 64));
        let seen = *word & bit != 0;
        *word |= bit;
        if seen {
            self.increment(hash, 1);
        }
    }

    /// The key's block, and the bits that pick its counter in each of the block's words.
    #[inline]
    fn locate(&self, hash: u64) -> (usize, u64) {
        let spread = (hash ^ (hash >> 31)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        ((spread >> 32) as usize & self.block_mask, spread)
    }

    #[inline]
    fn shift(counter_bits: u64, row: usize) -> u64 {
        ((counter_bits >> (row * 4)) & 15) * 4
    }

    #[inline]
    pub(crate) fn increment(&mut self, hash: u64, by: u64) {
        if by == 0 {
            return;
        }
        let (block, bits) = self.locate(hash);
        let words = &mut self.blocks[block];
        let mut added = false;
        // Every counted miss adds 1, so that case is worth its own branch-light loop: a counter
        // below 15 gets exactly one more, with no clamping arithmetic.
        if by == 1 {
            for (row, word) in words.iter_mut().enumerate() {
                let shift = Self::shift(bits, row);
                if (*word >> shift) & 15 != 15 {
                    *word += 1 << shift;
                    added = true;
                }
            }
        } else {
            for (row, word) in words.iter_mut().enumerate() {
                let shift = Self::shift(bits, row);
                let count = (*word >> shift) & 15;
                let step = by.min(15 - count);
                *word += step << shift;
                added |= step != 0;
            }
        }
        if added {
            self.additions += by;
            if self.additions >= self.sample_size {
                self.halve();
            }
        }
    }

    /// Counts `uses` towards the halving period without adding them to any counter.
    #[inline]
    pub(crate) fn count_uses(&mut self, uses: u64) {
        self.additions += uses;
        if self.additions >= self.sample_size {
            self.halve();
        }
    }

    #[inline]
    pub(crate) fn estimate(&self, hash: u64) -> u64 {
        let (block, bits) = self.locate(hash);
        let [w0, w1, w2, w3] = self.blocks[block];
        let count = |word: u64, row: usize| (word >> Self::shift(bits, row)) & 15;
        count(w0, 0)
            .min(count(w1, 1))
            .min(count(w2, 2))
            .min(count(w3, 3))
    }

    /// Takes the segment's running count of requests (its share of the cache's, reported
    /// every few thousand inserts, not per request); halves the counts if the segment's
    /// request period (see [`LARGE_SEGMENT_REQUEST_FACTOR`]) has passed since the last
    /// halving. A halving by additions is stamped with the count reported last.
    pub(crate) fn on_requests(&mut self, requests: u64) {
        if self.request_period == 0 {
            return;
        }
        if self.requests == 0 {
            // The first report since the sketch was made (or the segment cleared).
            self.requests_at_halving = requests;
        }
        self.requests = requests;
        if requests.saturating_sub(self.requests_at_halving) >= self.request_period {
            self.halve();
        }
    }

    #[cold]
    fn halve(&mut self) {
        for word in self.blocks.iter_mut().flatten() {
            *word = (*word >> 1) & 0x7777_7777_7777_7777;
        }
        self.additions /= 2;
        self.halvings += 1;
        self.door.fill(0);
        self.requests_at_halving = self.requests;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sketch_counts_saturate_and_age() {
        let mut sketch = FrequencySketch::new(1000);
        for _ in 0..5 {
            sketch.increment(42, 1);
        }
        assert_eq!(sketch.estimate(42), 5);
        sketch.increment(42, 100);
        assert_eq!(sketch.estimate(42), 15);
        sketch.halve();
        assert_eq!(sketch.estimate(42), 7);
        assert_eq!(sketch.estimate(43), 0);
    }

    #[test]
    fn uses_without_increments_still_age_small_sketches() {
        let mut sketch = FrequencySketch::new(100); // small: halves after 1800 additions
        assert_eq!(sketch.sample_size, 100 * SMALL_SEGMENT_SAMPLE_FACTOR);
        sketch.increment(42, 4);
        sketch.count_uses(1795);
        assert_eq!((sketch.halvings, sketch.estimate(42)), (0, 4));
        sketch.count_uses(1);
        assert_eq!((sketch.halvings, sketch.estimate(42)), (1, 2));
    }

    #[test]
    fn large_sketches_halve_by_requests_too() {
        let mut sketch = FrequencySketch::new(2000); // large: halves after 20k requests
        sketch.increment(42, 4);
        sketch.on_requests(5000); // first report: the period starts here
        sketch.on_requests(24_999);
        assert_eq!((sketch.halvings, sketch.estimate(42)), (0, 4));
        sketch.on_requests(25_000);
        assert_eq!((sketch.halvings, sketch.estimate(42)), (1, 2));
        sketch.on_requests(44_999);
        assert_eq!(sketch.halvings, 1);
        sketch.on_requests(45_000);
        assert_eq!(sketch.halvings, 2);
        // A halving by additions restarts the period from the last report.
        sketch.on_requests(50_000);
        sketch.count_uses(sketch.sample_size);
        assert_eq!(sketch.halvings, 3);
        sketch.on_requests(69_999);
        assert_eq!(sketch.halvings, 3);
        let mut small = FrequencySketch::new(LARGE_SEGMENT);
        small.on_requests(1);
        small.on_requests(u64::MAX);
        assert_eq!(small.halvings, 0);
    }

    #[test]
    fn doorkeeper_absorbs_first_misses_until_halving() {
        let mut sketch = FrequencySketch::new(1000); // medium: 64 bits per entry
        assert_eq!(sketch.door.len() as u64 * 64, 65_536);
        assert_eq!(sketch.sample_size, 1000 * MEDIUM_SEGMENT_SAMPLE_FACTOR);
        for (capacity, bits, sample) in [(500, 8192, 500 * 25), (600, 65_536, 600 * 15)] {
            let other = FrequencySketch::new(capacity);
            assert_eq!(other.door.len() as u64 * 64, bits);
            assert_eq!(other.sample_size, sample);
        }
        assert_eq!(FrequencySketch::new(2000).sample_size, 2000 * 25);
        sketch.record_miss(42);
        assert_eq!(sketch.estimate(42), 0);
        sketch.record_miss(42);
        sketch.record_miss(42);
        assert_eq!(sketch.estimate(42), 2);
        sketch.halve();
        assert_eq!(sketch.estimate(42), 1);
        sketch.record_miss(42); // first miss since the halving
        assert_eq!(sketch.estimate(42), 1);
        sketch.record_miss(42);
        assert_eq!(sketch.estimate(42), 2);
        assert_eq!(
            FrequencySketch::new(u64::MAX).door.len() as u64 * 64,
            MAX_DOOR_BITS
        );
    }

    #[test]
    fn ghosts_count_misses_within_reach_only() {
        let mut ghosts = Ghosts::new(1000); // reach 50, every key recorded
        assert_eq!(ghosts.sample_mask, 0);
        ghosts.on_window_exit(1, true);
        ghosts.on_main_eviction(2);
        ghosts.on_window_exit(3, true);
        ghosts.on_main_eviction(4);
        ghosts.on_window_exit(5, false);
        ghosts.on_miss(1);
        ghosts.on_miss(2);
        ghosts.on_miss(5);
        ghosts.on_miss(6);
        assert_eq!(ghosts.take_misses(), (1, 1));
        ghosts.on_miss(1); // already counted
        assert_eq!(ghosts.take_misses(), (0, 0));
        for key in 100..160 {
            ghosts.on_window_exit(key, false);
            ghosts.on_main_eviction(key + 1000);
        }
        ghosts.on_miss(3); // turned away 60 exits ago
        ghosts.on_miss(4); // evicted 60 evictions ago
        assert_eq!(ghosts.take_misses(), (0, 0));
    }

    #[test]
    fn ghosts_of_large_segments_sample_keys() {
        let ghosts = Ghosts::new(10_000_000);
        assert_eq!(ghosts.slots.len() as u64, MAX_GHOST_SLOTS + 1); // and the spare slot
        assert!(ghosts.sample_mask > 0);
    }
}
