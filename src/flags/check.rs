//! `CloneFlags::check`: the kernel's flag validation for clone, clone3,
//! unshare and setns, rule by rule and in the kernel's order, without a syscall.
//!
//! Only rules that depend on the flags (and the clone3 exit signal) alone are
//! here. Rules that depend on the caller's state are left to the kernel:
//! threads sharing the memory or signal handlers (unshare, setns), privilege
//! (`EPERM`), namespace and process limits (`ENOSPC`, `EAGAIN`), chroot, LSMs,
//! `CLONE_PARENT` from an init process, and `CLONE_THREAD` after the caller's
//! `pid_for_children` changed.

use crate::flags::CloneFlags;
use crate::sys::errno::Errno;
use core::fmt;

/// The syscall whose rules [`CloneFlags::check`] applies.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub enum Syscall {
    /// Legacy `clone`: flags are the low 32 bits, the low byte being the exit signal.
    Clone,
    /// `clone3`: all 64 bits are flags; the exit signal is a separate field.
    Clone3,
    /// `unshare`.
    Unshare,
    /// `setns`, whose `nstype` is a set of namespace flags (or 0).
    Setns,
}

/// The syscall's name, as its man page has it.
///
/// ```
/// use nsclone::Syscall;
///
/// assert_eq!(Syscall::Clone3.to_string(), "clone3");
/// assert_eq!(format!("{}", Syscall::Setns), "setns");
/// ```
impl fmt::Display for Syscall {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Syscall::Clone => "clone",
            Syscall::Clone3 => "clone3",
            Syscall::Unshare => "unshare",
            Syscall::Setns => "setns",
        })
    }
}

/// A rule of the kernel's that the flags break: what [`CloneFlags::check`]
/// finds, and the kernel answers `EINVAL` for. Returned as
/// [`Error::Invalid`](crate::Error::Invalid); what the crate itself refuses
/// is a [`Refusal`](crate::Refusal).
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
#[non_exhaustive]
pub enum Rule {
    /// The exit signal is above 64 or not a byte (clone3; spawn applies it
    /// to legacy clone too).
    ExitSignalInvalid,
    /// clone3: bits no kernel defines for clone3.
    Clone3UnknownFlags,
    /// clone3: `CLONE_DETACHED`, or exit-signal bits in `flags`.
    Clone3SignalBitsOrDetached,
    /// clone3: `CLONE_SIGHAND` together with `CLONE_CLEAR_SIGHAND`.
    SighandWithClearSighand,
    /// clone3: `CLONE_THREAD` or `CLONE_PARENT` with a nonzero exit signal.
    ThreadOrParentWithExitSignal,
    /// Legacy clone writes the pidfd to `parent_tid`, so both cannot be asked for.
    PidfdWithParentSettid,
    /// `CLONE_NEWNS` with `CLONE_FS`.
    NewnsWithFs,
    /// `CLONE_NEWUSER` with `CLONE_FS`.
    NewuserWithFs,
    /// `CLONE_THREAD` without `CLONE_SIGHAND`.
    ThreadWithoutSighand,
    /// `CLONE_SIGHAND` without `CLONE_VM`.
    SighandWithoutVm,
    /// `CLONE_THREAD` with `CLONE_NEWUSER` or `CLONE_NEWPID`.
    ThreadWithNewuserOrNewpid,
    /// `CLONE_PIDFD` with `CLONE_DETACHED`.
    PidfdWithDetached,
    /// `CLONE_NEWIPC` with `CLONE_SYSVSEM`.
    NewipcWithSysvsem,
    /// unshare: a bit outside the flags unshare knows.
    UnshareUnknownFlags,
    /// setns: a bit that is not a namespace type.
    SetnsNotANamespace,
}

