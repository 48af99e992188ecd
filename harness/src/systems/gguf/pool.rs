//! Threads for the native engine's parallel loops. A decoding step runs about 120 of them, each
//! a few microseconds long, so waking sleeping threads for each (as a general-purpose pool does)
//! would cost as much as the work. Workers spin between loops instead, and sleep only after a
//! few milliseconds without one.

use std::cell::UnsafeCell;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How long an idle worker spins before it sleeps: longer than the gaps between loops of one
/// forward pass and between decoding steps.
const SPIN: Duration = Duration::from_millis(5);

type Task = dyn Fn(usize) + Sync;

/// The task before the first loop.
static NOTHING: fn(usize) = |_| {};

struct Shared {
    /// Bumped once per loop (and once to stop); each worker runs every generation once.
    generation: AtomicUsize,
    /// The running loop's body and its number of items; set before the bump.
    task: UnsafeCell<(*const Task, usize)>,
    next: AtomicUsize,
    /// Workers that have not yet finished the running loop.
    unfinished: AtomicUsize,
    /// Set when an item panicked on a worker; `run` panics in turn once all are done.
    panicked: AtomicBool,
    sleepers: AtomicUsize,
    sleep_lock: Mutex<()>,
    wake: Condvar,
    stop: AtomicBool,
}

// SAFETY: `task` is written only by the one thread inside `Pool::run` (serialised by `Pool::busy`)
// before it publishes the generation with Release; workers read it after an Acquire load of that
// generation and finish with it before `run` returns.
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
            task: UnsafeCell::new((&NOTHING as &Task as *const Task, 0)),
            next: AtomicUsize::new(0),
            unfinished: AtomicUsize::new(0),
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
        // SAFETY: only the lifetime is erased. Workers use the pointer only until they decrement
        // `unfinished`, and `Wait` below does not let this function return (or unwind) before
        // every worker has, so `task` outlives every use.
        let erased: *const Task = unsafe { std::mem::transmute::<*const (dyn Fn(usize) + Sync + '_), *const Task>(task) };
        unsafe { *shared.task.get() = (erased, count) };
        shared.next.store(0, Ordering::Relaxed);
        shared.panicked.store(false, Ordering::Relaxed);
        shared.unfinished.store(self.workers.len(), Ordering::Relaxed);
        shared.generation.fetch_add(1, Ordering::SeqCst);
        if shared.sleepers.load(Ordering::SeqCst) > 0 {
            let _guard = shared.sleep_lock.lock().unwrap_or_else(|e| e.into_inner());
            shared.wake.notify_all();
        }
        let wait = Wait(shared);
        take_items(shared, task, count);
        drop(wait);
        if shared.panicked.swap(false, Ordering::Relaxed) {
            panic!("a parallel loop of the gguf engine panicked on a worker thread");
        }
    }
}

/// Waits (also while unwinding) until every worker is done with the running loop.
struct Wait<'a>(&'a Shared);

impl Drop for Wait<'_> {
    fn drop(&mut self) {
        while self.0.unfinished.load(Ordering::Acquire) != 0 {
            std::hint::spin_loop();
        }
    }
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
        // SAFETY: see `Pool::run`; the Acquire load of the generation orders this read after the write.
        let (task, count) = unsafe { *shared.task.get() };
        // A panicking item must still count this worker as done, or `run` would wait for ever.
        let items = std::panic::AssertUnwindSafe(|| take_items(shared, unsafe { &*task }, count));
        if std::panic::catch_unwind(items).is_err() {
            shared.panicked.store(true, Ordering::Relaxed);
        }
        shared.unfinished.fetch_sub(1, Ordering::Release);
    }
}

fn wait_for_generation(shared: &Shared, seen: usize) -> usize {
    let started = Instant::now();
    let mut spins = 0u32;
    loop {
        let generation = shared.generation.load(Ordering::Acquire);
        if generation != seen {
            return generation;
        }
        spins = spins.wrapping_add(1);
        if spins % 1024 == 0 && started.elapsed() > SPIN {
            let mut guard = shared.sleep_lock.lock().unwrap_or_else(|e| e.into_inner());
            shared.sleepers.fetch_add(1, Ordering::SeqCst);
            while shared.generation.load(Ordering::SeqCst) == seen {
                guard = shared.wake.wait(guard).unwrap_or_else(|e| e.into_inner());
            }
            shared.sleepers.fetch_sub(1, Ordering::SeqCst);
        }
        std::hint::spin_loop();
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
