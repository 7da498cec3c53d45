//! The error layer: `Error`, what a call that creates a child or moves
//! into namespaces returns when it fails: refused before any syscall (a
//! rule of the kernel's, or a refusal of the crate's, `refusal.rs`), the
//! kernel's answer (the errno), or a step of preparing the child (which
//! step, and the errno). Uses `sys` and `flags`.

pub(crate) mod refusal;

use crate::error::refusal::Refusal;
use crate::flags::check::{FlagError, Rule};
use crate::sys::errno::Errno;
use crate::sys::error_words::debug_as_words;
use core::fmt;

/// Why [`Spawn`](crate::Spawn), [`unshare`](crate::unshare),
/// [`setns`](crate::setns) or [`write_id_maps`](crate::write_id_maps)
/// failed. Displays as the rule or refusal in words, the errno (`EPERM:
/// operation not permitted`), or the step and its errno;
/// [`errno`](Self::errno) answers for all four. Its `Debug` is the same
/// words under the variant's name (`Kernel(ESRCH: no such process)`), as
/// `main` returning an `Error` prints it.
///
/// # Examples
///
/// A request refused before any syscall, and a step of the child's setup
/// that failed:
///
/// ```
/// use nsclone::{CStrArray, CloneFlags, Errno, Error, Refusal, Rule, Setup, Spawn, Step, EXEC_STACK};
///
/// let err = Spawn::new(CloneFlags::NEWNS | CloneFlags::FS).check().unwrap_err();
/// assert_eq!(err.rule(), Some(Rule::NewnsWithFs));
/// assert_eq!(err.errno(), Errno::EINVAL);
/// assert_eq!(err.to_string(), "CLONE_NEWNS cannot be combined with CLONE_FS");
/// let err = Spawn::new(CloneFlags::FILES).check().unwrap_err();
/// assert_eq!(err.refusal(), Some(Refusal::SpawnSharesFiles));
///
/// let setup = Setup::new().current_dir(c"/nonexistent");
/// let mut argv_buf = [core::ptr::null(); 2];
/// let argv = CStrArray::new(&[c"true"], &mut argv_buf)?;
/// let mut stack = [0u8; EXEC_STACK];
/// let spawn = Spawn::new(CloneFlags::empty()).setup(&setup);
/// let err = spawn.exec(&mut stack, c"true", argv, CStrArray::empty()).unwrap_err();
/// assert_eq!(err.step(), Some(Step::Chdir));
/// assert_eq!(err.errno(), Errno::ENOENT);
/// assert_eq!(err.to_string(), r#"chdir("/nonexistent"): ENOENT: no such file or directory"#);
/// let Error::Step(failed) = err else { panic!("not a step: {err}") };
/// assert_eq!(failed.step().description(), "chdir");
/// assert_eq!((failed.index(), failed.argument()), (0, br#""/nonexistent""#.as_slice()));
/// assert_eq!(failed.errno(), Errno::ENOENT);
/// assert_eq!(format!("{err:?}"), format!("Step({err})"));
/// # Ok::<(), nsclone::Error>(())
/// ```
#[derive(Copy, Clone, PartialEq, Eq, Hash)]
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
    /// The errno: the kernel's, or the one the rule or refusal gives;
    /// [example](Self#examples).
    pub const fn errno(&self) -> Errno {
        match self {
            Error::Invalid(rule) => rule.errno(),
            Error::Refused(refusal) => refusal.errno(),
            Error::Kernel(errno) => *errno,
            Error::Step(step) => step.errno,
        }
    }

    /// The kernel's rule the flags break, if they were invalid;
    /// [example](Self#examples).
    pub const fn rule(&self) -> Option<Rule> {
        match self {
            Error::Invalid(rule) => Some(*rule),
            _ => None,
        }
    }

    /// The crate's refusal, if it refused the request;
    /// [example](Self#examples).
    pub const fn refusal(&self) -> Option<Refusal> {
        match self {
            Error::Refused(refusal) => Some(*refusal),
            _ => None,
        }
    }

    /// The step that failed, if one did; [example](Self#examples).
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

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self {
            Error::Invalid(_) => "Invalid",
            Error::Refused(_) => "Refused",
            Error::Kernel(_) => "Kernel",
            Error::Step(_) => "Step",
        };
        f.debug_tuple(kind).field(&format_args!("{self}")).finish()
    }
}