impl Rule {
    /// What the rule says, in the kernel's flag names;
    /// [example](FlagError#examples).
    pub const fn message(self) -> &'static str {
        match self {
            Rule::ExitSignalInvalid => "the exit signal must be a signal number from 0 to 64",
            Rule::Clone3UnknownFlags => "clone3 accepts no flag bits above CLONE_INTO_CGROUP",
            Rule::Clone3SignalBitsOrDetached => {
                "clone3 accepts neither CLONE_DETACHED nor exit-signal bits in flags (use exit_signal)"
            }
            Rule::SighandWithClearSighand => "CLONE_SIGHAND cannot be combined with CLONE_CLEAR_SIGHAND",
            Rule::ThreadOrParentWithExitSignal => {
                "CLONE_THREAD and CLONE_PARENT need a zero exit signal in clone3"
            }
            Rule::PidfdWithParentSettid => {
                "CLONE_PIDFD cannot be combined with CLONE_PARENT_SETTID in legacy clone (both use parent_tid)"
            }
            Rule::NewnsWithFs => "CLONE_NEWNS cannot be combined with CLONE_FS",
            Rule::NewuserWithFs => "CLONE_NEWUSER cannot be combined with CLONE_FS",
            Rule::ThreadWithoutSighand => "CLONE_THREAD requires CLONE_SIGHAND",
            Rule::SighandWithoutVm => "CLONE_SIGHAND requires CLONE_VM",
            Rule::ThreadWithNewuserOrNewpid => {
                "CLONE_THREAD cannot be combined with CLONE_NEWUSER or CLONE_NEWPID"
            }
            Rule::PidfdWithDetached => "CLONE_PIDFD cannot be combined with CLONE_DETACHED",
            Rule::NewipcWithSysvsem => "CLONE_NEWIPC cannot be combined with CLONE_SYSVSEM",
            Rule::UnshareUnknownFlags => {
                "unshare accepts only CLONE_NEW*, CLONE_FS, CLONE_FILES, CLONE_SYSVSEM, CLONE_VM, CLONE_SIGHAND and CLONE_THREAD"
            }
            Rule::SetnsNotANamespace => "setns accepts only CLONE_NEW* namespace types",
        }
    }

    /// The errno the kernel answers for every one of its flag rules:
    /// `EINVAL`; [example](FlagError#examples).
    pub const fn errno(self) -> Errno {
        Errno::EINVAL
    }
}

/// Flags a syscall rejects: the [`Rule`] broken, the flags that break it and
/// the errno the kernel would return. Displays as the rule, e.g.
/// `CLONE_NEWNS cannot be combined with CLONE_FS`.
///
/// # Examples
///
/// ```
/// use nsclone::{CloneFlags, Errno, Rule, Syscall};
///
/// let flags = CloneFlags::NEWNS | CloneFlags::FS;
/// let err = flags.check(Syscall::Clone).unwrap_err();
/// assert_eq!(err.rule(), Rule::NewnsWithFs);
/// assert_eq!((err.syscall(), err.flags()), (Syscall::Clone, flags));
/// assert_eq!(err.errno(), Errno::EINVAL);
/// assert_eq!(err.rule().errno(), err.errno());
/// assert_eq!(err.to_string(), err.rule().message());
/// assert_eq!(err.to_string(), "CLONE_NEWNS cannot be combined with CLONE_FS");
/// ```
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub struct FlagError {
    rule: Rule,
    syscall: Syscall,
    flags: CloneFlags,
}

impl FlagError {
    pub(crate) const fn new(rule: Rule, syscall: Syscall, flags: CloneFlags) -> FlagError {
        FlagError {
            rule,
            syscall,
            flags,
        }
    }

    /// The rule broken; [example](Self#examples).
    pub const fn rule(&self) -> Rule {
        self.rule
    }

    /// The syscall whose rule it is; [example](Self#examples).
    pub const fn syscall(&self) -> Syscall {
        self.syscall
    }

    /// The flags that were checked; [example](Self#examples).
    pub const fn flags(&self) -> CloneFlags {
        self.flags
    }

    /// What the kernel would return for these flags; [example](Self#examples).
    pub const fn errno(&self) -> Errno {
        self.rule.errno()
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

impl fmt::Display for FlagError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.rule.message())
    }
}

/// The flags unshare knows (`0x7e070f80`), everything else is `EINVAL`.
const UNSHARE_KNOWN: CloneFlags = CloneFlags::ALL_NAMESPACES
    .union(CloneFlags::THREAD)
    .union(CloneFlags::FS)
    .union(CloneFlags::SIGHAND)
    .union(CloneFlags::VM)
    .union(CloneFlags::FILES)
    .union(CloneFlags::SYSVSEM);

