//! The libc-style `clone`: stack alignment, fn/arg delivery, exit status,
//! errors, threads, vfork and exit signals, on the running kernel.

mod common;

use common::proc::{sched_yield, wait_pid};
use common::sp_probe::{sp_misalignment_at_entry, ABI_MISALIGNMENT_AT_ENTRY};
use core::ffi::{c_int, c_void};
use core::ptr;
use core::sync::atomic::{AtomicI32, AtomicU32, Ordering};
use linux_raw_sys::general as k;
use nsclone::{clone, CloneFlags, Errno, ExitStatus, MmapStack, StaticStack};

const SIGCHLD: c_int = k::SIGCHLD as c_int;

/// Exits with the u32 `arg` points to.
extern "C" fn exit_with_arg(arg: *mut c_void) -> c_int {
    // SAFETY: every caller passes a pointer to a u32.
    unsafe { *arg.cast::<u32>() as c_int }
}

extern "C" fn exit_7(_: *mut c_void) -> c_int {
    7
}

/// Clones a fork-like child running `f(arg)` with its stack top at `top`.
fn fork_like(f: nsclone::CloneFn, top: *mut u8, flags: c_int, arg: *mut c_void) -> ExitStatus {
    // SAFETY: `top` ends a stack the child owns (its own copy of memory), and
    // `f` only reads `arg` or nothing.
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
    }
    .expect("clone");
    wait_pid(pid)
}

#[test]
fn the_child_stack_is_abi_aligned_at_fn_entry_for_every_misaligned_top() {
    let mut stack = MmapStack::new(64 * 1024).unwrap();
    let stack = stack.as_mut_slice();
    let aligned_end = stack.len() - 64;
    for skew in 0..16 {
        let top = stack[..aligned_end - skew].as_mut_ptr_range().end;
        let status = fork_like(sp_misalignment_at_entry, top, SIGCHLD, ptr::null_mut());
        assert_eq!(
            status,
            ExitStatus::Exited(ABI_MISALIGNMENT_AT_ENTRY),
            "top misaligned by {skew}"
        );
    }
}

#[test]
fn fn_and_arg_reach_the_child_intact_and_its_status_comes_back() {
    let mut stack = StaticStack::<16384>::new();
    let top = stack.as_mut_slice().as_mut_ptr_range().end;
    for value in [0u32, 1, 42, 255] {
        let mut arg = value;
        let status = fork_like(exit_with_arg, top, SIGCHLD, (&mut arg as *mut u32).cast());
        assert_eq!(status, ExitStatus::Exited(value as i32));
    }
    assert_eq!(
        fork_like(exit_7, top, SIGCHLD, ptr::null_mut()),
        ExitStatus::Exited(7)
    );
}

#[test]
fn a_null_fn_or_stack_is_einval_before_any_syscall() {
    let mut stack = StaticStack::<4096>::new();
    let top = stack.as_mut_slice().as_mut_ptr_range().end;
    let null = ptr::null_mut();
    // SAFETY: both calls are refused before the trampoline runs.
    unsafe {
        assert_eq!(
            clone(None, top, SIGCHLD, null, null.cast(), null, null.cast()),
            Err(Errno::EINVAL)
        );
        assert_eq!(
            clone(
                Some(exit_7),
                null.cast(),
                SIGCHLD,
                null,
                null.cast(),
                null,
                null.cast()
            ),
            Err(Errno::EINVAL)
        );
    }
}

#[test]
fn sighand_without_vm_is_einval_from_the_kernel() {
    let mut stack = StaticStack::<4096>::new();
    let top = stack.as_mut_slice().as_mut_ptr_range().end;
    let flags = CloneFlags::SIGHAND.bits() as c_int | SIGCHLD;
    let null = ptr::null_mut();
    // SAFETY: the kernel refuses the flags, so no child runs.
    let result = unsafe {
        clone(
            Some(exit_7),
            top,
            flags,
            null,
            null.cast(),
            null,
            null.cast(),
        )
    };
    assert_eq!(result, Err(Errno::EINVAL));
}

/// Written by the thread, read by the test: memory shared through CLONE_VM.
static THREAD_SAW: AtomicU32 = AtomicU32::new(0);

extern "C" fn thread_body(arg: *mut c_void) -> c_int {
    // SAFETY: the caller passes a pointer to a u32 that outlives the thread.
    THREAD_SAW.store(unsafe { *arg.cast::<u32>() }, Ordering::SeqCst);
    0
}