/// Declares [`Step`] with its description, and `Step::ALL`, from one table.
macro_rules! steps {
    ($($(#[$doc:meta])* $variant:ident => $description:literal,)*) => {
        /// A step of preparing a child: the parent's (ID maps), then the
        /// child's, in the order the child runs them
        /// ([`Setup`](crate::Setup) documents it).
        #[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
        #[non_exhaustive]
        pub enum Step {
            $($(#[$doc])* $variant,)*
        }

        impl Step {
            /// Every step, in order.
            pub(crate) const ALL: &'static [Step] = &[$(Step::$variant,)*];

            /// What the step does: the call it makes, or the file it writes;
            /// [example](Error#examples).
            pub const fn description(self) -> &'static str {
                // One string and its ends, not a table of slices: a third
                // of the size in a binary that names steps.
                const TEXT: &str = concat!($($description,)*);
                const ENDS: [u16; Step::ALL.len()] = ends([$($description.len(),)*]);
                const { assert!(TEXT.is_ascii()) };
                let number = self as usize;
                let start = if number == 0 { 0 } else { ENDS[number - 1] as usize };
                let (_, rest) = TEXT.as_bytes().split_at(start);
                let (text, _) = rest.split_at(ENDS[number] as usize - start);
                // SAFETY: TEXT is ASCII, so every byte boundary is a char boundary.
                unsafe { core::str::from_utf8_unchecked(text) }
            }
        }
    };
}

/// Where each of strings of `lengths`, laid end to end, ends.
const fn ends<const N: usize>(lengths: [usize; N]) -> [u16; N] {
    let mut ends = [0; N];
    let mut end = 0;
    let mut i = 0;
    while i < N {
        end += lengths[i];
        ends[i] = end as u16;
        i += 1;
    }
    ends
}

steps! {
    /// The parent writes `/proc/<pid>/uid_map`.
    UidMap => "writing uid_map",
    /// The parent writes `/proc/<pid>/setgroups`.
    Setgroups => "writing setgroups",
    /// The parent writes `/proc/<pid>/gid_map`.
    GidMap => "writing gid_map",
    /// The child makes a new time namespace, sets its clock offsets and
    /// enters it.
    TimeNamespace => "entering a new time namespace with its offsets",
    /// The child starts a new session (setsid(2)).
    Session => "setsid",
    /// The child makes a terminal its session's controlling terminal.
    Terminal => "ioctl(TIOCSCTTY)",
    /// The child makes its new process group the terminal's foreground one.
    Foreground => "tcsetpgrp",
    /// The child sets its UTS namespace's hostname.
    Hostname => "sethostname",
    /// The child sets its UTS namespace's NIS domain name.
    Domainname => "setdomainname",
    /// The child mounts (or binds, remounts, moves, changes propagation).
    Mount => "mount",
    /// The child makes a directory to mount on.
    MakeDir => "mkdir",
    /// The child makes an empty file to mount on.
    MakeFile => "creating",
    /// The child makes a symbolic link.
    Symlink => "symlink",
    /// The child moves its root (pivot_root(2)) and detaches the old one.
    PivotRoot => "pivot_root",
    /// The child changes its root directory (chroot(2)).
    Chroot => "chroot",
    /// The child changes its working directory.
    Chdir => "chdir",
    /// The child sets a resource limit (prlimit(2)).
    Limit => "prlimit",
    /// The child drops a capability from its bounding set; the entry is
    /// the capability's number.
    Bounding => "prctl(PR_CAPBSET_DROP)",
    /// The child sets its supplementary groups (setgroups(2)).
    Groups => "setgroups",
    /// The child sets its real, effective and saved group ID.
    Gid => "setresgid",
    /// The child sets its real, effective and saved user ID.
    Uid => "setresuid",
    /// The child sets its permitted, effective and inheritable
    /// capabilities (capset(2), `PR_SET_KEEPCAPS`).
    Capabilities => "capset",
    /// The child raises an ambient capability (or clears the set); the
    /// entry is the capability's number.
    Ambient => "prctl(PR_CAP_AMBIENT)",
    /// The child sets `PR_SET_NO_NEW_PRIVS`.
    NoNewPrivs => "prctl(PR_SET_NO_NEW_PRIVS)",
    /// The child makes a descriptor a copy of another (dup3(2)).
    FdCopy => "dup3",
    /// The child opens a file onto a descriptor number.
    FdOpen => "open",
    /// The child closes every descriptor it was not asked to keep.
    CloseFds => "close_range",
    /// The child installs its seccomp filter.
    Seccomp => "seccomp(SECCOMP_SET_MODE_FILTER)",
    /// The child execs the program (execve(2)).
    Exec => "execve",
}

impl Step {
    /// This step failing with `errno`, with no argument to name.
    pub(crate) const fn failed(self, errno: Errno) -> StepError {
        StepError {
            step: self,
            index: 0,
            argument: StepArgument::NONE,
            errno,
        }
    }

    /// The step's number in [`Step::ALL`], as the child reports it.
    pub(crate) const fn number(self) -> u32 {
        self as u32
    }

    /// The step numbered `number` in [`Step::ALL`].
    pub(crate) fn from_number(number: u32) -> Option<Step> {
        Step::ALL.get(number as usize).copied()
    }
}

/// A step that failed: which, which entry of its list (the mount, the
/// descriptor, the limit), its argument as text, and the errno. Displays
/// as `chdir("/srv"): ENOENT: no such file or directory`, or
/// `writing gid_map: EPERM: operation not permitted` for a step without
/// an argument.
#[derive(Copy, Clone, PartialEq, Eq, Hash)]
pub struct StepError {
    step: Step,
    index: u16,
    argument: StepArgument,
    errno: Errno,
}

debug_as_words!(StepError);

impl StepError {
    /// The step; [example](Error#examples).
    pub const fn step(&self) -> Step {
        self.step
    }

    /// The entry of the step's list that failed (0 for a step of one);
    /// [example](Error#examples).
    pub const fn index(&self) -> usize {
        self.index as usize
    }

    /// The step's argument as the error shows it (a quoted path, a
    /// number), empty if it has none; cut to 62 bytes, ending in `...`
    /// where cut; [example](Error#examples).
    pub fn argument(&self) -> &[u8] {
        self.argument.as_bytes()
    }

    /// Its errno; [example](Error#examples).
    pub const fn errno(&self) -> Errno {
        self.errno
    }

    /// This error with entry `index` of the step's list and its argument.
    pub(crate) fn at(mut self, index: usize, argument: StepArgument) -> StepError {
        self.index = index.min(u16::MAX as usize) as u16;
        self.argument = argument;
        self
    }
}

impl fmt::Display for StepError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.step.description())?;
        if !self.argument().is_empty() {
            f.write_str("(")?;
            for chunk in self.argument().utf8_chunks() {
                f.write_str(chunk.valid())?;
                if !chunk.invalid().is_empty() {
                    f.write_str("\u{fffd}")?;
                }
            }
            f.write_str(")")?;
        }
        write!(f, ": {}", self.errno)
    }
}

