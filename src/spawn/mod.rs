//! Creating children: the `Spawn` builder and `spawn` (here), which run a
//! closure in a child created with namespace flags, moved onto the child's
//! stack without allocating; `exec` and the program it runs; the parent's
//! side of preparing the child (ID maps, time offsets, the handshake, the
//! setup's report); clone and clone3; `Child`; stacks. Uses `sys`,
//! `flags`, `error` and `setup`.

pub(crate) mod child;
pub(crate) mod clone;
mod clone3;
mod create;
pub(crate) mod exec;
mod handshake;
pub(crate) mod id_map;
mod placed;
pub(crate) mod program;
pub(crate) mod stack;
pub(crate) mod time_ns;

use core::ptr::NonNull;
use placed::{Placed, Prelude};

use crate::error::refusal::Refusal;
use crate::error::Error;
#[cfg(doc)]
use crate::error::Step;
#[cfg(doc)]
use crate::flags::check::Rule;
use crate::flags::check::Syscall;
use crate::flags::CloneFlags;
use crate::pid_t;
use crate::setup::report::{Failure, SharedRecord};
use crate::setup::{Setup, SetupRef};
use crate::spawn::child::{Child, Process};
use crate::spawn::clone3::clone3_available;
use crate::spawn::exec::Held;
use crate::spawn::handshake::{Channel, Handshake, Message};
use crate::spawn::id_map::{IdMap, SetGroups, UserMaps};
use crate::spawn::time_ns::{TimeOffset, TimeOffsets};
use crate::sys::errno::Result;
use crate::sys::fd::BorrowedFd;
use crate::sys::signal::Signal;
use crate::sys::signals::{set_mask, SigSet};
use core::ffi::c_int;
use core::ptr;
use linux_raw_sys::general::SIGKILL;

/// Runs `f` in a new child process created with `flags`, using `stack` as the
/// child's stack, and returns the child; its exit status is `f`'s return value.
///
/// The same as `Spawn::new(flags).spawn(stack, f)`; see [`Spawn::spawn`].
///
/// ```
/// use nsclone::{spawn, sys, CloneFlags, ExitStatus, MmapStack};
///
/// let mut stack = MmapStack::new(64 * 1024)?;
/// // The first process of a new PID namespace is its PID 1.
/// let flags = CloneFlags::NEWUSER | CloneFlags::NEWPID;
/// // SAFETY: the child makes one raw syscall.
/// let mut child = unsafe { spawn(flags, stack.as_mut_slice(), || sys::getpid()) }?;
/// assert_eq!(child.wait()?, ExitStatus::Exited(1));
/// # Ok::<(), nsclone::Error>(())
/// ```
///
/// # Safety
///
/// As for [`Spawn::spawn`]: `f` must be fit to run in a copy of this
/// process made without the C library's knowledge.
///
/// # Errors
///
/// As for [`Spawn::spawn`].
pub unsafe fn spawn<F: FnOnce() -> c_int>(
    flags: CloneFlags,
    stack: &mut [u8],
    f: F,
) -> Result<Child, Error> {
    // SAFETY: forwarded from the caller.
    unsafe { Spawn::new(flags).spawn(stack, f) }
}

