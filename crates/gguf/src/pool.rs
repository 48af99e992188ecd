//! Threads for the native engine's parallel loops. A decoding step runs about 120 of them, each
//! a few microseconds long, so waking sleeping threads for each (as a general-purpose pool does)
//! would cost as much as the work. Workers spin between loops instead, yield the core after a
//! few microseconds, and sleep after a few milliseconds without one.
//!
//! Other processes may hold the cores. A loop therefore never waits for a worker that has not
//! joined it: the caller takes items too, closes the loop once all are taken, and waits only for
//! workers that joined before that (and are finishing an item). A worker that arrives late sees
//! the loop closed and leaves it alone, so a descheduled worker costs at most its share of the
//! work, not a scheduler time slice per loop.

use std::cell::UnsafeCell;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How long an idle worker waits before it sleeps: longer than the gaps between loops of one
/// forward pass and between decoding steps.
const SPIN: Duration = Duration::from_millis(5);

/// How long a waiting thread spins before it starts yielding the core to others between checks.
const SPIN_BEFORE_YIELD: Duration = Duration::from_micros(50);

type Task = dyn Fn(usize) + Sync;

/// The task before the first loop.
static NOTHING: fn(usize) = |_| {};

struct Shared {
    /// Bumped once per loop (and once to stop); each worker joins every generation at most once.
    generation: AtomicUsize,
    /// The latest generation whose items are all taken: a worker arriving later does not join it.
    closed: AtomicUsize,
    /// The running loop's body and its number of items; set before the bump.
    task: UnsafeCell<(*const Task, usize)>,
    next: AtomicUsize,
    /// Workers that joined the running loop and have not left it.
    active: AtomicUsize,
    /// Set when an item panicked on a worker; `run` panics in turn once all are done.
    panicked: AtomicBool,
    sleepers: AtomicUsize,
    sleep_lock: Mutex<()>,
    wake: Condvar,
    stop: AtomicBool,
}

// SAFETY: `task` is written only by the one thread inside `Pool::run` (serialised by `Pool::busy`)
// before it publishes the generation with Release; workers read it after an Acquire load of that
// generation, only once they joined the loop while it was open, and `run` does not return before
// every worker that joined has left (see `join`).
unsafe impl Sync for Shared {}
unsafe impl Send for Shared {}

pub struct Pool {
    shared: Arc<Shared>,
    workers: Vec<JoinHandle<()>>,
    busy: Mutex<()>,
}

impl Pool {
    /// A pool running loops on `threads` threads: the caller's and `threads - 1` workers.
    pub fn new(threads: usize) -> std::io::Result<Pool> {
        let shared = Arc::new(Shared {
            generation: AtomicUsize::new(0),
            closed: AtomicUsize::new(0),
            task: UnsafeCell::new((&NOTHING as &Task as *const Task, 0)),
            next: AtomicUsize::new(0),
            active: AtomicUsize::new(0),
            panicked: AtomicBool::new(false),
            sleepers: AtomicUsize::new(0),
            sleep_lock: Mutex::new(()),
            wake: Condvar::new(),
            stop: AtomicBool::new(false),
        });
        let mut workers = Vec::new();
        for i in 1..threads.max(1) {
            let shared = Arc::clone(&shared);
            workers.push(std::thread::Builder::new().name(format!("gguf-{i}")).spawn(move || work_loop(&shared))?);
        }
        Ok(Pool { shared, workers, busy: Mutex::new(()) })
    }

    pub fn threads(&self) -> usize {
        self.workers.len() + 1
    }

