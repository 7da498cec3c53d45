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
///
/// # Examples
///
/// A child that moves itself into a UTS namespace of its own (owned by a
/// new user namespace, where it may rename it), leaving the caller's as
/// it was:
///
/// ```
/// use nsclone::{spawn, sys, unshare, CloneFlags, ExitStatus, MmapStack};
///
/// let mut stack = MmapStack::new(64 * 1024)?;
/// // SAFETY: the child makes raw syscalls only and returns a number.
/// let mut child = unsafe {
///     spawn(CloneFlags::empty(), stack.as_mut_slice(), || {
///         let renamed = unshare(CloneFlags::NEWUSER | CloneFlags::NEWUTS).is_ok()
///             && sys::sethostname(b"inside").is_ok();
///         if renamed && sys::uname().nodename() == b"inside" { 0 } else { 1 }
///     })
/// }?;
/// assert_eq!(child.wait()?, ExitStatus::Exited(0));
/// assert_ne!(sys::uname().nodename(), b"inside");
/// # Ok::<(), nsclone::Error>(())
/// ```
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
/// [`Error::Refused`] with [`Refusal::UnshareNamespacesOnly`]; never
/// another variant (the kernel's rules for unshare, checked after it,
/// pass every set of namespace flags: no [`Error::Invalid`] comes from
/// here today).
///
/// # Examples
///
/// ```
/// use nsclone::{check_unshare, CloneFlags, Refusal};
///
/// assert_eq!(check_unshare(CloneFlags::NEWUSER | CloneFlags::NEWNS), Ok(()));
/// // Unsharing the fd table is unshare_unchecked's.
/// let err = check_unshare(CloneFlags::NEWNS | CloneFlags::FILES).unwrap_err();
/// assert_eq!(err.refusal(), Some(Refusal::UnshareNamespacesOnly));
/// ```
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
///
/// # Examples
///
/// A thread that changes its working directory without changing the
/// process's:
///
/// ```
/// use nsclone::{sys, unshare_unchecked, CloneFlags};
///
/// let before = std::env::current_dir().ok();
/// let thread = std::thread::spawn(|| {
///     // SAFETY: CLONE_FS alone; nothing on this thread relies on sharing
///     // the working directory.
///     unsafe { unshare_unchecked(CloneFlags::FS) }?;
///     sys::chdir(c"/")?;
///     Ok::<_, nsclone::Errno>(std::env::current_dir().ok())
/// });
/// let inside = thread.join().expect("the thread does not panic")?;
/// assert_eq!(inside.as_deref(), Some(std::path::Path::new("/")));
/// assert_eq!(std::env::current_dir().ok(), before);
/// # Ok::<(), nsclone::Errno>(())
/// ```
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
///
/// # Examples
///
/// A child in a new UTS namespace that returns to the caller's, kept open
/// for it ([`crate::open_ns`]); not run here, as it needs `CAP_SYS_ADMIN`.
/// `examples/join.rs` joins through a pidfd.
///
/// ```no_run
/// use nsclone::{ns_id, open_ns, setns, spawn, CloneFlags, ExitStatus, MmapStack, Namespace};
///
/// let home = open_ns(0, Namespace::Uts)?;
/// let home_id = ns_id(0, Namespace::Uts)?;
/// let mut stack = MmapStack::new(64 * 1024)?;
/// // SAFETY: the child makes raw syscalls only and returns a number.
/// let mut child = unsafe {
///     spawn(CloneFlags::NEWUTS, stack.as_mut_slice(), || {
///         let current = || ns_id(0, Namespace::Uts).ok();
///         let away = current() != Some(home_id);
///         let back = setns(&home, CloneFlags::NEWUTS).is_ok() && current() == Some(home_id);
///         if away && back { 0 } else { 1 }
///     })
/// }?;
/// assert_eq!(child.wait()?, ExitStatus::Exited(0));
/// # Ok::<(), nsclone::Error>(())
/// ```
pub fn setns(fd: impl AsFd, kinds: CloneFlags) -> Result<(), Error> {
    kinds.check(Syscall::Setns)?;
    Ok(syscall::setns(
        fd.as_fd().as_raw_fd(),
        kinds.bits() as c_int,
    )?)
}