/// A builder for a child: flags, exit signal, pidfd, cgroup and PIDs, then
/// [`spawn`](Spawn::spawn).
///
/// Uses clone3 when the request needs it (`CLONE_NEWTIME` without
/// [`time_offsets`](Spawn::time_offsets),
/// `CLONE_CLEAR_SIGHAND`, a cgroup, `set_tid`) or asks for a pidfd, legacy
/// clone otherwise. When clone3 answers `ENOSYS` (kernels before 5.3,
/// seccomp filters that hide it) or `EPERM` (seccomp profiles that refuse
/// it, such as Docker's before 20.10.10), a request legacy clone can
/// express is made there; once legacy clone has made a child so, later
/// requests go there directly. An `EPERM` that legacy clone answers too is
/// the kernel's about privilege: it is returned, and clone3 stays in use.
/// A request legacy clone cannot express fails with clone3's error.
///
/// `CLONE_NEWTIME` itself goes through clone3 from Linux 6.3 (and the
/// stable kernels the fix was backported to); before, clone3 answers
/// `EINVAL`, and [`time_offsets`](Spawn::time_offsets) with zero offsets,
/// which needs only 5.6, starts the child in a new time namespace instead.
///
/// # Examples
///
/// A request is checked before any syscall, with the error the call would
/// return, and [`syscall`](Spawn::syscall) says which clone it makes:
///
/// ```
/// use core::ffi::c_int;
/// use nsclone::{CloneFlags, Error, Refusal, Spawn, Syscall};
///
/// let request = Spawn::new(CloneFlags::NEWUSER | CloneFlags::NEWPID).map_root_user();
/// assert_eq!(request.check(), Ok(()));
/// assert_eq!(request.syscall(), Syscall::Clone);
/// // Only clone3 resets the child's signal handlers.
/// assert_eq!(request.clear_sighand().syscall(), Syscall::Clone3);
/// // A closure's child may not share the caller's memory; the child of
/// // `exec`, which runs only the crate's code until execve, does.
/// let shared = Spawn::new(CloneFlags::VM);
/// assert_eq!(shared.check(), Err(Error::Refused(Refusal::SpawnSharesMemory)));
/// assert_eq!(shared.check_exec(), Ok(()));
/// // The stack a closure holding 4 KiB needs below it: `spawn` refuses less.
/// let table = [1u8; 4096];
/// let f = move || c_int::from(table[0]);
/// let needed = Spawn::stack_needed_below(size_of_val(&f), align_of_val(&f));
/// assert_eq!(needed, Some(2 * 4096 + 6 + Spawn::MIN_FREE_STACK));
/// ```
///
/// A program as root of a new user namespace, with the maps
/// [`map_root_user`](Spawn::map_root_user) writes spelled out and a pidfd
/// for the child; then one with the caller's own IDs inside
/// ([`map_current_user`](Spawn::map_current_user)). Each line of
/// `/proc/self/uid_map` reads: the first ID inside, outside, how many:
///
/// ```
/// use nsclone::{sys, CStrArray, CloneFlags, ExitStatus, IdMap, SetGroups, Spawn, EXEC_STACK};
///
/// let (uid, gid) = sys::effective_ids();
/// let uid_map = [IdMap { inside: 0, outside: uid, count: 1 }];
/// let gid_map = [IdMap { inside: 0, outside: gid, count: 1 }];
/// let as_root = Spawn::new(CloneFlags::NEWUSER)
///     .id_maps(&uid_map, &gid_map, SetGroups::Deny)
///     .pidfd(true);
/// let root = c"read -r inside outside count </proc/self/uid_map \
///     && [ $(id -u) = 0 ] && [ $inside = 0 ]";
/// let (mut argv_buf, mut envp_buf) = ([core::ptr::null(); 4], [core::ptr::null(); 2]);
/// let argv = CStrArray::new(&[c"sh", c"-c", root], &mut argv_buf)?;
/// let envp = CStrArray::new(&[c"PATH=/usr/bin:/bin"], &mut envp_buf)?;
/// let mut stack = [0u8; EXEC_STACK];
/// let mut child = as_root.exec(&mut stack, c"sh", argv, envp)?;
/// assert!(child.pidfd().is_some()); // its wait and kill go through it
/// assert_eq!(child.wait()?, ExitStatus::Exited(0));
///
/// let as_caller = Spawn::new(CloneFlags::NEWUSER).map_current_user();
/// let same = c"read -r inside outside count </proc/self/uid_map \
///     && [ $(id -u) = $outside ] && [ $inside = $outside ]";
/// let mut argv_buf = [core::ptr::null(); 4];
/// let argv = CStrArray::new(&[c"sh", c"-c", same], &mut argv_buf)?;
/// let mut child = as_caller.exec(&mut stack, c"sh", argv, envp)?;
/// assert_eq!(child.wait()?, ExitStatus::Exited(0));
/// # Ok::<(), nsclone::Error>(())
/// ```
///
/// A closure in a new time namespace whose boot-time clock runs a day
/// ahead, as a process restored on another machine keeps its own clocks;
/// `/proc/uptime` counts in the reader's time namespace:
///
/// ```
/// use nsclone::{sys, CloneFlags, ExitStatus, MmapStack, Spawn, TimeOffset};
///
/// /// Whole seconds since boot, as the caller's time namespace counts them.
/// fn uptime() -> u64 {
///     let mut buf = [0u8; 64];
///     let len = sys::read_file(c"/proc/uptime", &mut buf).unwrap_or(0);
///     let text = core::str::from_utf8(&buf[..len]).unwrap_or("");
///     text.split('.').next().and_then(|secs| secs.parse().ok()).unwrap_or(0)
/// }
///
/// const DAY: i64 = 24 * 60 * 60;
/// let request = Spawn::new(CloneFlags::NEWUSER)
///     .map_root_user()
///     .time_offsets(TimeOffset::ZERO, TimeOffset::from_secs(DAY));
/// let before = uptime();
/// let mut stack = MmapStack::new(64 * 1024)?;
/// // SAFETY: the child reads a file with raw syscalls and allocates nothing.
/// let mut child = unsafe {
///     request.spawn(stack.as_mut_slice(), || {
///         let hours_ahead = uptime().saturating_sub(before) / 3600;
///         hours_ahead as i32
///     })
/// }?;
/// assert_eq!(child.wait()?, ExitStatus::Exited(24));
/// # Ok::<(), nsclone::Error>(())
/// ```
///
/// As root: a program started in its cgroup (never a moment outside it)
/// under a PID chosen in advance, as CRIU restores a process with its old
/// one (the cgroup made beforehand: `mkdir /sys/fs/cgroup/restored`):
///
/// ```no_run
/// use linux_raw_sys::general::{O_DIRECTORY, O_RDONLY};
/// use nsclone::{sys, AsFd, CStrArray, CloneFlags, ExitStatus, Spawn, EXEC_STACK};
///
/// let cgroup = sys::open(c"/sys/fs/cgroup/restored", O_RDONLY | O_DIRECTORY)?;
/// let request = Spawn::new(CloneFlags::empty())
///     .into_cgroup(cgroup.as_fd())
///     .set_tid(&[4242]);
/// let test = c"[ $$ = 4242 ] && grep -qx 0::/restored /proc/self/cgroup";
/// let (mut argv_buf, mut envp_buf) = ([core::ptr::null(); 4], [core::ptr::null(); 2]);
/// let argv = CStrArray::new(&[c"sh", c"-c", test], &mut argv_buf)?;
/// let envp = CStrArray::new(&[c"PATH=/usr/bin:/bin"], &mut envp_buf)?;
/// let mut stack = [0u8; EXEC_STACK];
/// let mut child = request.exec(&mut stack, c"sh", argv, envp)?;
/// assert_eq!(child.wait()?, ExitStatus::Exited(0));
/// # Ok::<(), nsclone::Error>(())
/// ```
#[derive(Copy, Clone, Debug)]
pub struct Spawn<'a> {
    flags: CloneFlags,
    /// The exit signal's number as clone and clone3 take it (0 for none).
    exit_signal: c_int,
    pidfd: bool,
    cgroup: Option<BorrowedFd<'a>>,
    set_tid: &'a [pid_t],
    maps: UserMaps<'a>,
    time_offsets: Option<TimeOffsets>,
    setup: Option<SetupRef<'a>>,
}

