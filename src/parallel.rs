//! Reading a page's crops side by side. Each crop is read independently (its own encoder pass and
//! beam), so a page's formulas spread over the machine's cores natively. wasm32 has one thread per
//! instance: there the browser's worker pool (www/engine-pool.js) spreads crops over workers
//! instead, and this runs the work in order.

use std::sync::atomic::{AtomicUsize, Ordering};

/// More threads than this buy little: a page rarely has more than a handful of formulas, and each
/// thread holds its own beam and tract scratch memory.
pub const MAX_THREADS: usize = 4;

/// Threads for `threads` asked (0: one per core, up to `MAX_THREADS`).
pub fn thread_count(threads: usize) -> usize {
    if cfg!(target_arch = "wasm32") {
        return 1;
    }
    match threads {
        0 => std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1).min(MAX_THREADS),
        n => n,
    }
}

/// `f` applied to every item, results in the items' order, on up to `threads` threads (each takes
/// the next item not yet taken, so one slow crop does not hold a queue behind it). The first error
/// in item order is returned; items after an error may still have been read.
pub fn map<T: Sync, R: Send, E: Send>(
    items: &[T],
    threads: usize,
    f: impl Fn(&T) -> Result<R, E> + Sync,
) -> Result<Vec<R>, E> {
    let threads = threads.min(items.len());
    if threads <= 1 || cfg!(target_arch = "wasm32") {
        return items.iter().map(f).collect();
    }
    map_threaded(items, threads, &f)
}

fn map_threaded<T: Sync, R: Send, E: Send>(
    items: &[T],
    threads: usize,
    f: &(impl Fn(&T) -> Result<R, E> + Sync),
) -> Result<Vec<R>, E> {
    let next = AtomicUsize::new(0);
    let mut done: Vec<(usize, Result<R, E>)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut out = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(item) = items.get(i) else { break };
                        out.push((i, f(item)));
                    }
                    out
                })
            })
            .collect();
        // a panic in `f` is a bug: re-raised here as it would be without threads
        workers.into_iter().flat_map(|w| w.join().unwrap_or_else(|p| std::panic::resume_unwind(p))).collect()
    });
    done.sort_by_key(|(i, _)| *i);
    done.into_iter().map(|(_, r)| r).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_keep_the_items_order_whatever_the_thread_count() {
        let items: Vec<u64> = (0..37).collect();
        for threads in [1, 2, 3, 8, 64] {
            let out = map(&items, threads, |&x| {
                // uneven work, so threads finish out of order
                std::thread::sleep(std::time::Duration::from_micros((x * 7919) % 300));
                Ok::<_, ()>(x * x)
            })
            .unwrap();
            assert_eq!(out, items.iter().map(|x| x * x).collect::<Vec<_>>(), "threads {threads}");
        }
    }

    #[test]
    fn the_first_error_in_item_order_is_returned() {
        let items: Vec<u32> = (0..20).collect();
        let r = map(&items, 3, |&x| if x == 5 || x == 12 { Err(x) } else { Ok(x) });
        assert_eq!(r, Err(5));
        assert_eq!(map::<u32, u32, ()>(&[], 4, |&x| Ok(x)), Ok(vec![]));
    }

    #[test]
    fn zero_threads_means_one_per_core_capped() {
        let n = thread_count(0);
        assert!((1..=MAX_THREADS).contains(&n), "{n}");
        assert_eq!(thread_count(3), 3);
    }
}