    /// Calls `task(i)` for every i in 0..count, spread over the pool's threads; returns when all
    /// have returned.
    pub fn run(&self, count: usize, task: &(dyn Fn(usize) + Sync)) {
        if self.workers.is_empty() || count <= 1 {
            (0..count).for_each(task);
            return;
        }
        let _one_loop_at_a_time = self.busy.lock().unwrap_or_else(|e| e.into_inner());
        let shared = &*self.shared;
        // SAFETY: only the lifetime is erased. Workers use the pointer only between joining and
        // leaving the loop, and `Close` below does not let this function return (or unwind)
        // before every worker that joined has left, so `task` outlives every use.
        let erased: *const Task = unsafe { std::mem::transmute::<*const (dyn Fn(usize) + Sync + '_), *const Task>(task) };
        unsafe { *shared.task.get() = (erased, count) };
        shared.next.store(0, Ordering::Relaxed);
        shared.panicked.store(false, Ordering::Relaxed);
        let generation = shared.generation.fetch_add(1, Ordering::SeqCst) + 1;
        if shared.sleepers.load(Ordering::SeqCst) > 0 {
            let _guard = shared.sleep_lock.lock().unwrap_or_else(|e| e.into_inner());
            shared.wake.notify_all();
        }
        let close = Close { shared, generation };
        take_items(shared, task, count);
        drop(close);
        if shared.panicked.swap(false, Ordering::Relaxed) {
            panic!("a parallel loop of the gguf engine panicked on a worker thread");
        }
    }
}

/// Closes the running loop to late workers and waits (also while unwinding) until every worker
/// that joined it has left.
struct Close<'a> {
    shared: &'a Shared,
    generation: usize,
}

impl Drop for Close<'_> {
    fn drop(&mut self) {
        self.shared.closed.store(self.generation, Ordering::SeqCst);
        let mut backoff = Backoff::new();
        while self.shared.active.load(Ordering::SeqCst) != 0 {
            backoff.pause();
        }
    }
}

/// Spins, then yields the core between checks, so that a waiting thread does not hold a core that
/// the thread it waits for (or another process) needs.
struct Backoff {
    started: Instant,
    spins: u32,
}

impl Backoff {
    fn new() -> Backoff {
        Backoff { started: Instant::now(), spins: 0 }
    }

    fn pause(&mut self) {
        self.spins = self.spins.wrapping_add(1);
        if self.spins.is_multiple_of(64) && self.started.elapsed() > SPIN_BEFORE_YIELD {
            std::thread::yield_now();
        } else {
            std::hint::spin_loop();
        }
    }

    fn waited(&self) -> Duration {
        self.started.elapsed()
    }
}

/// A worker joins generation `generation` unless its caller has closed it already. The join and
/// the close are both SeqCst, with the check after each: either the caller sees this worker
/// active and waits for it, or this worker sees the loop closed and never touches its task.
fn join(shared: &Shared, generation: usize) -> bool {
    shared.active.fetch_add(1, Ordering::SeqCst);
    if shared.closed.load(Ordering::SeqCst) >= generation {
        shared.active.fetch_sub(1, Ordering::SeqCst);
        return false;
    }
    true
}

fn take_items(shared: &Shared, task: &(dyn Fn(usize) + Sync + '_), count: usize) {
    loop {
        let i = shared.next.fetch_add(1, Ordering::Relaxed);
        if i >= count {
            break;
        }
        task(i);
    }
}

fn work_loop(shared: &Shared) {
    let mut seen = 0;
    loop {
        seen = wait_for_generation(shared, seen);
        if shared.stop.load(Ordering::Acquire) {
            return;
        }
        if !join(shared, seen) {
            continue;
        }
        // SAFETY: see `Pool::run`; the Acquire load of the generation orders this read after the
        // write, and having joined an open loop, this worker is waited for.
        let (task, count) = unsafe { *shared.task.get() };
        // A panicking item must still let this worker leave, or `run` would wait for ever.
        let items = std::panic::AssertUnwindSafe(|| take_items(shared, unsafe { &*task }, count));
        if std::panic::catch_unwind(items).is_err() {
            shared.panicked.store(true, Ordering::Relaxed);
        }
        shared.active.fetch_sub(1, Ordering::SeqCst);
    }
}

fn wait_for_generation(shared: &Shared, seen: usize) -> usize {
    let mut backoff = Backoff::new();
    loop {
        let generation = shared.generation.load(Ordering::Acquire);
        if generation != seen {
            return generation;
        }
        backoff.pause();
        if backoff.spins.is_multiple_of(1024) && backoff.waited() > SPIN {
            let mut guard = shared.sleep_lock.lock().unwrap_or_else(|e| e.into_inner());
            shared.sleepers.fetch_add(1, Ordering::SeqCst);
            while shared.generation.load(Ordering::SeqCst) == seen {
                guard = shared.wake.wait(guard).unwrap_or_else(|e| e.into_inner());
            }
            shared.sleepers.fetch_sub(1, Ordering::SeqCst);
        }
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::Release);
        self.shared.generation.fetch_add(1, Ordering::SeqCst);
        {
            let _guard = self.shared.sleep_lock.lock().unwrap_or_else(|e| e.into_inner());
            self.shared.wake.notify_all();
        }
        for worker in self.workers.drain(..) {
            let _ = worker.join();
        }
    }
}