/// A step's argument as text, in a fixed buffer: the error type stays
/// `Copy` and needs no allocation.
#[derive(Copy, Clone, PartialEq, Eq, Hash)]
pub(crate) struct StepArgument {
    bytes: [u8; StepArgument::CAPACITY],
    len: u8,
}

impl StepArgument {
    /// The most bytes of an argument an error keeps.
    pub(crate) const CAPACITY: usize = 62;

    /// No argument.
    pub(crate) const NONE: StepArgument = StepArgument {
        bytes: [0; StepArgument::CAPACITY],
        len: 0,
    };

    /// `parts` written one after the other, cut with `...` where they do not fit.
    pub(crate) fn new(parts: &[&[u8]]) -> StepArgument {
        let mut argument = StepArgument::NONE;
        let mut len = 0;
        for &byte in parts.iter().flat_map(|part| part.iter()) {
            if len == Self::CAPACITY {
                argument.bytes[Self::CAPACITY - 3..].copy_from_slice(b"...");
                break;
            }
            argument.bytes[len] = byte;
            len += 1;
        }
        argument.len = len as u8;
        argument
    }

    fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len as usize]
    }
}

/// The argument as a byte string literal (`b"\"/srv\""`), not the buffer.
impl fmt::Debug for StepArgument {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "b\"{}\"", self.as_bytes().escape_ascii())
    }
}