/// The flags clone3 knows: the low 32 bits, `CLEAR_SIGHAND` and `INTO_CGROUP`.
const CLONE3_KNOWN: u64 =
    0xffff_ffff | CloneFlags::CLEAR_SIGHAND.bits() | CloneFlags::INTO_CGROUP.bits();

/// The clone3 `flags` bits that must be zero: `CLONE_DETACHED` and the exit-signal byte but `CLONE_NEWTIME`.
const CLONE3_FORBIDDEN: u64 =
    CloneFlags::DETACHED.bits() | (CloneFlags::CSIGNAL & !CloneFlags::NEWTIME.bits());

/// The largest exit signal clone3 takes (`_NSIG` on x86 and arm).
const MAX_EXIT_SIGNAL: u64 = 64;

impl CloneFlags {
    /// Checks the flags against the kernel's rules for `call`, in the kernel's
    /// order, and names the first rule broken.
    ///
    /// For [`Syscall::Clone`] the flags are what the kernel sees of a legacy
    /// flags word: the low 32 bits, without the exit-signal byte (which is
    /// why `CLONE_NEWTIME` cannot be asked for there). For [`Syscall::Clone3`]
    /// the exit signal is taken as 0; see
    /// [`check_with_exit_signal`](Self::check_with_exit_signal).
    ///
    /// Follows kernels 6.9 and later, where `CLONE_PIDFD` with `CLONE_THREAD`
    /// is accepted (5.2 to 6.8 answer `EINVAL`). Rules that depend on the
    /// caller's state are left to the kernel: threads sharing the memory or
    /// signal handlers (unshare, setns), privilege (`EPERM`), namespace and
    /// process limits (`ENOSPC`, `EAGAIN`), chroot, security modules,
    /// `CLONE_PARENT` from an init process, and `CLONE_THREAD` after the
    /// caller's `pid_for_children` changed.
    ///
    /// # Errors
    ///
    /// The first rule the flags break, in the kernel's order, as a
    /// [`FlagError`] naming it and the errno the kernel would give.
    ///
    /// # Examples
    ///
    /// The same flags, valid for one syscall and not for another:
    ///
    /// ```
    /// use nsclone::{CloneFlags, Rule, Syscall};
    ///
    /// let flags = CloneFlags::NEWNS | CloneFlags::FS;
    /// // CLONE_FS: to unshare, a root and working directory of the caller's
    /// // own; to clone, shared with a child in another mount namespace.
    /// assert_eq!(flags.check(Syscall::Unshare), Ok(()));
    /// let err = flags.check(Syscall::Clone).unwrap_err();
    /// assert_eq!(err.rule(), Rule::NewnsWithFs);
    /// let err = CloneFlags::VM.check(Syscall::Setns).unwrap_err();
    /// assert_eq!(err.rule(), Rule::SetnsNotANamespace);
    /// ```
    pub fn check(self, call: Syscall) -> Result<(), FlagError> {
        self.check_with_exit_signal(call, 0)
    }

    /// [`check`](Self::check) with the exit signal clone3 would be given
    /// (ignored for the other syscalls).
    ///
    /// # Errors
    ///
    /// As for [`check`](Self::check): for clone3 also
    /// [`Rule::ExitSignalInvalid`] for an exit signal above 64, and
    /// [`Rule::ThreadOrParentWithExitSignal`] for one with `CLONE_THREAD`
    /// or `CLONE_PARENT`.
    ///
    /// # Examples
    ///
    /// ```
    /// use nsclone::{CloneFlags, Rule, Signal, Syscall};
    ///
    /// let sigchld = Signal::CHLD.raw() as u64;
    /// assert_eq!(CloneFlags::NEWPID.check_with_exit_signal(Syscall::Clone3, sigchld), Ok(()));
    /// let err = CloneFlags::NEWPID.check_with_exit_signal(Syscall::Clone3, 65).unwrap_err();
    /// assert_eq!(err.rule(), Rule::ExitSignalInvalid);
    /// // CLONE_PARENT gives the child the caller's own exit signal.
    /// let err = CloneFlags::PARENT.check_with_exit_signal(Syscall::Clone3, sigchld).unwrap_err();
    /// assert_eq!(err.rule(), Rule::ThreadOrParentWithExitSignal);
    /// ```
    pub fn check_with_exit_signal(self, call: Syscall, exit_signal: u64) -> Result<(), FlagError> {
        let fail = |rule| Err(FlagError::new(rule, call, self));
        let first_broken = match call {
            Syscall::Clone => self.clone_rule(),
            Syscall::Clone3 => self.clone3_rule(exit_signal),
            Syscall::Unshare => self.unshare_rule(),
            Syscall::Setns => self.setns_rule(),
        };
        match first_broken {
            Some(rule) => fail(rule),
            None => Ok(()),
        }
    }