/// The flags the safe path refuses, each with the refusal it names.
const UNSAFE_FOR_SPAWN: &[(CloneFlags, Refusal)] = &[
    (CloneFlags::THREAD, Refusal::SpawnMakesThreads),
    (CloneFlags::SIGHAND, Refusal::SpawnMakesThreads),
    (CloneFlags::SETTLS, Refusal::SpawnSetsTls),
    (CloneFlags::FILES, Refusal::SpawnSharesFiles),
    (CloneFlags::PARENT_SETTID, Refusal::SpawnHasNoTidPointers),
    (CloneFlags::CHILD_SETTID, Refusal::SpawnHasNoTidPointers),
    (CloneFlags::CHILD_CLEARTID, Refusal::SpawnHasNoTidPointers),
    (CloneFlags::PIDFD, Refusal::SpawnPidfdIsAnOption),
    (CloneFlags::INTO_CGROUP, Refusal::SpawnCgroupIsAnOption),
];

/// The flags only clone3 can carry.
const CLONE3_ONLY: CloneFlags = CloneFlags::NEWTIME.union(CloneFlags::CLEAR_SIGHAND);

/// The most PIDs `set_tid` takes: one per PID-namespace level (`MAX_PID_NS_LEVEL`).
const MAX_SET_TID: usize = 32;

impl<'a> Spawn<'a> {
    /// The stack the child keeps free below the closure for its own frames,
    /// besides the room for moving the closure ([`stack_needed_below`](Self::stack_needed_below)):
    /// the crate's (with ID maps or time offsets, the steps before the
    /// closure take up to 1.5 KiB of it in an unoptimized build, and return
    /// before it runs) and the closure body's.
    pub const MIN_FREE_STACK: usize = 2048;

    /// The bytes a stack must have below a closure of `size` bytes aligned
    /// to `align`: two more copies of it (the child moves it out of its slot,
    /// and an unoptimized build moves it again into the call), six
    /// alignments of padding for the frames that realign the stack to hold
    /// them (an unoptimized build was seen realigning five; the spawn_layout
    /// fuzz target checks the bound), and
    /// [`MIN_FREE_STACK`](Self::MIN_FREE_STACK). `None` on overflow. A stack
    /// without this much below the closure is refused
    /// ([`Refusal::StackTooSmall`]), so the crate's frames and the closure's
    /// moves stay on the stack the child was given; the closure body's use
    /// beyond `MIN_FREE_STACK`, and signal frames, are the caller's to fit
    /// (see [`spawn`](Self::spawn)'s safety section); [example](Spawn#examples).
    pub const fn stack_needed_below(size: usize, align: usize) -> Option<usize> {
        let copies = match size.checked_mul(2) {
            Some(copies) => copies,
            None => return None,
        };
        let padding = match align.checked_mul(6) {
            Some(padding) => padding,
            None => return None,
        };
        match copies.checked_add(padding) {
            Some(moved) => moved.checked_add(Self::MIN_FREE_STACK),
            None => None,
        }
    }