/// An output buffer that a parallel loop's items write to, each its own elements.
pub struct DisjointWrites(*mut f32);

// SAFETY: callers write through `at` only to elements no other item writes (each use says why).
unsafe impl Sync for DisjointWrites {}

impl DisjointWrites {
    pub fn new(out: &mut [f32]) -> DisjointWrites {
        DisjointWrites(out.as_mut_ptr())
    }

    pub fn at(&self, offset: usize) -> *mut f32 {
        self.0.wrapping_add(offset)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_item_runs_once_on_every_pool_size_and_after_workers_slept() {
        for threads in [1, 2, 3, 5] {
            let pool = Pool::new(threads).unwrap();
            assert_eq!(pool.threads(), threads);
            for round in 0..200 {
                let count = round % 37;
                let hits: Vec<AtomicUsize> = (0..count).map(|_| AtomicUsize::new(0)).collect();
                pool.run(count, &|i| {
                    hits[i].fetch_add(1, Ordering::Relaxed);
                });
                assert!(hits.iter().all(|h| h.load(Ordering::Relaxed) == 1), "{threads} threads, round {round}");
                if round == 100 {
                    std::thread::sleep(SPIN * 3);
                }
            }
        }
    }

    #[test]
    fn every_item_runs_once_while_other_threads_hold_the_cores() {
        // Busy threads on every core make workers arrive late or not at all; late ones must see
        // their loop closed and leave its items (already taken) alone.
        let stop = Arc::new(AtomicBool::new(false));
        let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
        let hogs: Vec<_> = (0..cores)
            .map(|_| {
                let stop = Arc::clone(&stop);
                std::thread::spawn(move || {
                    while !stop.load(Ordering::Relaxed) {
                        std::hint::spin_loop();
                    }
                })
            })
            .collect();
        let pool = Pool::new(3).unwrap();
        for round in 0..2000 {
            let count = 1 + round % 23;
            let hits: Vec<AtomicUsize> = (0..count).map(|_| AtomicUsize::new(0)).collect();
            pool.run(count, &|i| {
                hits[i].fetch_add(1, Ordering::Relaxed);
            });
            assert!(hits.iter().all(|h| h.load(Ordering::Relaxed) == 1), "round {round}");
        }
        stop.store(true, Ordering::Relaxed);
        hogs.into_iter().for_each(|h| h.join().unwrap());
    }

    #[test]
    fn a_panicking_item_panics_the_caller_and_the_pool_goes_on() {
        let pool = Pool::new(2).unwrap();
        for _ in 0..20 {
            let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                pool.run(64, &|i| assert!(i % 2 == 0, "item {i}"));
            }));
            assert!(outcome.is_err());
        }
        let hits = AtomicUsize::new(0);
        pool.run(10, &|_| {
            hits.fetch_add(1, Ordering::Relaxed);
        });
        assert_eq!(hits.load(Ordering::Relaxed), 10);
    }
}
