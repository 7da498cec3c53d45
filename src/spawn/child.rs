//! `Child` and `ExitStatus`: waiting for and signalling a spawned process.

use crate::pid_t;
use crate::sys::errno::Result;
use crate::sys::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use crate::sys::signal::Signal;
use crate::sys::syscall;
use core::ffi::c_int;
use core::fmt;
use linux_raw_sys::general::{__WALL, CLD_EXITED, P_PIDFD, WNOHANG};

/// How a child ended. Prints as std's `ExitStatus` does on Linux:
/// `exit status: 3`, `signal: 9 (SIGKILL)`, or `signal: 40` for a
/// signal without a name.
///
/// # Examples
///
/// ```
/// use nsclone::ExitStatus;
///
/// let killed = ExitStatus::from_raw(9);
/// assert_eq!(killed, ExitStatus::Signaled(9));
/// assert_eq!((killed.code(), killed.signal()), (None, Some(9)));
/// assert_eq!(killed.to_string(), "signal: 9 (SIGKILL)");
/// assert_eq!(ExitStatus::Exited(3).to_string(), "exit status: 3");
/// assert!(ExitStatus::Exited(0).success());
/// ```
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub enum ExitStatus {
    /// It exited with this status (0..=255).
    Exited(i32),
    /// A signal with this number killed it.
    Signaled(i32),
}

impl ExitStatus {
    /// Decodes the raw status word wait4(2) gives for a child that ended
    /// ([`sys::wait4`](crate::sys::wait4)), as std's `ExitStatusExt::from_raw`;
    /// [example](ExitStatus#examples).
    pub fn from_raw(status: c_int) -> ExitStatus {
        match status & 0x7f {
            0 => ExitStatus::Exited((status >> 8) & 0xff),
            signal => ExitStatus::Signaled(signal),
        }
    }

    /// Whether it exited with status 0; [example](ExitStatus#examples).
    pub fn success(self) -> bool {
        self == ExitStatus::Exited(0)
    }

    /// The exit status, if it exited (std's `ExitStatus::code`);
    /// [example](ExitStatus#examples).
    pub const fn code(self) -> Option<i32> {
        match self {
            ExitStatus::Exited(code) => Some(code),
            ExitStatus::Signaled(_) => None,
        }
    }

    /// The number of the signal that killed it, if one did (std's
    /// `ExitStatusExt::signal`; [`Signal::from_raw`] makes it a
    /// [`Signal`]); [example](ExitStatus#examples).
    pub const fn signal(self) -> Option<i32> {
        match self {
            ExitStatus::Exited(_) => None,
            ExitStatus::Signaled(signal) => Some(signal),
        }
    }
}

impl fmt::Display for ExitStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            ExitStatus::Exited(code) => write!(f, "exit status: {code}"),
            ExitStatus::Signaled(number) => {
                write!(f, "signal: {number}")?;
                match Signal::from_raw(number).ok().and_then(Signal::short_name) {
                    Some(name) => write!(f, " (SIG{name})"),
                    None => Ok(()),
                }
            }
        }
    }
}

/// A child process created by [`crate::spawn`]. Dropping it neither waits nor
/// kills: like `std::process::Child`, an unwaited child stays a zombie until
/// its parent exits.
///
/// Once [`wait`](Self::wait) or [`try_wait`](Self::try_wait) has reaped it,
/// it keeps the status and answers it again, and [`kill`](Self::kill)
/// sends nothing: its PID may be another process's by then.
///
/// # Examples
///
/// ```
/// use nsclone::{spawn, CloneFlags, ExitStatus, MmapStack, Signal};
///
/// let mut stack = MmapStack::new(64 * 1024)?;
/// // SAFETY: the child only spins until it is killed.
/// let mut child = unsafe {
///     spawn(CloneFlags::empty(), stack.as_mut_slice(), || loop {
///         core::hint::spin_loop()
///     })
/// }?;
/// let running = child.try_wait();
/// child.kill(Signal::KILL)?; // first, so that no failure leaves it spinning
/// assert_eq!(running?, None);
/// assert!(child.pid() > 0);
/// assert!(child.pidfd().is_none()); // Spawn::pidfd(true) asks for one
/// assert_eq!(child.wait()?, ExitStatus::Signaled(9));
/// assert_eq!(child.try_wait()?, Some(ExitStatus::Signaled(9)));
/// child.kill(Signal::KILL)?; // reaped: sends nothing
/// # Ok::<(), nsclone::Error>(())
/// ```
#[derive(Debug)]
pub struct Child {
    /// How it ended, once reaped: the wait status word, as std's `Child`
    /// keeps it. (First: in this order nsrun's spawn path is 16 bytes
    /// shorter on aarch64.)
    status: Option<c_int>,
    process: Process,
}

impl Child {
    /// The caller's handle of `process`, not yet reaped.
    pub(crate) fn new(process: Process) -> Child {
        Child {
            status: None,
            process,
        }
    }

