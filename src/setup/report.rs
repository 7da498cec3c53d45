//! How a child tells its parent which step failed: `(step, index, errno)`,
//! written to a pipe the parent reads (a child with memory of its own) or
//! to a record in the parent's memory (an exec child, which shares it).

use crate::error::Step;
use crate::sys::errno::{Errno, Result};
use crate::sys::signals::SigSet;
use crate::sys::syscall;
use core::ffi::c_int;
use core::sync::atomic::{AtomicI32, AtomicU32, Ordering};

/// A step that failed in the child, and its errno.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub(crate) struct Failure {
    pub(crate) step: Step,
    /// The entry of the step's list.
    pub(crate) index: usize,
    pub(crate) errno: Errno,
}

impl Failure {
    /// `result`, its error as the failure of entry `index` of `step`.
    pub(crate) fn of<T>(
        step: Step,
        index: usize,
        result: Result<T>,
    ) -> core::result::Result<T, Failure> {
        result.map_err(|errno| Failure { step, index, errno })
    }
}

/// The bytes of a report on a pipe: step number, index and errno (0 when
/// every step passed), native-endian.
pub(crate) type ReportBytes = [u8; 12];

/// A report of `outcome` as written on a pipe (inlined: a closure's child,
/// whose code every program that spawns links, is its one caller there).
#[inline(always)]
pub(crate) fn encode(outcome: core::result::Result<(), Failure>) -> ReportBytes {
    let (step, index, errno) = match outcome {
        Ok(()) => (0, 0, 0),
        Err(failure) => (
            failure.step.number(),
            failure.index as u32,
            failure.errno.raw(),
        ),
    };
    let mut bytes = [0; 12];
    bytes[..4].copy_from_slice(&step.to_ne_bytes());
    bytes[4..8].copy_from_slice(&index.to_ne_bytes());
    bytes[8..].copy_from_slice(&errno.to_ne_bytes());
    bytes
}

/// The outcome a child reported; `EIO` for bytes no child writes.
pub(crate) fn decode(bytes: ReportBytes) -> Result<core::result::Result<(), Failure>> {
    let word = |i: usize| u32::from_ne_bytes([bytes[i], bytes[i + 1], bytes[i + 2], bytes[i + 3]]);
    match (Step::from_number(word(0)), word(8) as i32) {
        (_, 0) => Ok(Ok(())),
        (Some(step), errno) => Ok(Err(Failure {
            step,
            index: word(4) as usize,
            errno: Errno::from_raw(errno),
        })),
        (None, _) => Err(Errno::EIO),
    }
}

/// A failure in the parent's memory, written by an exec child that shares
/// it and read by the parent once the child has left it (it exec'd or
/// exited): the kernel orders the two.
pub(crate) struct SharedRecord {
    step: AtomicU32,
    index: AtomicU32,
    /// 0 until a step fails.
    errno: AtomicI32,
}

impl SharedRecord {
    pub(crate) const fn new() -> SharedRecord {
        SharedRecord {
            step: AtomicU32::new(0),
            index: AtomicU32::new(0),
            errno: AtomicI32::new(0),
        }
    }

    /// In the child: records `failure`.
    pub(crate) fn record(&self, failure: Failure) {
        self.step.store(failure.step.number(), Ordering::Relaxed);
        self.index.store(failure.index as u32, Ordering::Relaxed);
        self.errno.store(failure.errno.raw(), Ordering::Relaxed);
    }

    /// In the parent, after the child left: the failure it recorded.
    pub(crate) fn failure(&self) -> Option<Failure> {
        match self.errno.load(Ordering::Relaxed) {
            0 => None,
            errno => Some(Failure {
                step: Step::from_number(self.step.load(Ordering::Relaxed)).unwrap_or(Step::Exec),
                index: self.index.load(Ordering::Relaxed) as usize,
                errno: Errno::from_raw(errno),
            }),
        }
    }
}

/// What the child's steps need to know of how the child was made.
pub(crate) struct ChildContext {
    /// The crate's own descriptor the child keeps through the fd step (the
    /// socket it reports on, or the one whose closing at exec tells the
    /// parent it left; its idmapped mounts come on it), -1 if none; the
    /// step may move it to another number.
    pub(crate) own_fd: c_int,
    /// The signal mask [`keep_signals`](crate::Setup::keep_signals)
    /// restores (an exec child runs its steps with every signal blocked),
    /// `None` to keep the one the child has.
    pub(crate) mask: Option<SigSet>,
    /// Whether the child execs afterwards, so that descriptors may be
    /// marked close-on-exec rather than closed.
    pub(crate) execs: bool,
    /// The user-notification descriptor of the child's seccomp filter, or -1.
    pub(crate) listener: c_int,
}

impl ChildContext {
    pub(crate) fn new(own_fd: c_int, mask: Option<SigSet>, execs: bool) -> ChildContext {
        ChildContext {
            own_fd,
            mask,
            execs,
            listener: -1,
        }
    }

    /// In a child that reports on the pipe `own_fd`: writes the outcome and
    /// closes the pipe.
    pub(crate) fn report(&self, outcome: core::result::Result<(), Failure>) {
        // One write of less than PIPE_BUF bytes: the parent reads it whole.
        let _ = syscall::write_numbered(self.own_fd, &encode(outcome));
        syscall::close(self.own_fd);
    }
}
