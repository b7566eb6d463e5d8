//! The process's allocator: mimalloc, asked for plain blocks whenever a layout allows.
//!
//! `mimalloc::MiMalloc` sends every request through `mi_malloc_aligned`, whose checks and extra
//! calls cost about fifteen instructions more per allocation than `mi_malloc`; the pipeline
//! makes over two million allocations per run. mimalloc's plain blocks are aligned to their
//! size up to 16 bytes (its "natural alignment", which `mi_malloc_aligned` itself relies on), so
//! a layout whose alignment is at most 16 and at most its size is served by the plain calls,
//! as Rust's own `System` allocator does with `malloc`. Every other layout takes the aligned
//! calls, exactly as before.
//!
//! [`configure`] also turns off purging. mimalloc hands memory that stayed free for 10 ms back
//! to the OS, which then has to fault it in again, page by page, when the next stage (or the
//! bench's next run) allocates: about 36,000 page faults over nine bench runs, against 350
//! without purging, and about 2% of the bench's time. A command that runs for a fraction of a
//! second gains nothing from giving memory back before it exits; its peak is what counts, and
//! that stays well under the bench's 300 MiB budget (150 to 185 MiB).

use std::alloc::{GlobalAlloc, Layout};
use std::ffi::c_void;

use libmimalloc_sys as mi;

/// mimalloc's guaranteed alignment of a plain block of at least that size
/// (`MI_MAX_ALIGN_SIZE`).
const PLAIN_ALIGN: usize = 16;

pub struct Mimalloc;

/// `mi_option_purge_delay` in mimalloc 2's `mi_option_t` (`include/mimalloc.h`), which the sys
/// crate does not name: the option after `mi_option_eager_commit_delay` (14). The test below
/// checks that this is the option whose default is 10 ms.
const PURGE_DELAY: mi::mi_option_t = 15;

/// Settings for a short-lived command; called first thing in `main`.
pub fn configure() {
    // SAFETY: setting an option is allowed at any time; -1 means "never purge".
    unsafe { mi::mi_option_set(PURGE_DELAY, -1) }
}

/// Whether a block of `size` bytes aligned to `align` can be a plain one.
fn plain(align: usize, size: usize) -> bool {
    align <= PLAIN_ALIGN && align <= size
}

// SAFETY: every call hands mimalloc a layout it serves with at least the requested alignment
// (see the module note), and frees and resizes only blocks it returned.
unsafe impl GlobalAlloc for Mimalloc {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: plain blocks of such layouts are aligned well enough; the rest ask for it.
        unsafe {
            if plain(layout.align(), layout.size()) {
                mi::mi_malloc(layout.size()) as *mut u8
            } else {
                mi::mi_malloc_aligned(layout.size(), layout.align()) as *mut u8
            }
        }
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as in `alloc`.
        unsafe {
            if plain(layout.align(), layout.size()) {
                mi::mi_zalloc(layout.size()) as *mut u8
            } else {
                mi::mi_zalloc_aligned(layout.size(), layout.align()) as *mut u8
            }
        }
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, _layout: Layout) {
        // SAFETY: `ptr` came from this allocator, which is mimalloc whichever call made it.
        unsafe { mi::mi_free(ptr as *mut c_void) }
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: `ptr` came from this allocator; the new size keeps the layout's alignment
        // plain or not, as `alloc` decides.
        unsafe {
            if plain(layout.align(), new_size) {
                mi::mi_realloc(ptr as *mut c_void, new_size) as *mut u8
            } else {
                mi::mi_realloc_aligned(ptr as *mut c_void, new_size, layout.align()) as *mut u8
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_purge_delay_option_is_the_one_set() {
        // Neighbouring options have other defaults (eager commit delay 1, NUMA nodes 0); only
        // the purge delay is 10 ms. The test process never calls `configure`.
        if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
            // SAFETY: reading an option has no preconditions.
            assert_eq!(unsafe { mi::mi_option_get(PURGE_DELAY) }, 10);
        }
    }

    #[test]
    fn plain_only_where_mimalloc_aligns_plain_blocks() {
        let l = |size, align| Layout::from_size_align(size, align).unwrap();
        assert!(plain(8, 24));
        assert!(plain(16, 16));
        assert!(!plain(16, 8), "a block smaller than its alignment is not aligned to it");
        assert!(!plain(32, 64));
        // And every one of them really comes back aligned, through the allocator itself.
        for (size, align) in [(1, 1), (8, 8), (24, 8), (16, 16), (8, 16), (48, 16), (64, 32), (100, 64), (5000, 4096)] {
            let layout = l(size, align);
            // SAFETY: the layout has a non-zero size; the block is freed with the same layout.
            unsafe {
                let p = Mimalloc.alloc(layout);
                assert!(!p.is_null());
                assert_eq!(p as usize % align, 0, "size {size}, align {align}");
                let q = Mimalloc.realloc(p, layout, size * 3);
                assert_eq!(q as usize % align, 0, "realloc: size {size}, align {align}");
                Mimalloc.dealloc(q, l(size * 3, align));
            }
        }
    }
}