    /// The child's pidfd, if [`crate::Spawn::pidfd`] asked for one;
    /// [example](Child#examples).
    pub fn pidfd(&self) -> Option<BorrowedFd<'_>> {
        self.process.pidfd()
    }

    /// The child's process ID, as seen from the caller's PID namespace;
    /// [example](Child#examples).
    pub fn pid(&self) -> pid_t {
        self.process.pid()
    }

    /// Waits for the child to end and reaps it, with `__WALL` so children
    /// with any exit signal are seen (`EINTR` is retried): waitid(2) with
    /// `P_PIDFD` when the child has a pidfd, wait4(2) otherwise. Once
    /// reaped, answers the same status again without a syscall, as std's
    /// `Child::wait` does; [example](Child#examples).
    ///
    /// # Errors
    ///
    /// `ECHILD` if it is not (or no longer) a child of this process, e.g.
    /// when created with `CLONE_PARENT` or reaped by another wait.
    pub fn wait(&mut self) -> Result<ExitStatus> {
        loop {
            // Without WNOHANG the kernel returns only once the child ended.
            if let Some(status) = self.try_reap(0)? {
                return Ok(status);
            }
        }
    }

    /// Reaps the child if it has ended, without blocking (`WNOHANG`):
    /// `None` while it runs. Otherwise as [`wait`](Self::wait);
    /// [example](Child#examples).
    ///
    /// # Errors
    ///
    /// As for [`wait`](Self::wait).
    pub fn try_wait(&mut self) -> Result<Option<ExitStatus>> {
        self.try_reap(WNOHANG)
    }

    /// The stored status, or the process's with `options` (then stored).
    fn try_reap(&mut self, options: u32) -> Result<Option<ExitStatus>> {
        if self.status.is_none() {
            self.status = self.process.wait(options)?;
        }
        Ok(self.status.map(ExitStatus::from_raw))
    }

    /// Sends `signal` to the child: pidfd_send_signal(2) when it has a
    /// pidfd (which cannot reach a recycled PID), kill(2) otherwise. Once
    /// the child is reaped, sends nothing and answers `Ok`, as std's
    /// `Child::kill` does: its PID may be another process's by then;
    /// [example](Child#examples).
    ///
    /// A wait other than this `Child`'s (`wait4(-1)`, `SIGCHLD` ignored)
    /// can reap it unseen; without a pidfd its PID is then free for
    /// another process to take, which kill(2) would reach: ask for a
    /// pidfd ([`Spawn::pidfd`](crate::Spawn::pidfd)) where that can happen.
    ///
    /// # Errors
    ///
    /// `EPERM`; `ESRCH` once it was reaped by another wait (with a pidfd,
    /// or while its PID is still free).
    pub fn kill(&self, signal: Signal) -> Result<()> {
        match self.status {
            Some(_) => Ok(()),
            None => self.process.send(signal.raw()),
        }
    }
}

/// A child the crate has created and not yet handed to the caller as a
/// [`Child`]: what the spawn path signals and reaps (raw numbers, no
/// record of a status: a child it reaps is one it killed and drops).
#[derive(Debug)]
pub(crate) struct Process {
    pid: pid_t,
    pidfd: Option<OwnedFd>,
}

impl Process {
    pub(crate) fn new(pid: pid_t, pidfd: Option<OwnedFd>) -> Process {
        Process { pid, pidfd }
    }

    pub(crate) fn pid(&self) -> pid_t {
        self.pid
    }

    pub(crate) fn pidfd(&self) -> Option<BorrowedFd<'_>> {
        self.pidfd.as_ref().map(AsFd::as_fd)
    }

    /// waitid(2) with `P_PIDFD` when it has a pidfd, wait4(2) otherwise,
    /// with `__WALL | options`: the wait status word (as wait4 gives it),
    /// or `None` if `WNOHANG` found it running.
    pub(crate) fn wait(&self, options: u32) -> Result<Option<c_int>> {
        let options = __WALL | options;
        Ok(match &self.pidfd {
            Some(pidfd) => syscall::waitid(P_PIDFD, pidfd.as_raw_fd(), options)?
                .map(|(code, status)| wait_status(code, status)),
            None => match syscall::wait4(self.pid, options)? {
                (0, _) => None,
                (_, status) => Some(status),
            },
        })
    }

    /// Sends signal number `signal`: pidfd_send_signal(2) when it has a
    /// pidfd, kill(2) otherwise.
    pub(crate) fn send(&self, signal: c_int) -> Result<()> {
        match &self.pidfd {
            Some(pidfd) => syscall::pidfd_send_signal(pidfd.as_fd(), signal),
            None => syscall::kill(self.pid, signal),
        }
    }
}

/// The wait status word of a child that ended, from waitid(2)'s `si_code`
/// and `si_status`: the exit status in bits 8 to 15, or the signal's
/// number (core dumps are not told apart, as [`ExitStatus`] has no room
/// for them).
fn wait_status(code: c_int, status: c_int) -> c_int {
    if code == CLD_EXITED as c_int {
        (status & 0xff) << 8
    } else {
        status & 0x7f
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
