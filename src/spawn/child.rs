//! `Child` and `ExitStatus`: waiting for and signalling a spawned process.

use crate::pid_t;
use crate::sys::errno::Result;
use crate::sys::fd::{BorrowedFd, OwnedFd};
use crate::sys::syscall;
use core::ffi::c_int;
use linux_raw_sys::general::{__WALL, CLD_EXITED, P_PIDFD};

/// How a child ended.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub enum ExitStatus {
    /// It exited with this status (0..=255).
    Exited(i32),
    /// A signal with this number killed it.
    Signaled(i32),
}

impl ExitStatus {
    /// Decodes the raw status word wait4(2) gives for a child that ended
    /// ([`sys::wait4`](crate::sys::wait4)), as std's `ExitStatusExt::from_raw`.
    pub fn from_raw(status: c_int) -> ExitStatus {
        match status & 0x7f {
            0 => ExitStatus::Exited((status >> 8) & 0xff),
            signal => ExitStatus::Signaled(signal),
        }
    }

    /// Decodes waitid(2)'s `si_code` and `si_status` of a child that ended.
    pub(crate) fn from_siginfo(code: c_int, status: c_int) -> ExitStatus {
        if code == CLD_EXITED as c_int {
            ExitStatus::Exited(status & 0xff)
        } else {
            ExitStatus::Signaled(status)
        }
    }

    /// Whether it exited with status 0.
    pub fn success(self) -> bool {
        self == ExitStatus::Exited(0)
    }
}

/// A child process created by [`crate::spawn`]. Dropping it neither waits nor
/// kills: like `std::process::Child`, an unwaited child stays a zombie until
/// its parent exits.
#[derive(Debug)]
pub struct Child {
    pid: pid_t,
    pidfd: Option<OwnedFd>,
}

impl Child {
    pub(crate) fn new(pid: pid_t, pidfd: Option<OwnedFd>) -> Child {
        Child { pid, pidfd }
    }

    /// The child's pidfd, if [`crate::Spawn::pidfd`] asked for one.
    pub fn pidfd(&self) -> Option<BorrowedFd<'_>> {
        self.pidfd.as_ref().map(OwnedFd::as_fd)
    }

    /// The child's process ID, as seen from the caller's PID namespace.
    pub fn pid(&self) -> pid_t {
        self.pid
    }

    /// Waits for the child to end and reaps it, with `__WALL` so children
    /// with any exit signal are seen (`EINTR` is retried): waitid(2) with
    /// `P_PIDFD` when the child has a pidfd, wait4(2) otherwise.
    ///
    /// Errors: `ECHILD` if it is not (or no longer) a child of this process,
    /// e.g. when created with `CLONE_PARENT`.
    pub fn wait(self) -> Result<ExitStatus> {
        match &self.pidfd {
            Some(pidfd) => {
                let (code, status) = syscall::waitid(P_PIDFD, pidfd.as_raw_fd(), __WALL)?;
                Ok(ExitStatus::from_siginfo(code, status))
            }
            None => {
                let (_, status) = syscall::wait4(self.pid, __WALL)?;
                Ok(ExitStatus::from_raw(status))
            }
        }
    }

    /// Sends signal `sig` to the child: pidfd_send_signal(2) when it has a
    /// pidfd (which cannot reach a recycled PID), kill(2) otherwise.
    /// Errors: `EINVAL` (bad signal), `EPERM`, `ESRCH` (it has exited).
    pub fn kill(&self, sig: c_int) -> Result<()> {
        match &self.pidfd {
            Some(pidfd) => syscall::pidfd_send_signal(pidfd.as_fd(), sig),
            None => syscall::kill(self.pid, sig),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::ExitStatus;

    #[test]
    fn wait_status_words_decode_as_exit_codes_or_signals() {
        assert_eq!(ExitStatus::from_raw(0), ExitStatus::Exited(0));
        assert_eq!(ExitStatus::from_raw(7 << 8), ExitStatus::Exited(7));
        assert_eq!(ExitStatus::from_raw(9), ExitStatus::Signaled(9));
        assert_eq!(ExitStatus::from_raw(0x80 | 11), ExitStatus::Signaled(11));
        assert!(ExitStatus::Exited(0).success() && !ExitStatus::Signaled(9).success());
    }
}
