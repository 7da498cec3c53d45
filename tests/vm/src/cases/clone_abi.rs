//! The libc-style `clone` contract on a real kernel: the child's stack is
//! ABI-aligned at fn entry for every misaligned top, fn and arg arrive, and
//! CLONE_VM|CLONE_VFORK shares memory and suspends the parent until the
//! child ends (qemu-user emulates vfork as fork: only a VM shows it).

use crate::cases::{expect_status, Outcome, Tally};
use crate::out::Line;
use crate::sp_probe::{sp_misalignment_at_entry, ABI_MISALIGNMENT_AT_ENTRY};
use crate::{ensure, fail, sys};
use core::ffi::{c_int, c_void};
use core::ptr;
use core::sync::atomic::{AtomicU32, Ordering};
use nsclone::{clone, CloneFlags, CloneFn, ExitStatus, MmapStack};

const SIGCHLD: c_int = linux_raw_sys::general::SIGCHLD as c_int;

pub fn run(tally: &mut Tally) {
    tally.run(
        format_args!("clone: the child's sp is ABI-aligned at fn entry for 16 misaligned tops"),
        alignment,
    );
    tally.run(
        format_args!("clone: fn and arg reach the child, its status comes back"),
        fn_and_arg,
    );
    tally.run(
        format_args!("clone: CLONE_VM|CLONE_VFORK shares memory and suspends the parent"),
        vm_vfork,
    );
}

/// Clones a child running `f(arg)` with its stack top at `top`.
fn start(f: CloneFn, top: *mut u8, flags: c_int, arg: *mut c_void) -> Result<c_int, Line> {
    // SAFETY: `top` ends a stack only the child uses, and `f` touches only
    // `arg`, which outlives the child (the parent waits for it).
    let pid = unsafe {
        clone(
            Some(f),
            top,
            flags,
            arg,
            ptr::null_mut(),
            ptr::null_mut(),
            ptr::null_mut(),
        )
    };
    pid.map_err(|err| Line::new(format_args!("clone: {err}")))
}

/// Exits with the u32 `arg` points to.
extern "C" fn exit_with_arg(arg: *mut c_void) -> c_int {
    // SAFETY: every caller passes a pointer to a u32.
    unsafe { *arg.cast::<u32>() as c_int }
}

fn alignment() -> Outcome {
    let Ok(mut stack) = MmapStack::new(64 * 1024) else {
        fail!("mmap a stack")
    };
    let stack = stack.as_mut_slice();
    let aligned_end = stack.len() - 64;
    for skew in 0..16 {
        let top = stack[..aligned_end - skew].as_mut_ptr_range().end;
        let pid = start(sp_misalignment_at_entry, top, SIGCHLD, ptr::null_mut())?;
        let status = sys::wait_pid(pid);
        ensure!(
            status == ExitStatus::Exited(ABI_MISALIGNMENT_AT_ENTRY),
            "top misaligned by {skew}: sp mod 16 at entry {:?}, the ABI wants {}",
            status,
            ABI_MISALIGNMENT_AT_ENTRY
        );
    }
    Ok(())
}

fn fn_and_arg() -> Outcome {
    let Ok(mut stack) = MmapStack::new(64 * 1024) else {
        fail!("mmap a stack")
    };
    let top = stack.as_mut_slice().as_mut_ptr_range().end;
    for value in [0u32, 1, 42, 255] {
        let mut arg = value;
        let pid = start(exit_with_arg, top, SIGCHLD, (&raw mut arg).cast())?;
        let status = sys::wait_pid(pid);
        ensure!(
            status == ExitStatus::Exited(value as c_int),
            "arg {value}: the child ended {:?}",
            status
        );
    }
    Ok(())
}

/// How long the vfork child waits before its store.
const VFORK_CHILD_DELAY_MS: u64 = 100;

/// Waits, then stores 0x5a in the AtomicU32 `arg` points to.
extern "C" fn store_late(arg: *mut c_void) -> c_int {
    sys::sleep_ms(VFORK_CHILD_DELAY_MS);
    // SAFETY: the parent passes an AtomicU32 it keeps alive, shared (CLONE_VM).
    unsafe { (*arg.cast::<AtomicU32>()).store(0x5a, Ordering::SeqCst) };
    0
}

fn vm_vfork() -> Outcome {
    let Ok(mut stack) = MmapStack::new(64 * 1024) else {
        fail!("mmap a stack")
    };
    let top = stack.as_mut_slice().as_mut_ptr_range().end;
    let shared = AtomicU32::new(0);
    let flags = (CloneFlags::VM | CloneFlags::VFORK).bits() as c_int | SIGCHLD;
    let arg = ptr::from_ref(&shared).cast_mut().cast();
    let before = sys::monotonic_ns();
    let pid = start(store_late, top, flags, arg)?;
    let suspended_ms = (sys::monotonic_ns() - before) / 1_000_000;
    let stored = shared.load(Ordering::SeqCst);
    expect_status(Ok(sys::wait_pid(pid)), ExitStatus::Exited(0))?;
    ensure!(
        stored == 0x5a,
        "when clone returned, the child's store was not in the parent's memory"
    );
    ensure!(
        suspended_ms >= VFORK_CHILD_DELAY_MS as i64,
        "clone returned after {suspended_ms} ms, before the child ended"
    );
    Ok(())
}
