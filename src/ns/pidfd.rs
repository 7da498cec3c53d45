//! `pidfd_open`: a pidfd for a process this caller did not create.

use crate::pid_t;
use crate::sys::errno::Result;
use crate::sys::fd::OwnedFd;
use crate::sys::syscall;

/// Opens a pidfd for process `pid` (close-on-exec, Linux 5.3+), for
/// [`crate::setns`] into its namespaces or to signal it without PID reuse races.
///
/// See pidfd_open(2).
///
/// # Errors
///
/// `ESRCH` (no such process), `EINVAL` (`pid` not positive, or not a
/// thread-group leader), `EMFILE`, `ENFILE`, `ENOMEM`, `ENOSYS`.
///
/// # Examples
///
/// ```
/// use nsclone::{pidfd_open, sys, AsRawFd, Errno};
///
/// let pidfd = pidfd_open(sys::getpid())?;
/// // The kernel names the process in the descriptor's fdinfo.
/// let info = std::fs::read_to_string(format!("/proc/self/fdinfo/{}", pidfd.as_raw_fd()));
/// assert!(info.is_ok_and(|info| info.contains(&format!("Pid:\t{}\n", sys::getpid()))));
/// assert_eq!(pidfd_open(0).unwrap_err(), Errno::EINVAL);
/// # Ok::<(), nsclone::Errno>(())
/// ```
///
/// `examples/join.rs` joins a process's namespaces through one.
pub fn pidfd_open(pid: pid_t) -> Result<OwnedFd> {
    syscall::pidfd_open(pid)
}