    /// A child created with `flags` that signals `SIGCHLD` when it exits;
    /// [example](Spawn#examples).
    pub const fn new(flags: CloneFlags) -> Spawn<'a> {
        Spawn {
            flags,
            exit_signal: Signal::CHLD.raw(),
            pidfd: false,
            cgroup: None,
            set_tid: &[],
            maps: UserMaps::None,
            time_offsets: None,
            setup: None,
        }
    }

    /// The signal the parent gets when the child exits (`None` for none),
    /// as asked: `SIGKILL` or `SIGSTOP` kill or stop the caller then. A
    /// child that execs signals `SIGCHLD` instead (execve(2) resets it).
    /// [`Child::wait`] reaps children with any exit signal.
    ///
    /// ```
    /// use nsclone::{CloneFlags, Signal, Spawn};
    ///
    /// let request = Spawn::new(CloneFlags::empty()).exit_signal(Some(Signal::USR1));
    /// assert_eq!(request.check(), Ok(()));
    /// ```
    pub const fn exit_signal(mut self, signal: Option<Signal>) -> Spawn<'a> {
        self.exit_signal = match signal {
            Some(signal) => signal.raw(),
            None => 0,
        };
        self
    }

    /// Whether the [`Child`] gets a pidfd (`CLONE_PIDFD`, close-on-exec,
    /// Linux 5.2+): its `wait` and `kill` then go through the pidfd, which
    /// cannot hit a recycled PID; [example](Spawn#examples).
    pub const fn pidfd(mut self, pidfd: bool) -> Spawn<'a> {
        self.pidfd = pidfd;
        self
    }

    /// Starts the child in the cgroup2 directory `cgroup` refers to
    /// (`CLONE_INTO_CGROUP`, clone3, Linux 5.7+); [example](Spawn#examples).
    ///
    /// It takes a [`BorrowedFd`], not `impl AsFd` as the crate's functions
    /// do: a `const fn` cannot call a trait method. Pass `dir.as_fd()`.
    pub const fn into_cgroup(mut self, cgroup: BorrowedFd<'a>) -> Spawn<'a> {
        self.cgroup = Some(cgroup);
        self
    }

    /// Asks for these PIDs (clone3, Linux 5.5+): `pids[0]` in the child's own
    /// PID namespace, each next one a level further out. Needs
    /// `CAP_SYS_ADMIN` or `CAP_CHECKPOINT_RESTORE` over each level;
    /// [example](Spawn#examples).
    pub const fn set_tid(mut self, pids: &'a [pid_t]) -> Spawn<'a> {
        self.set_tid = pids;
        self
    }

    /// Resets every signal handler of the child to the default
    /// (`CLONE_CLEAR_SIGHAND`, clone3, Linux 5.5+); [example](Spawn#examples).
    pub const fn clear_sighand(mut self) -> Spawn<'a> {
        self.flags = self.flags.union(CloneFlags::CLEAR_SIGHAND);
        self
    }

    /// Writes these ID maps ([`write_id_maps`](crate::write_id_maps)) into the child's new user
    /// namespace from the parent, before the child's closure runs (the child
    /// waits on a close-on-exec pipe). Needs `CLONE_NEWUSER`; the maps are
    /// checked with the request ([`check_id_map`](crate::check_id_map)); if
    /// writing fails, the child is killed and reaped and the error names
    /// the file ([`Step::UidMap`], [`Step::Setgroups`], [`Step::GidMap`]);
    /// [example](Spawn#examples).
    pub const fn id_maps(
        mut self,
        uid: &'a [IdMap],
        gid: &'a [IdMap],
        setgroups: SetGroups,
    ) -> Spawn<'a> {
        self.maps = UserMaps::Given {
            uid,
            gid,
            setgroups,
        };
        self
    }

    /// Maps uid and gid 0 inside the new user namespace to the caller's
    /// effective uid and gid, with setgroups denied, like `unshare -r`;
    /// [example](Spawn#examples).
    pub const fn map_root_user(mut self) -> Spawn<'a> {
        self.maps = UserMaps::RootToCaller;
        self
    }

    /// Maps the caller's effective uid and gid to themselves inside the new
    /// user namespace, with setgroups denied, like `unshare -c`;
    /// [example](Spawn#examples).
    pub const fn map_current_user(mut self) -> Spawn<'a> {
        self.maps = UserMaps::CallerToCaller;
        self
    }

    /// Starts the child in a new time namespace (`CLONE_NEWTIME`, which this
    /// adds) whose `CLOCK_MONOTONIC` and `CLOCK_BOOTTIME` run `monotonic` and
    /// `boottime` ahead of the caller's (behind, if negative). The child,
    /// created without `CLONE_NEWTIME` (so legacy clone serves), makes the
    /// namespace, sets the offsets and enters it before its closure runs;
    /// [`TimeOffset`] says how. The caller's own namespaces and
    /// `time_for_children` never change, and it may have threads. Needs
    /// Linux 5.6 and `/proc`; [example](Spawn#examples).
    ///
    /// Refused ([`check`](Self::check) names the refusal): `CLONE_VM` (so
    /// [`Spawn::exec`] too), and nanoseconds of a second or more.
    ///
    /// Errors of [`Step::TimeNamespace`], besides [`spawn`](Self::spawn)'s:
    /// `ERANGE` (an offset takes a clock below zero or too far ahead),
    /// `EPERM` (no `CAP_SYS_ADMIN` and `CAP_SYS_TIME` for the new namespace:
    /// add `CLONE_NEWUSER` when unprivileged), `ENOENT` without `/proc`;
    /// [`Error::Kernel`] with `EIO` if the child died before it answered.
    pub const fn time_offsets(mut self, monotonic: TimeOffset, boottime: TimeOffset) -> Spawn<'a> {
        self.flags = self.flags.union(CloneFlags::NEWTIME);
        self.time_offsets = Some(TimeOffsets {
            monotonic,
            boottime,
        });
        self
    }

    /// What the child does before its closure or program: descriptors,
    /// identity, limits, signals and more, in the order [`Setup`]
    /// documents. A failing step fails the call with [`Error::Step`]
    /// naming it; the child is reaped first; [example](Setup#examples).
    ///
    /// A closure's child runs the steps on its stack, under the closure
    /// (their frames are gone before the closure runs): [`spawn`](Self::spawn)
    /// then needs [`SETUP_STACK`](Self::SETUP_STACK) bytes under the
    /// closure, where [`stack_needed_below`](Self::stack_needed_below)
    /// would do without a setup. With `CLONE_FS` the child's working
    /// directory, root and umask are the caller's too, as the flag means.
    pub const fn setup(mut self, setup: &'a Setup<'a>) -> Spawn<'a> {
        self.setup = Some(SetupRef::new(setup));
        self
    }

    /// The stack the steps of a [`setup`](Self::setup) need in a
    /// closure's child, under the closure and the crate's record of them.
    pub const SETUP_STACK: usize = 12 * 1024;

    /// This request with `flags` added.
    const fn with_flags(mut self, flags: CloneFlags) -> Spawn<'a> {
        self.flags = self.flags.union(flags);
        self
    }

    /// The syscall [`spawn`](Self::spawn) will make first;
    /// [example](Spawn#examples).
    pub fn syscall(&self) -> Syscall {
        if self.needs_clone3() || (self.pidfd && clone3_available()) {
            Syscall::Clone3
        } else {
            Syscall::Clone
        }
    }

    fn needs_clone3(&self) -> bool {
        let flags = self.kernel_flags();
        flags.intersects(CLONE3_ONLY)
            || flags.bits() > u64::from(u32::MAX)
            || self.cgroup.is_some()
            || !self.set_tid.is_empty()
    }

    /// The flags as the kernel gets them, with those the options add, and
    /// without `CLONE_NEWTIME` when the child makes its time namespace itself.
    fn kernel_flags(&self) -> CloneFlags {
        let mut flags = self.flags;
        if self.time_offsets.is_some() {
            flags -= CloneFlags::NEWTIME;
        }
        if self.pidfd {
            flags |= CloneFlags::PIDFD;
        }
        if self.cgroup.is_some() {
            flags |= CloneFlags::INTO_CGROUP;
        }
        flags
    }

    /// Checks what [`spawn`](Self::spawn) refuses before any syscall, with
    /// the same error: the exit signal, the flags that would let the child
    /// reach the parent's memory, threads, fds or TLS, the options
    /// ([`id_maps`](Self::id_maps) lines, [`time_offsets`](Self::time_offsets),
    /// `set_tid`), then the kernel's rules for the syscall it will use
    /// ([`CloneFlags::check`]). Only the stack is left to the call, which
    /// alone sees it ([`Refusal::StackTooSmall`]); [example](Spawn#examples).
    ///
    /// # Errors
    ///
    /// The first one broken, in that order: [`Error::Invalid`] with the
    /// kernel's [`Rule`] (the exit signal, the flags) or [`Error::Refused`]
    /// with the crate's [`Refusal`]; never another variant.
    pub fn check(&self) -> Result<(), Error> {
        self.check_for(Entry::Closure)
    }

    /// [`check`](Self::check) for [`exec`](Self::exec): the same rules for
    /// this request plus the flags `exec` adds (its child runs only the
    /// crate's code): `CLONE_VM`, and `CLONE_VFORK` unless the parent acts
    /// while the child waits (ID maps, a parent-death signal);
    /// [example](Spawn#examples).
    ///
    /// # Errors
    ///
    /// As for [`check`](Self::check).
    pub fn check_exec(&self) -> Result<(), Error> {
        self.check_for(Entry::Exec)
    }

    /// The one function that decides every refusal of both entry points:
    /// the crate's refusals ([`refusal`](Self::refusal)), then the
    /// kernel's rules. (A [`Signal`] is a valid exit signal for both
    /// calls.)
    fn check_for(&self, entry: Entry) -> Result<(), Error> {
        let request = match entry {
            Entry::Closure => *self,
            Entry::Exec => self.with_flags(self.exec_flags()),
        };
        if let Some(refusal) = request.refusal(entry) {
            return Err(refusal.into());
        }
        Ok(request
            .kernel_flags()
            .check_with_exit_signal(request.syscall(), request.exit_signal as u64)?)
    }

    /// The first of the crate's own refusals of this request (already
    /// with the flags of `entry`), in [`check`](Self::check)'s order.
    fn refusal(&self, entry: Entry) -> Option<Refusal> {
        let flags = self.flags;
        if flags.bits() & CloneFlags::CSIGNAL & !CloneFlags::NEWTIME.bits() != 0 {
            return Some(Refusal::SpawnExitSignalInFlags);
        }
        if entry == Entry::Closure && flags.contains(CloneFlags::VM) {
            return Some(Refusal::SpawnSharesMemory);
        }
        if let Some(&(_, refusal)) = UNSAFE_FOR_SPAWN
            .iter()
            .find(|(flag, _)| flags.intersects(*flag))
        {
            return Some(refusal);
        }
        if self.set_tid.len() > MAX_SET_TID {
            return Some(Refusal::SetTidTooLong);
        }
        if let Some(refusal) = self.time_offsets.and_then(|offsets| offsets.refusal(flags)) {
            return Some(refusal);
        }
        if let Some(refusal) = self.setup_refusal() {
            return Some(refusal);
        }
        if !matches!(self.maps, UserMaps::None) && !flags.contains(CloneFlags::NEWUSER) {
            return Some(Refusal::IdMapsNeedNewuser);
        }
        self.vfork_refusal().or_else(|| self.maps.check().err())
    }

    /// The refusal of the setup: its descriptors, its parent-death signal
    /// (a signal, and not with `CLONE_PARENT`).
    /// They guard what the setup means (a child given part of it would run
    /// half set up), not a flag's safety, so
    /// [`spawn_unchecked`](Self::spawn_unchecked) applies them too.
    fn setup_refusal(&self) -> Option<Refusal> {
        let has_maps = !matches!(self.maps, UserMaps::None);
        self.setup
            .and_then(|setup| setup.refusal(self.flags, has_maps))
    }

    /// The refusal of a child that would wait for its ID maps while the
    /// parent waits for it (`CLONE_VFORK`); the setup refuses its own
    /// parent-death signal so.
    fn vfork_refusal(&self) -> Option<Refusal> {
        (self.flags.contains(CloneFlags::VFORK) && !matches!(self.maps, UserMaps::None))
            .then_some(Refusal::IdMapsWithVfork)
    }

    /// Moves `f` onto the top of `stack` and runs it in a new child created
    /// with this builder's request; the child process ends (`exit_group`,
    /// all its threads) with `f`'s return value as its status;
    /// [example](Spawn#examples).
    ///
    /// Accepted: namespace flags, `CLONE_FS`, `CLONE_VFORK` (the parent
    /// waits until the child exits or execs), `CLONE_PARENT`,
    /// `CLONE_PTRACE`, `CLONE_UNTRACED`, `CLONE_SYSVSEM`, `CLONE_IO`,
    /// `CLONE_DETACHED`, `CLONE_CLEAR_SIGHAND`. `CLONE_PIDFD` and
    /// `CLONE_INTO_CGROUP` are options ([`pidfd`](Self::pidfd),
    /// [`into_cgroup`](Self::into_cgroup)). Everything else is refused before
    /// any syscall, `CLONE_VM` in every combination: a child that shared our
    /// memory would run `f` with our thread's TLS, locks and `atexit`
    /// handlers but its own fd table (use [`exec`](Self::exec), whose child
    /// code is the crate's, or [`spawn_unchecked`](Self::spawn_unchecked)).
    ///
    /// The child runs on a copy of the parent's memory, so `f` and what it
    /// captured exist twice: the child consumes its copy and the parent
    /// drops its own once the child exists. What the child writes to its
    /// copy stays there (shared mappings aside: see the safety section).
    ///
    /// A panic in `f` ends the child with `SIGABRT` after the panic's
    /// message; with feature `std` the child catches the unwind and raises
    /// `SIGABRT` on itself with raw syscalls (without it, the runtime aborts
    /// through the C library; see the safety section for musl).
    ///
    /// # Safety
    ///
    /// The child is a copy of this process made by a raw clone, not by the
    /// C library's `fork`, so the C library in the child still describes the
    /// calling thread: its cached thread ID is the caller's. The caller
    /// answers for everything `f` does that relies on that state. What can
    /// happen, by what `f` does:
    ///
    /// - **Acts on the parent:** anything that signals or configures "the
    ///   current thread" by the C library's cached thread ID reaches the
    ///   parent's thread instead: with musl, `abort()`, `raise()` (so
    ///   `std::process::abort`, a panic under `panic = "abort"`, or any
    ///   panic without feature `std`) send the signal to the caller's
    ///   thread; with glibc or musl, `pthread_setaffinity_np`,
    ///   `pthread_setschedparam` and the like on `pthread_self()` change the
    ///   caller's thread. `f` must not do these.
    /// - **Overflows its stack:** `f` may use no more stack than `stack`
    ///   gives it beyond [`stack_needed_below`](Self::stack_needed_below),
    ///   unless `stack` is an [`MmapStack`](crate::MmapStack), whose guard
    ///   makes an overflow a `SIGSEGV` of the child. Past the low end of
    ///   any other stack the child writes over its copy of whatever lies
    ///   below, and over the parent's own memory where that is a shared
    ///   mapping. A signal the child catches (it inherits the parent's
    ///   handlers) puts a frame of several KiB on its stack first
    ///   (`AT_MINSIGSTKSZ`: 3.4 KiB on x86_64 with AVX-512, 11 KiB with
    ///   AMX), more than [`MIN_FREE_STACK`](Self::MIN_FREE_STACK): give the
    ///   stack that room too, or use an `MmapStack`.
    /// - **Writes what it shares with the parent, as after `fork`:** memory
    ///   mapped `MAP_SHARED` (by `mmap`, or a safe wrapper such as
    ///   memmap2's) is the parent's too, so a write of `f`'s there, through
    ///   what it borrowed, lands in the parent's memory after `spawn`
    ///   returned, as another thread's write would. `f` may write there
    ///   only what a thread of the parent's could write at that moment
    ///   (through atomics, say); any other write is a data race. Open
    ///   file descriptions are shared as well:
    ///   their offsets, status flags and `flock` locks.
    /// - **Deadlocks (not undefined behaviour):** in a multithreaded
    ///   parent, a lock another thread held at the clone (the allocator's,
    ///   stdout's, any `Mutex`) stays held for ever in the child. Keep `f`
    ///   to async-signal-safe work there (this crate's syscalls), as after
    ///   `fork`; [`exec`](Self::exec) is the path for threaded parents.
    /// - **Duplicates output:** buffered data of the parent's (an unflushed
    ///   `BufWriter`, C stdio) is written again if `f` flushes it, and
    ///   `std::process::exit` in `f` runs the `atexit` handlers of the
    ///   child's copy.
    ///
    /// Nothing else `f` does reaches the parent: its memory, fd table and
    /// TLS are the child's own (the flags that would share them are
    /// refused), and the child's end is its own process's (`exit_group`).
    /// What the caller asks to share is shared, as the kernel defines it:
    /// with `CLONE_FS` a `chdir`, `chroot` or `umask` of `f` is the
    /// parent's too, with `CLONE_SYSVSEM` its semaphore adjustments, with
    /// `CLONE_IO` its I/O priority.
    ///
    /// # Errors
    ///
    /// [`Error::Invalid`] or [`Error::Refused`] as [`check`](Self::check)
    /// names them, or [`Refusal::StackTooSmall`] (`ENOMEM`) when `stack`
    /// cannot hold `f` and [`stack_needed_below`](Self::stack_needed_below)
    /// bytes.
    /// [`Error::Kernel`]: `ENOSYS` (the request needs clone3 and the kernel
    /// or a seccomp filter does not offer it), and clone(2)'s: `EPERM`,
    /// `ENOSPC`, `EAGAIN`, `ENOMEM`, `EUSERS`, `EBADF`/`EACCES`/`EBUSY` for
    /// a cgroup, `EEXIST` for a taken PID; `EMFILE` for the pipes of ID maps
    /// and time offsets. [`Error::Step`] when writing the ID maps or
    /// entering the time namespace failed (the child was killed and reaped
    /// before `f` ran).
    pub unsafe fn spawn<F: FnOnce() -> c_int>(
        &self,
        stack: &mut [u8],
        f: F,
    ) -> Result<Child, Error> {
        self.check()?;
        // SAFETY: `check` refused every flag that would let the child share
        // the parent's memory, threads, fds or TLS; the caller answers for `f`.
        unsafe { self.spawn_unchecked(stack, f) }
    }

    /// [`spawn`](Self::spawn) with any flags: no check but the stack's size
    /// and the [`setup`](Self::setup)'s (and ID maps with `CLONE_VFORK`,
    /// which would deadlock).
    ///
    /// A vfork-style child (`CLONE_VM | CLONE_VFORK`, which
    /// [`spawn`](Self::spawn) refuses) writes into the caller's memory
    /// while the caller waits:
    ///
    /// ```
    /// use core::sync::atomic::{AtomicI32, Ordering};
    /// use nsclone::{sys, CloneFlags, ExitStatus, MmapStack, Spawn};
    ///
    /// let seen = AtomicI32::new(0);
    /// let mut stack = MmapStack::new(64 * 1024)?;
    /// let request = Spawn::new(CloneFlags::VM | CloneFlags::VFORK);
    /// // SAFETY: the caller waits until the child exits (CLONE_VFORK), so
    /// // `stack` and `seen` outlive it; the child stays on its stack, makes
    /// // one raw syscall and an atomic store: no TLS, lock or allocation.
    /// let mut child = unsafe {
    ///     request.spawn_unchecked(stack.as_mut_slice(), || {
    ///         seen.store(sys::getpid(), Ordering::Relaxed);
    ///         0
    ///     })
    /// }?;
    /// assert_eq!(seen.load(Ordering::Relaxed), child.pid());
    /// assert_eq!(child.wait()?, ExitStatus::Exited(0));
    /// # Ok::<(), nsclone::Error>(())
    /// ```
    ///
    /// # Safety
    ///
    /// Everything [`spawn`](Self::spawn) asks, and the flags as for
    /// [`crate::clone`]: with `CLONE_VM` the child runs `f` in the
    /// caller's memory with the caller's TLS (a value `f` stores, a `File`
    /// it opens, a panic, `std::process::exit`, a lock it takes, all land in
    /// the parent's state, but against the child's fd table), so `f` must
    /// keep to raw syscalls and what it is given; without `CLONE_VFORK`,
    /// `stack` and everything `f` touches must stay valid and unaliased
    /// until the child exits (the borrow of `stack` ends when this returns),
    /// and with it, `f` must not run past the stack's low end unless a guard
    /// the caller mapped is there; `CLONE_THREAD`, `CLONE_SIGHAND`,
    /// `CLONE_FILES` and `CLONE_SETTLS` are the caller's to make sound; the
    /// tid flags have no pointers here (the kernel writes to none, or faults
    /// the child).
    ///
    /// # Errors
    ///
    /// As for [`spawn`](Self::spawn), with only [`Refusal::StackTooSmall`],
    /// [`Refusal::IdMapsWithVfork`] and the setup's refusals
    /// ([`Refusal::TooManyFds`], [`Refusal::FdNegative`],
    /// [`Refusal::FdTargetTwice`],
    /// [`Refusal::ParentDeathSignalWithCloneParent`]).
    pub unsafe fn spawn_unchecked<F: FnOnce() -> c_int>(
        &self,
        stack: &mut [u8],
        f: F,
    ) -> Result<Child, Error> {
        // SAFETY: forwarded from the caller.
        unsafe { self.place_and_start(stack, f, SetupBeforeClosure) }
    }

    /// [`spawn_unchecked`](Self::spawn_unchecked), with the setup run where
    /// `prepare` says.
    ///
    /// # Safety
    ///
    /// As for [`spawn_unchecked`](Self::spawn_unchecked).
    pub(super) unsafe fn place_and_start<F: FnOnce() -> c_int, P: Prepare>(
        &self,
        stack: &mut [u8],
        f: F,
        prepare: P,
    ) -> Result<Child, Error> {
        if let Some(refusal) = self.setup_refusal() {
            return Err(refusal.into());
        }
        let ours_again = self.stack_is_ours_again(&prepare);
        let placed = Placed::closure(stack, f)?;
        // SAFETY: forwarded from the caller; `placed` is on `stack`.
        let result = unsafe { self.spawn_placed(placed, prepare) };
        if !(result.is_ok() && self.flags.contains(CloneFlags::VM)) {
            // SAFETY: the `F` in the slot is initialized and, in this address
            // space, was never read: the clone failed or the child had a copy.
            unsafe { ptr::drop_in_place(placed.slot.cast::<F>()) };
        }
        if ours_again {
            // SAFETY: the child has its own copy of the stack, or is gone
            // from it (exited or exec'd), and the drop above is done.
            unsafe { placed.clear() };
        }
        result
    }

    /// Whether the stack is the caller's again when the child is started:
    /// the child has its own memory, or has left ours (`CLONE_VFORK`, or
    /// the parent waited for its exec).
    fn stack_is_ours_again(&self, prepare: &impl Prepare) -> bool {
        !self.flags.contains(CloneFlags::VM)
            || self.flags.contains(CloneFlags::VFORK)
            || prepare.waits_until_child_left()
    }

    /// The signal the setup asks for when the parent exits, or 0.
    fn death_signal(&self) -> c_int {
        self.setup.map_or(0, |setup| setup.death_signal())
    }

    /// Whether the parent acts for the child after creating it (writes its
    /// ID maps, or lets it go on once it asked for a parent-death signal),
    /// so that the child must wait for it.
    fn parent_prepares(&self) -> bool {
        !matches!(self.maps, UserMaps::None) || self.death_signal() != 0
    }

    /// The flags [`exec`](Self::exec) adds: `CLONE_VM`, unless the setup
    /// changes the child's user or group ID (the kernel would mark the memory
    /// the child shares, the caller's, undumpable), and `CLONE_VFORK` with
    /// it, unless the parent must act while the child waits.
    fn exec_flags(&self) -> CloneFlags {
        if self.setup.is_some_and(|setup| setup.setup.changes_ids()) {
            CloneFlags::empty()
        } else if self.parent_prepares() {
            CloneFlags::VM
        } else {
            CloneFlags::VM.union(CloneFlags::VFORK)
        }
    }

    /// The error for a step the child reported failed.
    fn step_error(&self, failure: Failure) -> Error {
        match self.setup {
            Some(setup) => setup.error(failure).into(),
            None => failure.step.failed(failure.errno).into(),
        }
    }

    /// The rest of [`spawn_unchecked`](Self::spawn_unchecked), the same for
    /// every closure type: creates the child, then writes its ID maps while
    /// it waits, lets it go on, and reads how it prepared itself (the time
    /// namespace, the setup); with `prepare`'s pipe, waits until it left
    /// our memory.
    ///
    /// # Safety
    ///
    /// As for [`spawn_unchecked`](Self::spawn_unchecked), with `placed` on
    /// the stack it was given.
    #[inline(never)]
    unsafe fn spawn_placed(&self, placed: Placed, prepare: impl Prepare) -> Result<Child, Error> {
        let ours_again = self.stack_is_ours_again(&prepare);
        let setup = prepare.setup_before(self);
        let reports = self.time_offsets.is_some() || setup.is_some();
        if !self.parent_prepares() && !reports && !prepare.waits_until_child_left() {
            // SAFETY: forwarded from the caller.
            return Ok(Child::new(unsafe { self.start(placed) }?));
        }
        if let Some(refusal) = self.vfork_refusal() {
            return Err(refusal.into());
        }
        let go_ahead = self.parent_prepares().then(Handshake::new).transpose()?;
        // A socket pair: the parent sends the idmapped mounts on it too.
        let report = reports.then(Handshake::new_socket).transpose()?;
        let prelude = Prelude {
            death_signal: self.death_signal(),
            go_ahead: go_ahead.as_ref().map(Handshake::child_end),
            time: self.time_offsets,
            setup: setup.map(|setup| (NonNull::from(setup.setup).cast(), setup.code)),
            report: report.as_ref().map(Handshake::child_end),
        };
        let extra = if setup.is_some() {
            Self::SETUP_STACK
        } else {
            0
        };
        // SAFETY: forwarded from the caller; `placed.below` is ours to lend.
        let then = unsafe { placed.after(prelude, extra) }?;
        // SAFETY: forwarded from the caller; the prelude only adds raw syscalls.
        let started = unsafe { self.start(then) };
        let prepared = started.map_err(Error::from).and_then(|child| {
            let prepared = self.prepare(&child, go_ahead, report, prepare.idmapped_socket());
            if prepared.is_err() {
                // No half-created child: it has not run `f`, so end it here.
                let _ = child.send(SIGKILL as c_int);
            }
            match prepare.finish(&child, prepared) {
                Ok(()) => Ok(Child::new(child)),
                Err(err) => {
                    let _ = child.wait(0);
                    Err(err)
                }
            }
        });
        if ours_again {
            // SAFETY: the child has its own copy of the record, or is gone.
            unsafe { then.clear() };
        }
        prepared
    }

    /// The parent's side of preparing `child`: writes its ID maps, makes
    /// and sends its idmapped mounts (on the report socket, or on
    /// `exec_socket` for an exec child), lets it go on, and reads its
    /// report.
    #[inline(never)]
    fn prepare(
        &self,
        child: &Process,
        go_ahead: Option<Handshake>,
        report: Option<Handshake>,
        exec_socket: Option<BorrowedFd<'_>>,
    ) -> Result<(), Error> {
        if let Some(go_ahead) = go_ahead {
            self.maps.write(child.pid())?;
            // The idmapped mounts go on the socket the child reports on.
            let socket = report.as_ref().map(Handshake::parent_end).or(exec_socket);
            if let (Some(setup), Some(socket)) = (self.setup, socket) {
                setup.send_idmapped(child.pid(), socket)?;
            }
            go_ahead.give()?;
        }
        match report.map(Handshake::read_report).transpose()? {
            Some(Err(failure)) => Err(self.step_error(failure)),
            _ => Ok(()),
        }
    }
}

