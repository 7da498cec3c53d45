//! The safe spawn path with closures of 37 sizes and alignments (0 to
//! 100,000 bytes, aligned 1 to 4096) on stacks of any length starting at any
//! offset in a guarded region, fork-like, vfork and CLONE_VM|CLONE_VFORK,
//! with and without a pidfd (clone3), and with the steps a child runs before
//! its closure (ID maps and time offsets): spawn fails with ENOMEM before any
//! syscall exactly when the documented placement does not fit, drops the
//! closure exactly once either way, and otherwise the child finds its
//! captured bytes, its alignment, its stack pointer and the memory below its
//! stack intact. Input layout: `LayoutInput` in fuzz/invariants.rs.
#![no_main]

use nsclone_testkit::invariants;

use invariants::spawn_layout::{self, LayoutInput, REGION};
use libfuzzer_sys::fuzz_target;
use nsclone::MmapStack;
use std::cell::RefCell;

thread_local! {
    static STACK: RefCell<Option<MmapStack>> = const { RefCell::new(None) };
}

/// 0 for 0, else 1 + the base-2 logarithm.
fn log2(n: u64) -> u64 {
    u64::from(u64::BITS - n.leading_zeros())
}

fuzz_target!(|data: &[u8]| {
    let input = LayoutInput::decode(data);
    let outcome = STACK.with(|stack| {
        let mut stack = stack.borrow_mut();
        let stack = stack.get_or_insert_with(|| MmapStack::new(REGION).expect("mmap the region"));
        spawn_layout::check(input, stack.as_mut_slice())
    });
    // How close the stack came to fitting, per shape and mode: the
    // interesting inputs sit at the boundary.
    let bucket = match outcome.margin {
        None => 0,
        Some(m) if m >= 0 => 1 + log2(m as u64),
        Some(m) => 64 + log2(m.unsigned_abs()),
    };
    nsclone_fuzz::hit((input.shape as u64) << 24 | (input.mode as u64) << 16 | bucket);
});
