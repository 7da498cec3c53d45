//! `Child` and `ExitStatus`: waiting for and signalling a spawned process.

use crate::errno::Result;
use crate::{pid_t, syscall};
use core::ffi::c_int;
use linux_raw_sys::general::__WALL;

/// How a child ended.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub enum ExitStatus {
    /// It exited with this status (0..=255).
    Exited(i32),
    /// A signal with this number killed it.
    Signaled(i32),
}

impl ExitStatus {
    /// Decodes a `wait4` status word of a child that ended.
    pub(crate) fn from_wait_status(status: c_int) -> ExitStatus {
        match status & 0x7f {
            0 => ExitStatus::Exited((status >> 8) & 0xff),
            signal => ExitStatus::Signaled(signal),
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
}

impl Child {
    pub(crate) fn new(pid: pid_t) -> Child {
        Child { pid }
    }

    /// The child's process ID, as seen from the caller's PID namespace.
    pub fn pid(&self) -> pid_t {
        self.pid
    }

    /// Waits for the child to end and reaps it (wait4(2) with `__WALL`, so
    /// children with any exit signal are seen; `EINTR` is retried).
    ///
    /// Errors: `ECHILD` if it is not (or no longer) a child of this process,
    /// e.g. when created with `CLONE_PARENT`.
    pub fn wait(self) -> Result<ExitStatus> {
        let (_, status) = syscall::wait4(self.pid, __WALL)?;
        Ok(ExitStatus::from_wait_status(status))
    }

    /// Sends signal `sig` to the child (kill(2)). Errors: `EINVAL` (bad
    /// signal), `EPERM`, `ESRCH`.
    pub fn kill(&self, sig: c_int) -> Result<()> {
        syscall::kill(self.pid, sig)
    }
}

#[cfg(test)]
mod tests {
    use super::ExitStatus;

    #[test]
    fn wait_status_words_decode_as_exit_codes_or_signals() {
        assert_eq!(ExitStatus::from_wait_status(0), ExitStatus::Exited(0));
        assert_eq!(ExitStatus::from_wait_status(7 << 8), ExitStatus::Exited(7));
        assert_eq!(ExitStatus::from_wait_status(9), ExitStatus::Signaled(9));
        assert_eq!(
            ExitStatus::from_wait_status(0x80 | 11),
            ExitStatus::Signaled(11)
        );
        assert!(ExitStatus::Exited(0).success() && !ExitStatus::Signaled(9).success());
    }
}
