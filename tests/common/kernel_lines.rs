//! The kernel lines nsclone's behaviour depends on, each with a probe that
//! tells which side of it the running kernel is on: a raw syscall whose
//! answer differs across the line, never the release number (a distribution
//! backports features, and a seccomp profile hides them). Each probe makes
//! no child and changes nothing, except where its doc says so. The VM
//! runner prints every line's side; the tests that depend on one check the
//! crate's documented answer on that side.

use super::raw_clone::{clone3_exit_child, clone_exit_child};
use core::fmt;
use core::ptr;
use linux_raw_sys::general as k;
use nsclone::sys::syscall;
use nsclone::{CloneFlags, Errno};

/// Which side of a line the running kernel is on.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Side {
    /// It has the feature.
    Has,
    /// It lacks it: the probe's answer.
    Lacks(Errno),
}

impl fmt::Display for Side {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Side::Has => f.write_str("has it"),
            Side::Lacks(errno) => write!(f, "lacks it ({})", errno.name()),
        }
    }
}

/// A feature of the kernel, the mainline release that brought it, and its
/// probe.
#[derive(Copy, Clone)]
pub struct Line {
    /// The feature, in the kernel's words.
    pub feature: &'static str,
    /// The mainline release that brought it.
    pub since: &'static str,
    /// Which side the running kernel is on.
    pub probe: fn() -> Side,
}

impl Line {
    /// The running kernel's side.
    pub fn side(&self) -> Side {
        (self.probe)()
    }
}

/// `Has` when `answer` is not one of `lacking`, the errnos a kernel
/// without the feature gives.
fn side(answer: Result<usize, Errno>, lacking: &[Errno]) -> Side {
    match answer {
        Err(errno) if lacking.contains(&errno) => Side::Lacks(errno),
        _ => Side::Has,
    }
}

/// clone3 with `args` whose child, if the kernel made one, exits at once
/// (and is reaped).
fn clone3_answer(args: &k::clone_args) -> Result<usize, Errno> {
    // SAFETY: the probes' arguments point the kernel at no memory, or (the
    // pidfd of CLONE_PIDFD) at an address no mapping has.
    reaped(unsafe { clone3_exit_child(args) })
}

/// The answer of a raw clone, its child (if it made one) reaped.
fn reaped(ret: isize) -> Result<usize, Errno> {
    let answer = Errno::from_syscall(ret as usize);
    if let Ok(pid) = answer {
        let _ = nsclone::sys::wait4(pid as i32, k::__WALL);
    }
    answer
}

/// A clone_args with `flags`, the exit signal `SIGCHLD` unless
/// `CLONE_THREAD` is asked, and a cgroup descriptor no process has open.
fn clone3_args(flags: CloneFlags) -> k::clone_args {
    let thread = flags.contains(CloneFlags::THREAD);
    k::clone_args {
        flags: flags.bits(),
        exit_signal: if thread { 0 } else { u64::from(k::SIGCHLD) },
        cgroup: i32::MAX as u64,
        // SAFETY: clone_args is plain integers; zero is "not asked".
        ..unsafe { core::mem::zeroed() }
    }
}

/// clone3 (5.3): a size below the first version's is `EINVAL` where it
/// exists.
pub const CLONE3: Line = Line {
    feature: "clone3",
    since: "5.3",
    probe: || {
        // SAFETY: a null pointer with size 0 is refused before any read.
        let answer = unsafe { syscall(k::__NR_clone3, [0, 0]) };
        side(answer, &[Errno::ENOSYS, Errno::EPERM])
    },
};

/// `CLONE_INTO_CGROUP` (5.7): with a descriptor nothing has open, `EBADF`
/// where the flag is known, `EINVAL` before.
pub const CLONE_INTO_CGROUP: Line = Line {
    feature: "clone3 CLONE_INTO_CGROUP",
    since: "5.7",
    probe: || {
        let answer = clone3_answer(&clone3_args(CloneFlags::INTO_CGROUP));
        side(answer, &[Errno::EINVAL, Errno::ENOSYS])
    },
};

/// `CLONE_NEWTIME` through clone3 (6.3, backported to some stable
/// kernels): before it clone3 refuses the bit (`EINVAL`, as it lies in the
/// exit-signal byte of legacy clone); where it is taken, the request fails
/// later, at the cgroup descriptor nothing has open (`EBADF`, or `EPERM`
/// without `CAP_SYS_ADMIN`). Makes no child, and so no namespace to keep.
pub const CLONE3_NEWTIME: Line = Line {
    feature: "clone3 CLONE_NEWTIME",
    since: "6.3",
    probe: || {
        let flags = CloneFlags::NEWTIME | CloneFlags::INTO_CGROUP;
        side(
            clone3_answer(&clone3_args(flags)),
            &[Errno::EINVAL, Errno::ENOSYS],
        )
    },
};

