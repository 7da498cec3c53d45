//! `open_ns` and `ns_id`: a process's namespaces as `/proc/<pid>/ns/<name>` files.

use crate::flags::namespace::Namespace;
use crate::pid_t;
use crate::sys::errno::Result;
use crate::sys::fd::{AsFd, OwnedFd};
use crate::sys::proc_path::ProcPath;
use crate::sys::syscall;

/// Opens the namespace file of kind `ns` of process `pid` (0: the caller),
/// close-on-exec, for [`crate::setns`] or to keep the namespace alive;
/// [example](crate::setns#examples).
///
/// See namespaces(7) and open(2).
///
/// # Errors
///
/// `ENOENT` (no such process, or a kind the kernel lacks), `EACCES`
/// (ptrace access denied), `EINVAL` for a negative pid.
pub fn open_ns(pid: pid_t, ns: Namespace) -> Result<OwnedFd> {
    let path = ProcPath::new(pid, &[b"ns/", ns.proc_name().as_bytes()])?;
    syscall::open(path.as_c_str(), linux_raw_sys::general::O_RDONLY)
}

/// The identity of process `pid`'s (0: the caller's) namespace of kind `ns`:
/// the inode number of its namespace file, the number in `uts:[4026531838]`.
/// Two processes share a namespace exactly when these are equal.
///
/// # Errors
///
/// Those of [`open_ns`], and fstat(2)'s.
///
/// # Examples
///
/// ```
/// use nsclone::{ns_id, sys, Namespace};
/// use std::os::unix::fs::MetadataExt;
///
/// let uts = ns_id(0, Namespace::Uts)?;
/// assert_eq!(ns_id(sys::getpid(), Namespace::Uts)?, uts);
/// let inode = std::fs::metadata("/proc/self/ns/uts").map(|file| file.ino());
/// assert_eq!(inode.ok(), Some(uts));
/// assert_ne!(ns_id(0, Namespace::Net)?, uts);
/// # Ok::<(), nsclone::Errno>(())
/// ```
///
/// [`setns`](crate::setns#examples) compares a child's with the caller's.
pub fn ns_id(pid: pid_t, ns: Namespace) -> Result<u64> {
    syscall::file_identity(open_ns(pid, ns)?.as_fd()).map(|(_, inode)| inode)
}
