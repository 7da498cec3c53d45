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
pub fn pidfd_open(pid: pid_t) -> Result<OwnedFd> {
    syscall::pidfd_open(pid)
}