/// Where the child runs the setup, and what the parent waits for: one
/// type per entry point, so that a program links only the code of those
/// it uses.
pub(super) trait Prepare {
    /// The setup the child runs before the placed code, if any.
    fn setup_before<'a>(&self, request: &Spawn<'a>) -> Option<SetupRef<'a>>;

    /// Whether the parent waits until the child left its memory.
    fn waits_until_child_left(&self) -> bool;

    /// Our end of the socket the idmapped mounts go on, when the entry
    /// point runs the setup itself.
    fn idmapped_socket(&self) -> Option<BorrowedFd<'_>>;

    /// In the parent, once the child exists and the parent's part is done
    /// (`prepared`; the child was killed if it failed): the rest, up to
    /// the child leaving our memory if the parent waits for that.
    fn finish(self, child: &Process, prepared: Result<(), Error>) -> Result<(), Error>;
}

/// [`Spawn::spawn`]'s: the setup before the closure, reported on a pipe.
pub(super) struct SetupBeforeClosure;

impl Prepare for SetupBeforeClosure {
    fn setup_before<'a>(&self, request: &Spawn<'a>) -> Option<SetupRef<'a>> {
        request.setup
    }

    fn waits_until_child_left(&self) -> bool {
        false
    }

    fn idmapped_socket(&self) -> Option<BorrowedFd<'_>> {
        None
    }

    fn finish(self, _: &Process, prepared: Result<(), Error>) -> Result<(), Error> {
        prepared
    }
}