/// FUTEX_WAIT while `*word == value` (returns at once if it changed).
fn futex_wait(word: &AtomicI32, value: i32) {
    let args = [
        word.as_ptr() as usize,
        k::FUTEX_WAIT as usize,
        value as usize,
        0,
    ];
    // SAFETY: `word` is a valid, aligned futex word for the whole call, and
    // the null timeout means none. The answer (0, EAGAIN, EINTR) is not
    // needed: the caller checks the word again.
    let _ = unsafe { nsclone::sys::syscall(k::__NR_futex, args) };
}

#[test]
fn a_thread_like_clone_is_joined_through_a_futex_on_ctid() {
    let mut stack = MmapStack::new(64 * 1024).unwrap();
    let top = stack.as_mut_slice().as_mut_ptr_range().end;
    let tid = AtomicI32::new(0);
    let mut arg = 0x5eed_u32;
    let flags = CloneFlags::VM
        | CloneFlags::FS
        | CloneFlags::FILES
        | CloneFlags::SIGHAND
        | CloneFlags::THREAD
        | CloneFlags::SYSVSEM
        | CloneFlags::PARENT_SETTID
        | CloneFlags::CHILD_CLEARTID;
    // SAFETY: the thread runs `thread_body` on its own stack, touches only an
    // atomic and `arg`, and the test waits for it to exit before either goes.
    let result = unsafe {
        clone(
            Some(thread_body),
            top,
            flags.bits() as c_int,
            (&mut arg as *mut u32).cast(),
            tid.as_ptr(),
            ptr::null_mut(),
            tid.as_ptr(),
        )
    };
    let thread = result.expect("clone a thread");
    // PARENT_SETTID stored the tid before clone returned; CHILD_CLEARTID zeroes
    // it and wakes the futex when the thread exits.
    loop {
        match tid.load(Ordering::SeqCst) {
            0 => break,
            current => {
                assert_eq!(current, thread);
                futex_wait(&tid, current);
            }
        }
    }
    assert_eq!(THREAD_SAW.load(Ordering::SeqCst), 0x5eed);
}

extern "C" fn store_and_exit(arg: *mut c_void) -> c_int {
    // SAFETY: the caller passes a pointer to a u32 it waits on.
    unsafe { arg.cast::<u32>().write_volatile(0xfeed) };
    3
}

#[test]
fn a_vm_vfork_child_has_stored_before_clone_returns() {
    skip_under_qemu_user!();
    let mut stack = StaticStack::<16384>::new();
    let top = stack.as_mut_slice().as_mut_ptr_range().end;
    let mut shared = 0u32;
    let flags = (CloneFlags::VM | CloneFlags::VFORK).bits() as c_int | SIGCHLD;
    let status = fork_like(store_and_exit, top, flags, (&mut shared as *mut u32).cast());
    // SAFETY: the child has exited; volatile because it wrote behind the compiler's back.
    assert_eq!(unsafe { ptr::read_volatile(&shared) }, 0xfeed);
    assert_eq!(status, ExitStatus::Exited(3));
}

#[test]
fn a_child_with_another_exit_signal_or_none_is_reaped() {
    skip_if!(
        common::under_qemu_user(),
        "qemu-user accepts only SIGCHLD as a clone exit signal"
    );
    let mut stack = StaticStack::<16384>::new();
    let top = stack.as_mut_slice().as_mut_ptr_range().end;
    // SIGURG is ignored by default, so its arrival cannot end the test process.
    for signal in [0, k::SIGURG as c_int] {
        assert_eq!(
            fork_like(exit_7, top, signal, ptr::null_mut()),
            ExitStatus::Exited(7),
            "exit signal {signal}"
        );
    }
}

#[test]
fn a_fork_like_child_leaves_the_parents_memory_untouched() {
    let mut stack = StaticStack::<16384>::new();
    let top = stack.as_mut_slice().as_mut_ptr_range().end;
    let mut shared = 0u32;
    let status = fork_like(
        store_and_exit,
        top,
        SIGCHLD,
        (&mut shared as *mut u32).cast(),
    );
    assert_eq!(status, ExitStatus::Exited(3));
    // Give a wrongly shared write every chance to show.
    sched_yield();
    // SAFETY: plain read of our own local.
    assert_eq!(unsafe { ptr::read_volatile(&shared) }, 0);
}
