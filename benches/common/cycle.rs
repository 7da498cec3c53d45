//! One create+exit+reap cycle of a fork-like child (no `CLONE_VM`) on its
//! own stack, through each API a user could pick. The child only exits with
//! status 0, and every cycle checks that it did. A set of flags that holds
//! `CLONE_NEWTIME`, which legacy clone cannot carry, gets it by an
//! unshare(2) of the caller first: the same kernel work for every API.

use super::race::Contender;
use core::cell::RefCell;
use core::ffi::{c_int, c_void};
use core::ptr;
use nsclone::{pid_t, CloneFlags, ExitStatus};

/// The stack each child runs on.
pub const STACK: usize = 64 * 1024;

/// The clone APIs with `flags`, glibc's first (the baseline), all on `stack`.
pub fn clone_contenders<'a>(
    flags: CloneFlags,
    stack: &'a RefCell<&mut [u8]>,
) -> Vec<Contender<'a>> {
    vec![
        Contender::timed("glibc `clone()` (libc crate)", move || {
            glibc_clone(flags, &mut stack.borrow_mut())
        }),
        Contender::timed("nsclone `clone`", move || {
            nsclone_clone(flags, &mut stack.borrow_mut())
        }),
        Contender::timed("nsclone `spawn`", move || {
            nsclone_spawn(flags, &mut stack.borrow_mut())
        }),
    ]
}

extern "C" fn exit_zero(_: *mut c_void) -> c_int {
    0
}

/// nsclone's `clone`, reaped with waitpid(2).
pub fn nsclone_clone(flags: CloneFlags, stack: &mut [u8]) {
    let word = legacy_word(flags, || nsclone::unshare(CloneFlags::NEWTIME).is_ok());
    let top = stack.as_mut_ptr_range().end;
    // SAFETY: without CLONE_VM the child has its own copy of `stack` and of
    // everything else; it only returns 0.
    let pid = unsafe {
        nsclone::clone(
            Some(exit_zero),
            top,
            word,
            ptr::null_mut(),
            ptr::null_mut(),
            ptr::null_mut(),
            ptr::null_mut(),
        )
    };
    reap(pid.expect("nsclone::clone"));
}

/// glibc's `clone` through the `libc` crate, reaped with waitpid(2).
pub fn glibc_clone(flags: CloneFlags, stack: &mut [u8]) {
    // SAFETY: unshare(2) of a time namespace changes only the caller's
    // namespace for its future children.
    let word = legacy_word(flags, || unsafe { libc::unshare(libc::CLONE_NEWTIME) } == 0);
    let top = stack.as_mut_ptr_range().end;
    // SAFETY: as for `nsclone_clone`.
    let pid = unsafe { libc::clone(exit_zero, top.cast(), word, ptr::null_mut()) };
    assert!(pid > 0, "glibc clone: {}", std::io::Error::last_os_error());
    reap(pid);
}

/// nsclone's `spawn` (closure on the child's stack; clone3 for
/// `CLONE_NEWTIME`, so no unshare), reaped with `Child::wait`.
pub fn nsclone_spawn(flags: CloneFlags, stack: &mut [u8]) {
    // SAFETY: the child only returns 0.
    let mut child = unsafe { nsclone::spawn(flags, stack, || 0) }.expect("nsclone::spawn");
    assert_eq!(child.wait(), Ok(ExitStatus::Exited(0)));
}

/// `nix::sched::clone` (a boxed closure over glibc's `clone`), reaped with
/// waitpid(2).
pub fn nix_clone(stack: &mut [u8]) {
    let flags = nix::sched::CloneFlags::empty();
    // SAFETY: as for `nsclone_clone`; the child only returns 0.
    let pid = unsafe { nix::sched::clone(Box::new(|| 0), stack, flags, Some(libc::SIGCHLD)) };
    reap(pid.expect("nix::sched::clone").as_raw());
}

/// glibc's `fork`, the child leaving with `_exit(0)`, reaped with waitpid(2).
pub fn fork() {
    // SAFETY: the benchmarks are single-threaded; the child calls only _exit.
    match unsafe { libc::fork() } {
        // SAFETY: _exit ends the child without running the parent's exit handlers.
        0 => unsafe { libc::_exit(0) },
        -1 => panic!("fork: {}", std::io::Error::last_os_error()),
        pid => reap(pid),
    }
}

/// The legacy clone flags word for `flags` with `SIGCHLD`; `CLONE_NEWTIME`
/// is made by `unshare_time` first, as legacy clone cannot carry it.
fn legacy_word(flags: CloneFlags, unshare_time: impl FnOnce() -> bool) -> c_int {
    if flags.contains(CloneFlags::NEWTIME) {
        assert!(unshare_time(), "unshare(CLONE_NEWTIME) failed");
    }
    (flags - CloneFlags::NEWTIME).bits() as c_int | libc::SIGCHLD
}

/// Waits for `pid` and checks that it exited with status 0.
fn reap(pid: pid_t) {
    let mut status = 0;
    // SAFETY: `status` is a valid out-pointer for the call.
    let reaped = unsafe { libc::waitpid(pid, &mut status, libc::__WALL) };
    assert_eq!((reaped, status), (pid, 0), "child {pid} did not exit 0");
}
