//! The wasm build's allocator: the system allocator (dlmalloc), but every block handed out is
//! zero-filled.
//!
//! Why: tract's convolution and matrix kernels compute whole tiles, and the lanes of a tile past a
//! matrix's edge come from scratch memory that is never written. Left uninitialised, that memory
//! holds whatever an earlier allocation left there, and junk bits read as f32 are often subnormal
//! (any small integer is). x86 multiplies subnormals through a microcode assist, and wasm can
//! neither flush them to zero nor tell the CPU to, so the same detector pass ran twice as slow in
//! Chromium depending on what the heap had held before: 210 against 430 ms on a 1-MP page, with
//! the same models, after an unrelated code change moved allocations around (bench/levers.md).
//! Zero-filled blocks compute as 0.0 at full speed; filling them costs a memset, cheap beside the
//! arithmetic done on them (dlmalloc skips it for memory fresh from the system, zero already): in
//! Chromium the bench's fixtures read within 3% of the fast build's times (under node the memset
//! costs ~8% of a detector pass). It does not reach memory tract reuses: its per-thread matrix
//! scratch (tract-linalg `TLSScratch`) keeps one buffer for every plan, so lanes one plan leaves
//! unwritten may hold what another plan stored there, and pages detected right after a small-print
//! look at 1600 px still ran at ~470 instead of ~250 ms (bench/levers.md). Natively it is not used:
//! there it made the worksheet pages' detection slower (532 -> 822 ms median), memsetting blocks
//! larger than tract writes.

use std::alloc::{GlobalAlloc, Layout, System};

/// [`System`], with every allocation and every grown reallocation zero-filled.
pub struct ZeroedAlloc;

unsafe impl GlobalAlloc for ZeroedAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        System.alloc_zeroed(layout)
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        System.alloc_zeroed(layout)
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout)
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let grown = System.realloc(ptr, layout, new_size);
        if !grown.is_null() && new_size > layout.size() {
            // the old bytes were kept; the new tail is as uninitialised as a fresh block
            std::ptr::write_bytes(grown.add(layout.size()), 0, new_size - layout.size());
        }
        grown
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A block freed dirty and asked for again comes back zeroed, and so does a grown tail.
    #[test]
    fn blocks_come_back_zeroed_even_after_dirty_use() {
        let layout = Layout::from_size_align(4096, 16).unwrap();
        unsafe {
            for _ in 0..4 {
                let p = ZeroedAlloc.alloc(layout);
                assert!(!p.is_null());
                assert!(std::slice::from_raw_parts(p, 4096).iter().all(|&b| b == 0));
                std::ptr::write_bytes(p, 0xA5, 4096);
                ZeroedAlloc.dealloc(p, layout);
            }
            let small = Layout::from_size_align(64, 16).unwrap();
            let p = ZeroedAlloc.alloc(small);
            std::ptr::write_bytes(p, 0x5A, 64);
            let q = ZeroedAlloc.realloc(p, small, 8192);
            assert!(!q.is_null());
            let bytes = std::slice::from_raw_parts(q, 8192);
            assert!(bytes[..64].iter().all(|&b| b == 0x5A), "realloc keeps the old bytes");
            assert!(bytes[64..].iter().all(|&b| b == 0), "and zeroes the grown tail");
            ZeroedAlloc.dealloc(q, Layout::from_size_align(8192, 16).unwrap());
        }
    }
}
