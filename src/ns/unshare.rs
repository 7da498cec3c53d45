//! `unshare` and `setns`: moving the calling thread into new or existing namespaces.

use crate::error::refusal::Refusal;
use crate::error::Error;
use crate::flags::check::Syscall;
use crate::flags::CloneFlags;
use crate::sys::errno::Result;
use crate::sys::fd::{AsFd, AsRawFd};
use crate::sys::syscall;
use core::ffi::c_int;

/// Moves the calling thread into new namespaces of the kinds in `flags`
/// (`CLONE_NEW*` only). `CLONE_NEWPID` and `CLONE_NEWTIME` apply to the
/// caller's future children, not to itself.
///
/// See unshare(2).
///
/// # Errors
///
/// [`Error::Refused`] for flags other than `CLONE_NEW*` (before the
/// syscall, as [`check_unshare`] names it); [`Error::Kernel`]:
/// `EINVAL` for `CLONE_NEWUSER` in a multithreaded process, `EPERM` (no
/// `CAP_SYS_ADMIN`, or a chroot for `CLONE_NEWUSER`), `ENOSPC` (namespace
/// limits), `ENOMEM`, `EUSERS`.
pub fn unshare(flags: CloneFlags) -> Result<(), Error> {
    check_unshare(flags)?;
    // SAFETY: namespace flags change no memory, fd table or thread sharing
    // (CLONE_NEWNS's implied CLONE_FS only gives this thread its own cwd and
    // root, which no Rust value aliases).
    Ok(unsafe { syscall::unshare(flags.bits()) }?)
}

/// What [`unshare`] checks before its syscall: namespace flags only (the
/// crate's refusal), then the kernel's rules for unshare.
///
/// # Errors
///
/// [`Error::Refused`] with [`Refusal::UnshareNamespacesOnly`], or
/// [`Error::Invalid`] with the kernel's rule; never another variant.
pub fn check_unshare(flags: CloneFlags) -> Result<(), Error> {
    if !CloneFlags::ALL_NAMESPACES.contains(flags) {
        return Err(Refusal::UnshareNamespacesOnly.into());
    }
    Ok(flags.check(Syscall::Unshare)?)
}

/// unshare(2) with any flags, `CLONE_FILES`, `CLONE_FS`, `CLONE_SYSVSEM` and
/// the no-op `CLONE_VM`/`CLONE_SIGHAND`/`CLONE_THREAD` included.
///
/// # Safety
///
/// Unsharing `CLONE_FILES` gives this thread its own copy of the fd table:
/// descriptors that values on other threads own are then duplicated here, and
/// closing them on either side no longer closes them on the other. The caller
/// answers for that and for `CLONE_FS`.
///
/// # Errors
///
/// unshare(2)'s: `EINVAL`, `EPERM`, `ENOSPC`, `ENOMEM`, `EUSERS`.
pub unsafe fn unshare_unchecked(flags: CloneFlags) -> Result<()> {
    // SAFETY: the caller answers for the flags.
    unsafe { syscall::unshare(flags.bits()) }
}

/// Moves the calling thread into the namespaces `fd` refers to: an nsfs fd
/// ([`crate::open_ns`]; `kinds` empty or exactly its kind) or a pidfd (one or
/// more kinds, joined all or nothing, since Linux 5.8).
///
/// See setns(2).
///
/// # Errors
///
/// [`Error::Invalid`] for kinds that are not namespaces (before the
/// syscall); [`Error::Kernel`]: `EINVAL` for a kind that does not match
/// the nsfs fd, an fd that is neither, or joining a user or mount namespace
/// from a multithreaded process; `EBADF`; `EPERM` (privilege); `ESRCH` (the
/// pidfd's process is gone); `EUSERS` (time namespace, multithreaded caller).
pub fn setns(fd: impl AsFd, kinds: CloneFlags) -> Result<(), Error> {
    kinds.check(Syscall::Setns)?;
    Ok(syscall::setns(
        fd.as_fd().as_raw_fd(),
        kinds.bits() as c_int,
    )?)
}
