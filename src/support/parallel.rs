//! The two-thread split: one half of a job on a scoped second thread, the
//! other on the calling thread, a panic on either carried to the caller.

use std::panic;
use std::thread;

/// Runs `second` on a new scoped thread and `first` on this one, and
/// returns both results once both are done. A panic in `second` resumes on
/// this thread, as if it had run here.
pub fn join<A, B, RA, RB>(first: A, second: B) -> (RA, RB)
where
    A: FnOnce() -> RA,
    B: FnOnce() -> RB + Send,
    RB: Send,
{
    thread::scope(|scope| {
        let second = scope.spawn(second);
        let first = first();
        let second = second
            .join()
            .unwrap_or_else(|payload| panic::resume_unwind(payload));
        (first, second)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_halves_run_and_return() {
        let data = [1, 2, 3, 4, 5, 6];
        let (a, b) = join(
            || data[..3].iter().sum::<i32>(),
            || data[3..].iter().sum::<i32>(),
        );
        assert_eq!((a, b), (6, 15));
    }

    #[test]
    #[should_panic(expected = "second half")]
    fn a_panic_on_the_second_thread_reaches_the_caller() {
        join(|| (), || panic!("second half"));
    }
}
