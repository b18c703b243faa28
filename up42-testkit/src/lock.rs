//! One way to lock the sandbox's mutexes.

use std::sync::{Mutex, MutexGuard};

/// Locks `mutex`, recovering it if a handler panicked while holding it: the
/// sandbox's state stays usable for every later request of a test.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}
