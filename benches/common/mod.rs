//! Helpers shared by the benches.

use criterion::{black_box, Bencher};

/// Measure `f` in the calling thread's CPU time rather than wall time, so
/// that other load on the machine (2 cores, shared) does not count.
pub(crate) fn cpu<T>(b: &mut Bencher<'_>, mut f: impl FnMut() -> T) {
    b.iter_custom(|iters| {
        let start = cpu_time::ThreadTime::now();
        for _ in 0..iters {
            black_box(f());
        }
        start.elapsed()
    })
}
