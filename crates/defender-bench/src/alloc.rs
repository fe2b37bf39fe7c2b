//! A global allocator that counts live bytes and their peak, to measure memory in-process.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

/// Wraps the system allocator, keeping the current and peak number of live bytes.
pub struct Counting {
    current: AtomicUsize,
    peak: AtomicUsize,
}

impl Counting {
    /// A counter at zero.
    pub const fn new() -> Self {
        Self { current: AtomicUsize::new(0), peak: AtomicUsize::new(0) }
    }

    fn added(&self, bytes: usize) {
        let now = self.current.fetch_add(bytes, Ordering::Relaxed) + bytes;
        self.peak.fetch_max(now, Ordering::Relaxed);
    }
}

// SAFETY: every call is forwarded unchanged to `System`; the counters only observe sizes.
#[allow(unsafe_code)]
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded with the caller's layout.
        let pointer = unsafe { System.alloc(layout) };
        if !pointer.is_null() {
            self.added(layout.size());
        }
        pointer
    }

    unsafe fn dealloc(&self, pointer: *mut u8, layout: Layout) {
        // SAFETY: forwarded with the caller's pointer and layout.
        unsafe { System.dealloc(pointer, layout) };
        self.current.fetch_sub(layout.size(), Ordering::Relaxed);
    }

    unsafe fn realloc(&self, pointer: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: forwarded with the caller's arguments.
        let moved = unsafe { System.realloc(pointer, layout, new_size) };
        if !moved.is_null() {
            self.current.fetch_sub(layout.size(), Ordering::Relaxed);
            self.added(new_size);
        }
        moved
    }
}

/// The peak of live bytes above the level when it started.
pub struct Peak<'a> {
    allocator: &'a Counting,
    start: usize,
}

impl<'a> Peak<'a> {
    /// Resets the peak to the current level and measures from there.
    pub fn start(allocator: &'a Counting) -> Self {
        let start = allocator.current.load(Ordering::Relaxed);
        allocator.peak.store(start, Ordering::Relaxed);
        Self { allocator, start }
    }

    /// The highest number of live bytes above the start seen so far.
    pub fn bytes(&self) -> usize {
        self.allocator.peak.load(Ordering::Relaxed).saturating_sub(self.start)
    }
}