    /// Legacy clone: no unknown-flag check; bits above 31 and the exit-signal
    /// byte are not flags. PIDFD and PARENT_SETTID share `parent_tid`.
    fn clone_rule(self) -> Option<Rule> {
        let seen = CloneFlags::from_bits_retain(self.bits() & 0xffff_ff00);
        if seen.contains(CloneFlags::PIDFD | CloneFlags::PARENT_SETTID) {
            return Some(Rule::PidfdWithParentSettid);
        }
        seen.copy_process_rule()
    }

    /// clone3: `clone3_args_valid`, then the shared `copy_process` rules.
    fn clone3_rule(self, exit_signal: u64) -> Option<Rule> {
        if exit_signal & !0xff != 0 || exit_signal > MAX_EXIT_SIGNAL {
            return Some(Rule::ExitSignalInvalid);
        }
        if self.bits() & !CLONE3_KNOWN != 0 {
            return Some(Rule::Clone3UnknownFlags);
        }
        if self.bits() & CLONE3_FORBIDDEN != 0 {
            return Some(Rule::Clone3SignalBitsOrDetached);
        }
        if self.contains(CloneFlags::SIGHAND | CloneFlags::CLEAR_SIGHAND) {
            return Some(Rule::SighandWithClearSighand);
        }
        if self.intersects(CloneFlags::THREAD | CloneFlags::PARENT) && exit_signal != 0 {
            return Some(Rule::ThreadOrParentWithExitSignal);
        }
        self.copy_process_rule()
    }

    /// The flag rules of `copy_process`, shared by clone and clone3.
    fn copy_process_rule(self) -> Option<Rule> {
        let has = |flags| self.contains(flags);
        if has(CloneFlags::NEWNS | CloneFlags::FS) {
            Some(Rule::NewnsWithFs)
        } else if has(CloneFlags::NEWUSER | CloneFlags::FS) {
            Some(Rule::NewuserWithFs)
        } else if has(CloneFlags::THREAD) && !has(CloneFlags::SIGHAND) {
            Some(Rule::ThreadWithoutSighand)
        } else if has(CloneFlags::SIGHAND) && !has(CloneFlags::VM) {
            Some(Rule::SighandWithoutVm)
        } else if has(CloneFlags::THREAD)
            && self.intersects(CloneFlags::NEWUSER | CloneFlags::NEWPID)
        {
            Some(Rule::ThreadWithNewuserOrNewpid)
        } else if has(CloneFlags::PIDFD | CloneFlags::DETACHED) {
            Some(Rule::PidfdWithDetached)
        } else if has(CloneFlags::NEWIPC | CloneFlags::SYSVSEM) {
            Some(Rule::NewipcWithSysvsem)
        } else {
            None
        }
    }

    /// unshare: only the known-flags mask depends on the flags alone; the
    /// implied flags (NEWUSER adds THREAD|FS, VM adds SIGHAND, SIGHAND adds
    /// THREAD, NEWNS adds FS) all lie inside it and matter only to a caller
    /// that shares its threads, memory or signal handlers.
    fn unshare_rule(self) -> Option<Rule> {
        (self.bits() & !UNSHARE_KNOWN.bits() != 0).then_some(Rule::UnshareUnknownFlags)
    }

    /// setns: `nstype` must be namespace types. Whether it may be 0 or name
    /// several types depends on the fd (an nsfs fd takes 0 or exactly its own
    /// type, a pidfd one or more types), which only the kernel sees.
    fn setns_rule(self) -> Option<Rule> {
        (self.bits() & !CloneFlags::ALL_NAMESPACES.bits() != 0).then_some(Rule::SetnsNotANamespace)
    }
}

#[cfg(test)]
mod tests;