/// `CLONE_PIDFD` with `CLONE_THREAD` (6.9, `PIDFD_THREAD`): taken, the
/// request fails writing the pidfd to an address no mapping has
/// (`EFAULT`, before the thread runs); refused before (`EINVAL`).
pub const PIDFD_THREAD: Line = Line {
    feature: "CLONE_PIDFD with CLONE_THREAD (PIDFD_THREAD)",
    since: "6.9",
    probe: || {
        let flags = CloneFlags::PIDFD | CloneFlags::THREAD | CloneFlags::SIGHAND | CloneFlags::VM;
        let mut args = clone3_args(flags);
        args.pidfd = 8;
        side(clone3_answer(&args), &[Errno::EINVAL, Errno::ENOSYS])
    },
};

/// pidfd_getfd (5.6): `EBADF` for descriptor -1 where it exists.
pub const PIDFD_GETFD: Line = Line {
    feature: "pidfd_getfd",
    since: "5.6",
    probe: || {
        // SAFETY: plain values; the kernel reads no memory.
        let answer = unsafe { syscall(k::__NR_pidfd_getfd, [-1isize as usize, 0, 0]) };
        side(answer, &[Errno::ENOSYS])
    },
};

/// close_range (5.9): a range past every descriptor closes nothing.
pub const CLOSE_RANGE: Line = Line {
    feature: "close_range",
    since: "5.9",
    probe: || side(close_nothing(0), &[Errno::ENOSYS]),
};

/// `CLOSE_RANGE_CLOEXEC` (5.11): the same with the flag, `EINVAL` before.
pub const CLOSE_RANGE_CLOEXEC: Line = Line {
    feature: "close_range CLOSE_RANGE_CLOEXEC",
    since: "5.11",
    probe: || side(close_nothing(1 << 2), &[Errno::EINVAL, Errno::ENOSYS]),
};

/// close_range over the last descriptor number only, which nothing has.
fn close_nothing(flags: usize) -> Result<usize, Errno> {
    let last = u32::MAX as usize;
    // SAFETY: the kernel reads no memory; no process has that descriptor.
    unsafe { syscall(k::__NR_close_range, [last, last, flags]) }
}

/// mount_setattr (5.12, with idmapped mounts): a size below the first
/// version's is `EINVAL` where it exists.
pub const MOUNT_SETATTR: Line = Line {
    feature: "mount_setattr (recursive read-only binds, idmapped mounts)",
    since: "5.12",
    probe: || {
        let args = [-1isize as usize, c"".as_ptr() as usize, 0, 0, 0];
        // SAFETY: a size of 0 is refused before the kernel reads anything.
        let answer = unsafe { syscall(k::__NR_mount_setattr, args) };
        side(answer, &[Errno::ENOSYS])
    },
};

/// `SECCOMP_FILTER_FLAG_NEW_LISTENER` (5.0): with a null program, `EFAULT`
/// where the flag is known, `EINVAL` before. Installs nothing.
pub const SECCOMP_NEW_LISTENER: Line = Line {
    feature: "seccomp SECCOMP_FILTER_FLAG_NEW_LISTENER",
    since: "5.0",
    probe: || {
        // SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER.
        let args = [1, 1 << 3, 0];
        // SAFETY: the kernel refuses the null program before it installs one.
        let answer = unsafe { syscall(k::__NR_seccomp, args) };
        side(answer, &[Errno::EINVAL, Errno::ENOSYS])
    },
};

/// Every line above, oldest first, for a report.
pub const LINES: [Line; 9] = [
    SECCOMP_NEW_LISTENER,
    CLONE3,
    PIDFD_GETFD,
    CLONE_INTO_CGROUP,
    CLOSE_RANGE,
    CLOSE_RANGE_CLOEXEC,
    MOUNT_SETATTR,
    CLONE3_NEWTIME,
    PIDFD_THREAD,
];

/// `CLONE_VM` into another time namespace (6.2): a child that shares the
/// caller's memory while the caller's `time_for_children` is not its own
/// time namespace is refused before (`EINVAL`); after, the child enters
/// that namespace when it execs. Probe it only in a process that unshared
/// `CLONE_NEWTIME` and entered nothing since (so not in [`LINES`]); its
/// child, if made, exits at once and is reaped.
pub const TIME_NAMESPACE_VM_CHILD: Line = Line {
    feature: "CLONE_VM child of a process whose time_for_children is another time namespace",
    since: "6.2",
    probe: || {
        let flags = (CloneFlags::VM | CloneFlags::VFORK).bits() | u64::from(k::SIGCHLD);
        let null = ptr::null_mut();
        // SAFETY: the child runs no code but exit, on no stack of its own.
        let ret = unsafe { clone_exit_child(flags, null, null.cast(), null.cast(), null) };
        side(reaped(ret), &[Errno::EINVAL])
    },
};
