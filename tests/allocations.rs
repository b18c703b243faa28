//! The cached-token path allocates nothing: a counting allocator watches it.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use up42_auth::Authenticated;
use up42_testkit::Sandbox;

struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.with(|n| n.set(n.get() + 1));
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Allocations made by `f` on this thread.
fn allocations(f: impl FnOnce()) -> u64 {
    let before = ALLOCATIONS.with(Cell::get);
    f();
    ALLOCATIONS.with(Cell::get) - before
}

#[tokio::test(flavor = "current_thread")]
async fn a_fresh_token_costs_no_allocation() {
    let sandbox = Sandbox::start().await;
    let client = sandbox.client().unwrap();
    let first = client.access_token().await.unwrap();
    let cache = client.token_cache();
    let n = allocations(|| {
        for _ in 0..1_000 {
            let token = cache.fresh().expect("fresh");
            assert!(token.same_token(&first));
        }
    });
    assert_eq!(n, 0, "the endpoint path of 1,000 lookups allocated");
}

#[tokio::test(flavor = "current_thread")]
async fn access_token_on_a_fresh_token_costs_no_allocation() {
    let sandbox = Sandbox::start().await;
    let client = sandbox.client().unwrap();
    let first = client.access_token().await.unwrap();
    let waker = std::task::Waker::noop();
    let mut context = std::task::Context::from_waker(waker);
    let n = allocations(|| {
        for _ in 0..1_000 {
            // Polled by hand: a runtime's own bookkeeping would count too.
            let mut future = std::pin::pin!(client.access_token());
            let std::task::Poll::Ready(token) = future.as_mut().poll(&mut context) else {
                panic!("a fresh token is ready at once");
            };
            assert!(token.unwrap().same_token(&first));
        }
    });
    assert_eq!(n, 0, "1,000 access_token() calls on a fresh token allocated");
}
