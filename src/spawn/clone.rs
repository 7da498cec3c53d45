//! `clone`: the glibc/musl-compatible wrapper around the assembly trampoline.

use crate::pid_t;
use crate::sys::arch::{self, CloneFn};
use crate::sys::errno::{Errno, Result};
use core::ffi::{c_int, c_void};

/// Creates a child process or thread that runs `f(arg)` on `stack`, like
/// glibc's and musl's `clone(3)`.
///
/// `stack` is the *top* of the child's stack (the highest address, any
/// alignment: it is aligned down to 16 first). `flags` is the legacy clone
/// flags word: its low byte is the signal the parent gets when the child
/// exits (usually `SIGCHLD`), the rest are `CLONE_*` bits of the low 32
/// (`CloneFlags::bits() as c_int`). `ptid`, `tls` and `ctid` are passed to
/// the kernel for `CLONE_PARENT_SETTID`/`CLONE_PIDFD`, `CLONE_SETTLS` and
/// `CLONE_CHILD_SETTID`/`CLONE_CHILD_CLEARTID`; pass null when unused.
///
/// The child ends with the `exit` syscall (its own thread only), with `f`'s
/// return value as status, as glibc's and musl's `clone` do: `clone` may
/// make threads (`CLONE_THREAD`), whose end must not end their group.
/// [`spawn`](crate::spawn), which makes processes only, ends its children
/// with `exit_group`. `f` is an `Option` because C callers may pass a
/// null pointer; `None` is rejected like a null stack.
///
/// See clone(2).
///
/// # Errors
///
/// `EINVAL` for a null `f` or `stack` (before any syscall) and for the
/// combinations [`CloneFlags::check`](crate::CloneFlags::check) names;
/// `EPERM` (privilege, chroot, LSM), `ENOSPC` (namespace limits), `EAGAIN`
/// (process limits), `ENOMEM`, `EUSERS` (old kernels' user namespace
/// nesting limit).
///
/// # Safety
///
/// Everything glibc's `clone` asks of its caller:
/// - `[stack - n, stack)` must be writable memory, large enough for `f`, that
///   nothing else uses while the child runs (with `CLONE_VM` the parent must not
///   free or reuse it until the child has exited or exec'd);
/// - `f` must be safe to run in the child with `arg`. Without `CLONE_VM` the
///   child has a copy of the parent's memory at the time of the call, in which
///   other threads' locks may be held: it must only use async-signal-safe
///   operations (this crate's syscalls are) until it exits or execs;
/// - with `CLONE_VM`, `CLONE_THREAD`, `CLONE_SETTLS` or `CLONE_FILES`, the
///   caller is responsible for every aliasing, TLS and fd-table consequence;
/// - `ptid`, `tls` and `ctid` must be valid for the flags that use them.
///
/// # Examples
///
/// A child in a new user namespace, reaped with `wait4`:
///
/// ```
/// use core::ffi::{c_int, c_void};
/// use core::ptr::null_mut;
/// use nsclone::{clone, ns_id, sys, CloneFlags, ExitStatus, MmapStack, Namespace, Signal};
///
/// /// Exits with 0 if its user namespace is not the one `arg` names.
/// extern "C" fn in_new_user_namespace(arg: *mut c_void) -> c_int {
///     // SAFETY: `arg` points to the parent's `u64`, of which the child has a copy.
///     let parent = unsafe { *arg.cast::<u64>() };
///     match ns_id(0, Namespace::User) {
///         Ok(own) if own != parent => 0,
///         _ => 1,
///     }
/// }
///
/// let mut parent = ns_id(0, Namespace::User)?;
/// let mut stack = MmapStack::new(64 * 1024)?;
/// let top = stack.as_mut_slice().as_mut_ptr_range().end;
/// let flags = CloneFlags::NEWUSER.bits() as c_int | Signal::CHLD.raw();
/// let arg = (&raw mut parent).cast();
/// // SAFETY: without CLONE_VM the child has its own copy of our memory; it
/// // runs on its copy of `stack`, 64 KiB above a guard, which its one call
/// // to ns_id stays well within, and makes raw syscalls only.
/// let pid = unsafe {
///     clone(Some(in_new_user_namespace), top, flags, arg, null_mut(), null_mut(), null_mut())
/// }?;
/// let (_, status) = sys::wait4(pid, 0)?;
/// assert_eq!(ExitStatus::from_raw(status), ExitStatus::Exited(0));
/// # Ok::<(), nsclone::Error>(())
/// ```
pub unsafe fn clone(
    f: Option<CloneFn>,
    stack: *mut u8,
    flags: c_int,
    arg: *mut c_void,
    ptid: *mut pid_t,
    tls: *mut c_void,
    ctid: *mut pid_t,
) -> Result<pid_t> {
    let Some(f) = f else {
        return Err(Errno::EINVAL);
    };
    if stack.is_null() {
        return Err(Errno::EINVAL);
    }
    // SAFETY: the caller upholds the contract above, which is the trampoline's.
    let ret = unsafe { arch::clone(f, stack, flags, arg, ptid, tls, ctid) };
    Errno::from_syscall(ret as usize).map(|tid| tid as pid_t)
}
