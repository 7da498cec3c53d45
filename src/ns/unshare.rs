//! `unshare` and `setns`: moving the calling thread into new or existing namespaces.

use crate::error::Error;
use crate::flags::check::{FlagError, Rule, Syscall};
use crate::flags::CloneFlags;
use crate::sys::errno::Result;
use crate::sys::fd::BorrowedFd;
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
/// syscall, with the rule [`check_unshare`] names); [`Error::Kernel`]:
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

/// What [`unshare`] checks before its syscall: namespace flags only, then the
/// kernel's rules for unshare.
pub fn check_unshare(flags: CloneFlags) -> core::result::Result<(), FlagError> {
    if !CloneFlags::ALL_NAMESPACES.contains(flags) {
        return Err(FlagError::new(
            Rule::UnshareNamespacesOnly,
            Syscall::Unshare,
            flags,
        ));
    }
    flags.check(Syscall::Unshare)
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
/// [`Error::Refused`] for kinds that are not namespaces (before the
/// syscall); [`Error::Kernel`]: `EINVAL` for a kind that does not match
/// the nsfs fd, an fd that is neither, or joining a user or mount namespace
/// from a multithreaded process; `EBADF`; `EPERM` (privilege); `ESRCH` (the
/// pidfd's process is gone); `EUSERS` (time namespace, multithreaded caller).
pub fn setns(fd: BorrowedFd<'_>, kinds: CloneFlags) -> Result<(), Error> {
    kinds.check(Syscall::Setns)?;
    Ok(syscall::setns(fd, kinds.bits() as c_int)?)
}
