//! The error layer: `Error`, what a call that creates a child or moves
//! into namespaces returns when it fails: refused before any syscall (a
//! rule of the kernel's, or a refusal of the crate's, `refusal.rs`), the
//! kernel's answer (the errno), or a step of preparing the child (which
//! step, and the errno). Uses `sys` and `flags`.

pub(crate) mod refusal;

use crate::error::refusal::Refusal;
use crate::flags::check::{FlagError, Rule};
use crate::sys::errno::Errno;
use core::fmt;

/// Why [`Spawn`](crate::Spawn), [`unshare`](crate::unshare),
/// [`setns`](crate::setns) or [`write_id_maps`](crate::write_id_maps)
/// failed. Displays as the rule or refusal in words, the errno (`EPERM:
/// operation not permitted`), or the step and its errno;
/// [`errno`](Self::errno) answers for all four.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
#[non_exhaustive]
pub enum Error {
    /// Found before any syscall: the flags (or clone3's exit signal) break
    /// this rule of the kernel's ([`CloneFlags::check`](crate::CloneFlags::check)),
    /// which would answer `EINVAL`. Nothing was created.
    Invalid(Rule),
    /// Refused before any syscall by the crate itself: a request its safe
    /// API does not make, or input it checks first. Nothing was created.
    Refused(Refusal),
    /// A syscall failed with this errno.
    Kernel(Errno),
    /// A step of preparing the child failed; the child was killed and
    /// reaped before it ran anything of the caller's.
    Step(StepError),
}

impl Error {
    /// The errno: the kernel's, or the one the rule or refusal gives.
    pub const fn errno(&self) -> Errno {
        match self {
            Error::Invalid(rule) => rule.errno(),
            Error::Refused(refusal) => refusal.errno(),
            Error::Kernel(errno) => *errno,
            Error::Step(step) => step.errno,
        }
    }

    /// The kernel's rule the flags break, if they were invalid.
    pub const fn rule(&self) -> Option<Rule> {
        match self {
            Error::Invalid(rule) => Some(*rule),
            _ => None,
        }
    }

    /// The crate's refusal, if it refused the request.
    pub const fn refusal(&self) -> Option<Refusal> {
        match self {
            Error::Refused(refusal) => Some(*refusal),
            _ => None,
        }
    }

    /// The step that failed, if one did.
    pub const fn step(&self) -> Option<Step> {
        match self {
            Error::Step(step) => Some(step.step),
            _ => None,
        }
    }
}

impl From<Errno> for Error {
    fn from(errno: Errno) -> Error {
        Error::Kernel(errno)
    }
}

impl From<Rule> for Error {
    fn from(rule: Rule) -> Error {
        Error::Invalid(rule)
    }
}

impl From<FlagError> for Error {
    fn from(invalid: FlagError) -> Error {
        Error::Invalid(invalid.rule())
    }
}

impl From<Refusal> for Error {
    fn from(refusal: Refusal) -> Error {
        Error::Refused(refusal)
    }
}

impl From<StepError> for Error {
    fn from(step: StepError) -> Error {
        Error::Step(step)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Invalid(rule) => rule.fmt(f),
            Error::Refused(refusal) => refusal.fmt(f),
            Error::Kernel(errno) => errno.fmt(f),
            Error::Step(step) => step.fmt(f),
        }
    }
}

/// A step of preparing a child, in the order the crate runs them.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
#[non_exhaustive]
pub enum Step {
    /// The parent writes `/proc/<pid>/uid_map`.
    UidMap,
    /// The parent writes `/proc/<pid>/setgroups`.
    Setgroups,
    /// The parent writes `/proc/<pid>/gid_map`.
    GidMap,
    /// The child makes a new time namespace, sets its clock offsets and
    /// enters it.
    TimeNamespace,
    /// The child execs the program (execve(2)).
    Exec,
}

impl Step {
    /// What the step does, in a few words.
    pub const fn description(self) -> &'static str {
        match self {
            Step::UidMap => "writing uid_map",
            Step::Setgroups => "writing setgroups",
            Step::GidMap => "writing gid_map",
            Step::TimeNamespace => "entering a new time namespace with its offsets",
            Step::Exec => "execve",
        }
    }

    /// This step failing with `errno`.
    pub(crate) const fn failed(self, errno: Errno) -> StepError {
        StepError { step: self, errno }
    }
}

/// A step that failed and the errno it failed with. Displays as
/// `writing gid_map: EPERM: operation not permitted`.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub struct StepError {
    step: Step,
    errno: Errno,
}

impl StepError {
    /// The step.
    pub const fn step(&self) -> Step {
        self.step
    }

    /// Its errno.
    pub const fn errno(&self) -> Errno {
        self.errno
    }
}

impl fmt::Display for StepError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.step.description(), self.errno)
    }
}