/// [`Spawn::exec`]'s: the setup in the closure itself, which execs; with
/// the channel whose child end closes when the child execs or exits, for a
/// child that does not wait in `CLONE_VFORK` (on which it says which step
/// failed, into `record`), and the caller's work while the child holds
/// ([`Spawn::exec_held`]).
pub(super) struct SetupInExec<'r, H> {
    pub(super) channel: Option<Channel>,
    pub(super) hold: Option<H>,
    pub(super) record: &'r SharedRecord,
    /// The caller's signal mask, which the hold runs with.
    pub(super) caller_mask: SigSet,
}

impl<H: FnOnce(&Held<'_>) -> Result<(), Error>> Prepare for SetupInExec<'_, H> {
    fn setup_before<'a>(&self, _: &Spawn<'a>) -> Option<SetupRef<'a>> {
        None
    }

    fn waits_until_child_left(&self) -> bool {
        self.channel.is_some()
    }

    fn idmapped_socket(&self) -> Option<BorrowedFd<'_>> {
        self.channel.as_ref().map(Channel::parent_end)
    }

    fn finish(self, child: &Process, prepared: Result<(), Error>) -> Result<(), Error> {
        let Some(mut channel) = self.channel else {
            return prepared;
        };
        channel.child_started();
        let mut message = channel.read_message();
        let held = match (prepared, message, self.hold) {
            (Err(err), ..) => Err(err),
            (Ok(()), Message::Holds(listener), Some(hold)) => {
                // The caller's code, while the child (which may share our
                // memory, on the caller's stack) waits: should it unwind,
                // the child is ended and gone from our memory first.
                let guard = EndOnUnwind {
                    child,
                    channel: &channel,
                };
                // Every signal was blocked across the clone only: the
                // child has its own mask now.
                set_mask(self.caller_mask);
                let held = hold(&Held::new(child, listener));
                core::mem::forget(guard);
                held.and_then(|()| {
                    channel.release()?;
                    message = channel.read_message();
                    Ok(())
                })
            }
            _ => Ok(()),
        };
        if let Message::Failed(failure) = message {
            self.record.record(failure);
        }
        if held.is_err() {
            let _ = child.send(SIGKILL as c_int);
        }
        channel.wait_for_close();
        held
    }
}

/// Armed while [`Spawn::exec_held`]'s hold runs: if it unwinds, kills the
/// held child, waits until it left our memory (its end of the channel
/// closed: the kernel releases a process's memory before its
/// descriptors) and reaps it, so that the caller's stack and the record
/// are the caller's again when the panic reaches them.
struct EndOnUnwind<'c> {
    child: &'c Process,
    channel: &'c Channel,
}

impl Drop for EndOnUnwind<'_> {
    fn drop(&mut self) {
        let _ = self.child.send(SIGKILL as c_int);
        self.channel.wait_until_closed();
        let _ = self.child.wait(0);
    }
}

/// Which of `Spawn`'s calls a request is checked for.
#[derive(Copy, Clone, PartialEq, Eq)]
enum Entry {
    /// [`Spawn::spawn`]: the caller's closure, in a child of its own memory.
    Closure,
    /// [`Spawn::exec`]: the crate's own code, vfork-style, then execve.
    Exec,
}
