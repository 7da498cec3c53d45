//! The child's setup: what a child does between its creation and the
//! program (or closure) it runs, described as data in the caller's memory
//! (`Setup`), and the code that runs it in the child in one fixed order,
//! with raw syscalls only (no allocation, no lock). Uses `sys`, `flags` and
//! `error`.

mod capabilities;
mod fds;
mod limits;
mod mounts;
pub(crate) mod report;
mod root;

pub use capabilities::Capabilities;
pub use fds::{Fd, MAX_FDS};
pub use limits::{Limit, Resource};
pub use mounts::Mount;

use crate::error::refusal::Refusal;
use crate::error::{Step, StepArgument, StepError};
use crate::flags::CloneFlags;
use crate::pid_t;
use crate::setup::report::{ChildContext, Failure};
use crate::setup::root::Root;
use crate::sys::decimal::decimal;
use crate::sys::fd::BorrowedFd;
use crate::sys::fd_passing::MAX_PASSED;
use crate::sys::fd_table::has_reader;
use crate::sys::seccomp::{install_filter, SockFilter, SECCOMP_FILTER_FLAG_NEW_LISTENER};
use crate::sys::signal::Signal;
use crate::sys::signals::{reset_caught_handlers, reset_handlers, set_mask};
use crate::sys::{process, syscall};
use core::ffi::{c_int, CStr};

/// The most instructions a seccomp filter has (`BPF_MAXINSNS`).
const MAX_FILTER: usize = 4096;

/// The exit status of a child whose parent went during its steps (no one
/// sees it but the reaper).
const PARENT_GONE: c_int = 127;

/// What a child does before it runs its program ([`Spawn::exec`]) or its
/// closure ([`Spawn::spawn`]), given with [`Spawn::setup`]: data in the
/// caller's memory, run by the crate's own child code with raw syscalls,
/// so it is safe from any parent, threaded or not.
///
/// The child runs the steps in this order, each only if asked, and stops
/// at the first that fails: the caller gets a [`StepError`] naming it
/// (`chdir("/srv"): ENOENT: ...`) and the child is reaped; no program runs
/// half set up.
///
/// 1. [`parent_death_signal`](Self::parent_death_signal), before the child
///    waits for its parent's go-ahead (after the ID maps), so that a parent
///    that died before cannot be missed;
/// 2. [`new_session`](Self::new_session), then the terminal
///    ([`controlling_terminal`](Self::controlling_terminal) or
///    [`foreground`](Self::foreground));
/// 3. [`hostname`](Self::hostname), [`domainname`](Self::domainname);
/// 4. [`umask`](Self::umask), then the filesystem: [`mounts`](Self::mounts)
///    in their order, the root ([`pivot_root`](Self::pivot_root) or
///    [`chroot`](Self::chroot)), [`current_dir`](Self::current_dir);
/// 5. [`limits`](Self::limits), in their order (one that lowers the
///    limit on open files takes effect after the descriptors, step 7);
/// 6. the identity: the bounding set of the
///    [`capabilities`](Self::capabilities), [`groups`](Self::groups),
///    [`gid`](Self::gid), [`uid`](Self::uid), the other capability sets,
///    then [`no_new_privs`](Self::no_new_privs); the parent-death signal
///    is asked for again after them (the kernel clears it when IDs change);
/// 7. [`fds`](Self::fds), then [`close_other_fds`](Self::close_other_fds);
/// 8. the signals: every handler to its default and the mask empty, as
///    `std::process::Command` leaves them (`SIGPIPE` included), unless
///    [`keep_signals`](Self::keep_signals);
/// 9. the [`seccomp`](Self::seccomp) filter, last.
///
/// # Examples
///
/// The child's UTS names, umask and working directory, in new user and
/// UTS namespaces (root inside, the caller outside); the program, a shell,
/// exits with 0 if it has them:
///
/// ```
/// use nsclone::{CStrArray, CloneFlags, ExitStatus, Setup, Spawn, EXEC_STACK};
///
/// let setup = Setup::new()
///     .hostname(b"box")
///     .domainname(b"example.org")
///     .umask(0o027)
///     .current_dir(c"/usr");
/// let test = c"[ $(uname -n) = box ] && [ $(cat /proc/sys/kernel/domainname) = example.org ] \
///     && [ $(umask) = 0027 ] && [ $(pwd -P) = /usr ]";
/// let (mut argv_buf, mut envp_buf) = ([core::ptr::null(); 4], [core::ptr::null(); 2]);
/// let argv = CStrArray::new(&[c"sh", c"-c", test], &mut argv_buf)?;
/// let envp = CStrArray::new(&[c"PATH=/usr/bin:/bin"], &mut envp_buf)?;
/// let mut stack = [0u8; EXEC_STACK];
/// let flags = CloneFlags::NEWUSER | CloneFlags::NEWUTS;
/// let request = Spawn::new(flags).map_root_user().setup(&setup);
/// let mut child = request.exec(&mut stack, c"sh", argv, envp)?;
/// assert_eq!(child.wait()?, ExitStatus::Exited(0));
/// assert_ne!(nsclone::sys::uname().nodename(), b"box"); // the caller's is its own
/// # Ok::<(), nsclone::Error>(())
/// ```
///
/// Who the program runs as, in a user namespace whose IDs 0 to 65535 are
/// 100000 to 165535 outside (maps only a privileged parent may write):
/// user and group 1000 with group 100 besides, keeping only
/// `CAP_NET_BIND_SERVICE` (the program may listen on port 80 of the
/// network namespace the user namespace owns), with no way to gain more
/// through a set-user-ID program:
///
/// ```no_run
/// use linux_raw_sys::general::CAP_NET_BIND_SERVICE;
/// use nsclone::{
///     CStrArray, Capabilities, CloneFlags, ExitStatus, IdMap, SetGroups, Setup, Spawn, EXEC_STACK,
/// };
///
/// let ids = [IdMap { inside: 0, outside: 100_000, count: 65_536 }];
/// let setup = Setup::new()
///     .groups(&[100])
///     .gid(1000)
///     .uid(1000)
///     .capabilities(Capabilities::only(1 << CAP_NET_BIND_SERVICE))
///     .no_new_privs();
/// // The IDs, the ambient set (bit 10 is 0x400) and the flag.
/// let test = c"[ \"$(id -u) $(id -G)\" = '1000 1000 100' ] \
///     && grep -q '^CapAmb:.*400$' /proc/self/status && grep -q '^NoNewPrivs:.*1$' /proc/self/status";
/// let (mut argv_buf, mut envp_buf) = ([core::ptr::null(); 4], [core::ptr::null(); 2]);
/// let argv = CStrArray::new(&[c"sh", c"-c", test], &mut argv_buf)?;
/// let envp = CStrArray::new(&[c"PATH=/usr/bin:/bin"], &mut envp_buf)?;
/// let mut stack = [0u8; EXEC_STACK];
/// let request = Spawn::new(CloneFlags::NEWUSER | CloneFlags::NEWNET)
///     .id_maps(&ids, &ids, SetGroups::Allow)
///     .setup(&setup);
/// let mut child = request.exec(&mut stack, c"sh", argv, envp)?;
/// assert_eq!(child.wait()?, ExitStatus::Exited(0));
/// # Ok::<(), nsclone::Error>(())
/// ```
///
/// A shell on a new pseudo-terminal, as a terminal emulator starts one: a
/// session of its own whose controlling terminal is the terminal side,
/// which is also its stdin, stdout and stderr. Only a process with a
/// controlling terminal can open `/dev/tty`:
///
/// ```
/// use nsclone::{CStrArray, CloneFlags, ExitStatus, Fd, Setup, Spawn, EXEC_STACK};
/// use std::ptr::{null, null_mut};
///
/// let (mut manager, mut terminal) = (-1, -1);
/// // SAFETY: openpty writes the two descriptors; no name, settings or size.
/// let opened = unsafe { libc::openpty(&mut manager, &mut terminal, null_mut(), null(), null()) };
/// assert_eq!(opened, 0);
/// let stdio = [Fd::copy(terminal, 0), Fd::copy(terminal, 1), Fd::copy(terminal, 2)];
/// let on_terminal = Setup::new().controlling_terminal(terminal).fds(&stdio);
/// // A new session alone has no controlling terminal.
/// let detached = Setup::new().new_session().fds(&stdio);
/// let (mut argv_buf, mut envp_buf) = ([core::ptr::null(); 4], [core::ptr::null(); 2]);
/// let argv = CStrArray::new(&[c"sh", c"-c", c": </dev/tty"], &mut argv_buf)?;
/// let envp = CStrArray::new(&[c"PATH=/usr/bin:/bin"], &mut envp_buf)?;
/// let mut stack = [0u8; EXEC_STACK];
/// let request = Spawn::new(CloneFlags::empty());
/// let mut child = request.setup(&on_terminal).exec(&mut stack, c"sh", argv, envp)?;
/// assert_eq!(child.wait()?, ExitStatus::Exited(0));
/// let mut child = request.setup(&detached).exec(&mut stack, c"sh", argv, envp)?;
/// assert_ne!(child.wait()?, ExitStatus::Exited(0));
/// // SAFETY: both descriptors are ours, closed once.
/// unsafe {
///     libc::close(manager);
///     libc::close(terminal);
/// }
/// # Ok::<(), nsclone::Error>(())
/// ```
///
/// A job-control shell keeps its jobs in its own session instead: each in
/// a process group of its own, in the foreground of the shell's terminal
/// (its stdin) until the shell takes the terminal back:
///
/// ```no_run
/// # use nsclone::{CStrArray, CloneFlags, Setup, Spawn, EXEC_STACK};
/// # let (mut argv_buf, mut envp_buf) = ([core::ptr::null(); 3], [core::ptr::null(); 2]);
/// # let argv = CStrArray::new(&[c"vi", c"notes.txt"], &mut argv_buf)?;
/// # let envp = CStrArray::new(&[c"PATH=/usr/bin:/bin"], &mut envp_buf)?;
/// # let mut stack = [0u8; EXEC_STACK];
/// // SAFETY: installs no handler. With SIGTTOU ignored, as job-control
/// // shells have it, the shell may take the terminal back from the background.
/// unsafe { libc::signal(libc::SIGTTOU, libc::SIG_IGN) };
/// let job = Setup::new().foreground(0);
/// let mut child = Spawn::new(CloneFlags::empty()).setup(&job).exec(&mut stack, c"vi", argv, envp)?;
/// child.wait()?;
/// // SAFETY: plain calls on the shell's own terminal.
/// unsafe { libc::tcsetpgrp(0, libc::getpgrp()) };
/// # Ok::<(), nsclone::Error>(())
/// ```
///
/// A seccomp filter under which sethostname(2) fails with `EPERM`, every
/// other call allowed, installed without privilege thanks to
/// [`no_new_privs`](Self::no_new_privs). (It is for the running
/// architecture only: a real filter checks `seccomp_data.arch` first, as
/// `examples/container.rs` does.) Root of a new UTS namespace could set
/// the hostname otherwise:
///
/// ```
/// use linux_raw_sys::{errno::EPERM, general::__NR_sethostname};
/// use nsclone::{CStrArray, CloneFlags, ExitStatus, Setup, SockFilter, Spawn, EXEC_STACK};
///
/// const LD_NR: u16 = 0x20; // BPF_LD | BPF_W | BPF_ABS: seccomp_data.nr, at 0
/// const JEQ: u16 = 0x15; // BPF_JMP | BPF_JEQ | BPF_K
/// const RET: u16 = 0x06; // BPF_RET | BPF_K
/// const RET_ERRNO: u32 = 0x0005_0000;
/// const RET_ALLOW: u32 = 0x7fff_0000;
/// let filter = [
///     SockFilter { code: LD_NR, jt: 0, jf: 0, k: 0 },
///     SockFilter { code: JEQ, jt: 0, jf: 1, k: __NR_sethostname },
///     SockFilter { code: RET, jt: 0, jf: 0, k: RET_ERRNO | EPERM },
///     SockFilter { code: RET, jt: 0, jf: 0, k: RET_ALLOW },
/// ];
/// let setup = Setup::new().no_new_privs().seccomp(&filter);
/// let (mut argv_buf, mut envp_buf) = ([core::ptr::null(); 3], [core::ptr::null(); 2]);
/// let argv = CStrArray::new(&[c"hostname", c"inside"], &mut argv_buf)?;
/// let envp = CStrArray::new(&[c"PATH=/usr/bin:/bin"], &mut envp_buf)?;
/// let mut stack = [0u8; EXEC_STACK];
/// let flags = CloneFlags::NEWUSER | CloneFlags::NEWUTS;
/// let request = Spawn::new(flags).map_root_user().setup(&setup);
/// let mut child = request.exec(&mut stack, c"hostname", argv, envp)?;
/// // "hostname: you must be root to change the host name"
/// assert_eq!(child.wait()?, ExitStatus::Exited(1));
/// # Ok::<(), nsclone::Error>(())
/// ```
///
/// [`Spawn::exec`]: crate::Spawn::exec
/// [`Spawn::spawn`]: crate::Spawn::spawn
/// [`Spawn::setup`]: crate::Spawn::setup
#[derive(Copy, Clone, Debug)]
pub struct Setup<'a> {
    parent_death_signal: Option<Signal>,
    new_session: bool,
    terminal: Option<Terminal>,
    hostname: Option<&'a [u8]>,
    domainname: Option<&'a [u8]>,
    umask: Option<u32>,
    mounts: &'a [Mount<'a>],
    root: Option<Root<'a>>,
    current_dir: Option<&'a CStr>,
    limits: &'a [Limit],
    groups: Option<&'a [u32]>,
    gid: Option<u32>,
    uid: Option<u32>,
    capabilities: Option<capabilities::Kept>,
    no_new_privs: bool,
    fds: &'a [Fd<'a>],
    keep_fds: Option<&'a [c_int]>,
    fds_code: Option<&'static fds::Code>,
    keep_signals: bool,
    seccomp: Option<&'a [SockFilter]>,
    seccomp_listener: bool,
}

impl Default for Setup<'_> {
    fn default() -> Self {
        Setup::new()
    }
}

impl<'a> Setup<'a> {
    /// No step but the signals' reset; [example](Setup#examples).
    pub const fn new() -> Setup<'a> {
        Setup {
            parent_death_signal: None,
            new_session: false,
            terminal: None,
            hostname: None,
            domainname: None,
            umask: None,
            mounts: &[],
            root: None,
            current_dir: None,
            limits: &[],
            groups: None,
            gid: None,
            uid: None,
            capabilities: None,
            no_new_privs: false,
            fds: &[],
            keep_fds: None,
            fds_code: None,
            keep_signals: false,
            seccomp: None,
            seccomp_listener: false,
        }
    }

    /// `signal` reaches the child when the thread that created it exits
    /// (`PR_SET_PDEATHSIG`; the kernel ties it to the thread, not the
    /// process). Set before the child waits for its parent's go-ahead, so
    /// a parent that died first is seen: the child then exits without
    /// running anything, where `getppid()` (0 in a new PID namespace)
    /// could not tell. The kernel clears it when the child's effective IDs
    /// change, so the child asks again after [`gid`](Self::gid) and
    /// [`uid`](Self::uid); it clears it also when the program is
    /// set-user-ID or set-group-ID or has file capabilities. Refused with
    /// `CLONE_PARENT` ([`Refusal::ParentDeathSignalWithCloneParent`]),
    /// whose child's parent is the caller's parent.
    ///
    /// # Examples
    ///
    /// A thread starts `sleep` and ends; `sleep` is killed with it:
    ///
    /// ```
    /// use nsclone::{CStrArray, CloneFlags, ExitStatus, Setup, Signal, Spawn, EXEC_STACK};
    ///
    /// let setup = Setup::new().parent_death_signal(Signal::KILL);
    /// let mut child = std::thread::spawn(move || {
    ///     let mut argv_buf = [core::ptr::null(); 3];
    ///     let argv = CStrArray::new(&[c"sleep", c"60"], &mut argv_buf)?;
    ///     let mut stack = [0u8; EXEC_STACK];
    ///     let envp = CStrArray::empty();
    ///     Spawn::new(CloneFlags::empty()).setup(&setup).exec(&mut stack, c"/bin/sleep", argv, envp)
    /// })
    /// .join()
    /// .expect("the thread ended")?;
    /// assert_eq!(child.wait()?, ExitStatus::Signaled(Signal::KILL.raw()));
    /// # Ok::<(), nsclone::Error>(())
    /// ```
    pub const fn parent_death_signal(mut self, signal: Signal) -> Setup<'a> {
        self.parent_death_signal = Some(signal);
        self
    }

    /// A new session and process group, led by the child (setsid(2)):
    /// no controlling terminal; [example](Setup#examples).
    pub const fn new_session(mut self) -> Setup<'a> {
        self.new_session = true;
        self
    }

    /// A new session (as [`new_session`](Self::new_session)) whose
    /// controlling terminal is the terminal `fd` refers to (`TIOCSCTTY`),
    /// with the child's process group in the foreground; `fd` is the
    /// descriptor the child inherited (give it as stdin too with
    /// [`fds`](Self::fds), which come later). Replaces a
    /// [`foreground`](Self::foreground); [example](Setup#examples).
    pub const fn controlling_terminal(mut self, fd: c_int) -> Setup<'a> {
        self.new_session = true;
        self.terminal = Some(Terminal {
            fd,
            step: Step::Terminal,
            take: process::set_controlling_terminal,
        });
        self
    }

    /// In the caller's session, a new process group for the child, made
    /// the foreground one of the terminal `fd` refers to, as a shell
    /// starts a job. Replaces a
    /// [`controlling_terminal`](Self::controlling_terminal);
    /// [example](Setup#examples).
    pub const fn foreground(mut self, fd: c_int) -> Setup<'a> {
        self.terminal = Some(Terminal {
            fd,
            step: Step::Foreground,
            take: process::take_foreground,
        });
        self
    }

    /// The hostname of the child's UTS namespace (give it `CLONE_NEWUTS`,
    /// or it is the caller's). At most 64 bytes; [example](Setup#examples).
    pub const fn hostname(mut self, name: &'a [u8]) -> Setup<'a> {
        self.hostname = Some(name);
        self
    }

    /// The NIS domain name of the child's UTS namespace. At most 64 bytes;
    /// [example](Setup#examples).
    pub const fn domainname(mut self, name: &'a [u8]) -> Setup<'a> {
        self.domainname = Some(name);
        self
    }

    /// Mounts and the mount points they need, in this order (give the
    /// child `CLONE_NEWNS`, or they are the caller's
    /// too). Start with [`Mount::private`] of `/` so that none reaches the
    /// caller's namespace through shared propagation;
    /// [example](Mount#examples).
    pub const fn mounts(mut self, mounts: &'a [Mount<'a>]) -> Setup<'a> {
        self.mounts = mounts;
        self
    }

    /// After the mounts, makes `new_root` (a mount point, such as a
    /// `tmpfs` or a bind of itself, whose parent mount is not shared) the
    /// root with pivot_root(2), detaches the old root so that nothing of
    /// it stays reachable, and changes to the new `/`. Replaces a
    /// [`chroot`](Self::chroot). The kernel refuses it (`EINVAL`) while
    /// the root is the initial ramfs (`rootfs`, under an initramfs's
    /// `/init`), which chroot serves; [example](Mount#examples).
    pub const fn pivot_root(mut self, new_root: &'a CStr) -> Setup<'a> {
        self.root = Some(Root::pivot(new_root));
        self
    }

    /// After the mounts, makes `dir` the root directory (chroot(2)) and
    /// changes to it: the mounts outside stay reachable to a process with
    /// `CAP_SYS_CHROOT`, which [`pivot_root`](Self::pivot_root) avoids.
    /// Replaces a `pivot_root`; the [example](Mount#examples) of a new
    /// root says when to use it.
    pub const fn chroot(mut self, dir: &'a CStr) -> Setup<'a> {
        self.root = Some(Root::chroot(dir));
        self
    }

    /// The child's working directory, after the root moved;
    /// [example](Setup#examples).
    pub const fn current_dir(mut self, dir: &'a CStr) -> Setup<'a> {
        self.current_dir = Some(dir);
        self
    }

    /// The child's file mode creation mask; [example](Setup#examples).
    pub const fn umask(mut self, mask: u32) -> Setup<'a> {
        self.umask = Some(mask);
        self
    }

    /// Resource limits, set in this order; [example](Limit#examples).
    pub const fn limits(mut self, limits: &'a [Limit]) -> Setup<'a> {
        self.limits = limits;
        self
    }

    /// The supplementary groups (an empty list drops them all). Needs
    /// `CAP_SETGID`, and in a new user namespace `setgroups` allowed;
    /// [example](Setup#examples).
    pub const fn groups(mut self, groups: &'a [u32]) -> Setup<'a> {
        self.groups = Some(groups);
        self
    }

    /// The real, effective and saved group ID; [example](Setup#examples).
    pub const fn gid(mut self, gid: u32) -> Setup<'a> {
        self.gid = Some(gid);
        self
    }

    /// The real, effective and saved user ID, set after the groups;
    /// [example](Setup#examples).
    pub const fn uid(mut self, uid: u32) -> Setup<'a> {
        self.uid = Some(uid);
        self
    }

    /// The capabilities the child keeps ([`Capabilities`] says how a
    /// program gets them): its bounding set is dropped to
    /// `caps.bounding` before the IDs change, the other sets are set
    /// after (the permitted set kept across the uid change). Without it,
    /// the child keeps what it has, as the kernel's rules for the uid
    /// change and execve leave it; [example](Setup#examples).
    pub const fn capabilities(mut self, caps: Capabilities) -> Setup<'a> {
        self.capabilities = Some(capabilities::Kept::new(caps));
        self
    }

    /// `PR_SET_NO_NEW_PRIVS`: no exec from here on grants privileges
    /// (set-user-ID bits and file capabilities are ignored);
    /// [example](Setup#examples).
    pub const fn no_new_privs(mut self) -> Setup<'a> {
        self.no_new_privs = true;
        self
    }

    /// Descriptors the child gets, each [`Fd`] a target number and what
    /// it refers to. They are applied as if at once: every source is the
    /// descriptor as the child inherited it, so `0 → 1` with `1 → 0` swaps
    /// the two. A target is never close-on-exec. At most [`MAX_FDS`]
    /// entries, no target twice ([`Refusal::FdTargetTwice`]);
    /// [example](Fd#examples).
    pub const fn fds(mut self, fds: &'a [Fd<'a>]) -> Setup<'a> {
        self.fds = fds;
        self.fds_code = Some(&fds::CODE);
        self
    }

    /// After [`fds`](Self::fds), closes every descriptor but their targets
    /// and `keep` (close_range(2), or the list in `/proc/self/fd` on
    /// kernels before 5.9). Without it the child keeps what it inherited
    /// that is not close-on-exec, as after fork. At most [`MAX_FDS`]. A
    /// kept descriptor keeps its close-on-exec flag: give it as
    /// `Fd::copy(n, n)` to hand it to the program; [example](Fd#examples).
    pub const fn close_other_fds(mut self, keep: &'a [c_int]) -> Setup<'a> {
        self.keep_fds = Some(keep);
        self.fds_code = Some(&fds::CODE);
        self
    }

    /// Keeps the signal mask and the ignored signals as the child
    /// inherited them (what execve(2) itself keeps), instead of resetting
    /// them. Caught signals are reset to their default either way: their
    /// handlers are the parent's code.
    ///
    /// ```
    /// use nsclone::{CStrArray, CloneFlags, ExitStatus, Setup, Spawn, EXEC_STACK};
    ///
    /// // SAFETY: installs no handler: SIGHUP ignored, as nohup(1) leaves it.
    /// unsafe { libc::signal(libc::SIGHUP, libc::SIG_IGN) };
    /// // SIGHUP (1) is the lowest bit of the ignored set.
    /// let ignored = c"^SigIgn:.*[13579bdf]$";
    /// let (mut argv_buf, mut envp_buf) = ([core::ptr::null(); 5], [core::ptr::null(); 2]);
    /// let argv = CStrArray::new(&[c"grep", c"-q", ignored, c"/proc/self/status"], &mut argv_buf)?;
    /// let envp = CStrArray::new(&[c"PATH=/usr/bin:/bin"], &mut envp_buf)?;
    /// let mut stack = [0u8; EXEC_STACK];
    /// let kept = Setup::new().keep_signals();
    /// let request = Spawn::new(CloneFlags::empty());
    /// let mut child = request.setup(&kept).exec(&mut stack, c"grep", argv, envp)?;
    /// assert_eq!(child.wait()?, ExitStatus::Exited(0));
    /// // Without it, the program starts with every signal at its default.
    /// let mut child = request.exec(&mut stack, c"grep", argv, envp)?;
    /// assert_eq!(child.wait()?, ExitStatus::Exited(1));
    /// # Ok::<(), nsclone::Error>(())
    /// ```
    pub const fn keep_signals(mut self) -> Setup<'a> {
        self.keep_signals = true;
        self
    }

    /// Installs `filter` (classic BPF, 1 to 4096 instructions) as the
    /// child's seccomp filter, the last step: everything after it, execve
    /// included (and for a closure's child, the write of its report), must
    /// be allowed by it. Without [`no_new_privs`](Self::no_new_privs) the
    /// child needs `CAP_SYS_ADMIN` (`EACCES` otherwise);
    /// [example](Setup#examples).
    pub const fn seccomp(mut self, filter: &'a [SockFilter]) -> Setup<'a> {
        self.seccomp = Some(filter);
        self
    }

    /// Installs the [`seccomp`](Self::seccomp) filter with a
    /// user-notification descriptor (`SECCOMP_FILTER_FLAG_NEW_LISTENER`,
    /// Linux 5.0), which the caller fetches while the child holds
    /// ([`Held::seccomp_listener`](crate::Held::seccomp_listener) in
    /// [`Spawn::exec_held`](crate::Spawn::exec_held)); it is close-on-exec,
    /// so the program never has it; [example](crate::Held#examples).
    pub const fn seccomp_listener(mut self) -> Setup<'a> {
        self.seccomp_listener = true;
        self
    }

    /// Whether the steps change the child's effective IDs, after which the
    /// kernel marks its memory undumpable (`commit_creds`; capabilities
    /// only ever dropped, as capset(2) allows, leave it dumpable).
    pub(crate) const fn changes_ids(&self) -> bool {
        self.uid.is_some() || self.gid.is_some()
    }

    /// The signal [`parent_death_signal`](Self::parent_death_signal) asked
    /// for, or 0.
    pub(crate) const fn death_signal(&self) -> c_int {
        match self.parent_death_signal {
            Some(signal) => signal.raw(),
            None => 0,
        }
    }

    /// The code that acts on a setup, as a request holds it.
    const CODE: SetupCode = SetupCode {
        run: |setup, context| setup.run(context),
        error: |setup, failure| setup.error(failure),
        refusal: |setup, flags, has_maps| setup.refusal(flags, has_maps),
        send_idmapped: |setup, pid, socket| {
            mounts::send_made_by_parent(setup.mounts, pid, socket)
                .map_err(|failure| setup.error(failure))
        },
    };

    /// Why this setup is refused for a child created with `flags`, if it
    /// is. It guards what the setup means (a child given part of it would
    /// run half set up), not a flag's safety, so the unchecked spawn
    /// applies it too.
    pub(crate) fn refusal(&self, flags: CloneFlags, has_maps: bool) -> Option<Refusal> {
        let death_signal = self.parent_death_signal.is_some();
        let idmapped = mounts::made_by_parent(self.mounts);
        if idmapped > MAX_PASSED {
            Some(Refusal::TooManyIdmappedMounts)
        } else if idmapped > 0 && !has_maps {
            Some(Refusal::IdmappedMountNeedsIdMaps)
        } else if death_signal && flags.contains(CloneFlags::PARENT) {
            // The kernel would tie it to the caller's parent.
            Some(Refusal::ParentDeathSignalWithCloneParent)
        } else if death_signal && flags.contains(CloneFlags::VFORK) {
            // The child waits for the parent's go-ahead, the parent for it.
            Some(Refusal::ParentDeathSignalWithVfork)
        } else if self
            .seccomp
            .is_some_and(|filter| filter.is_empty() || filter.len() > MAX_FILTER)
        {
            Some(Refusal::SeccompFilterLength)
        } else {
            let code = self.fds_code?;
            (code.refusal)(self.fds, self.keep_fds)
        }
    }

    /// In the child: runs the steps after the parent's go-ahead, in the
    /// order [`Setup`] documents. The signals come last: until then the
    /// caller's mask holds (an exec blocks all signals).
    pub(crate) fn run(&self, context: &mut ChildContext) -> core::result::Result<(), Failure> {
        if self.new_session {
            Failure::of(Step::Session, 0, process::setsid())?;
        }
        if let Some(terminal) = self.terminal {
            Failure::of(terminal.step, 0, (terminal.take)(terminal.fd))?;
        }
        if let Some(name) = self.hostname {
            Failure::of(Step::Hostname, 0, syscall::sethostname(name))?;
        }
        if let Some(name) = self.domainname {
            Failure::of(Step::Domainname, 0, process::setdomainname(name))?;
        }
        if let Some(mask) = self.umask {
            process::umask(mask);
        }
        mounts::apply(self.mounts, context.own_fd)?;
        if let Some(root) = self.root {
            root.enter()?;
        }
        if let Some(dir) = self.current_dir {
            Failure::of(Step::Chdir, 0, syscall::chdir(dir))?;
        }
        for (index, limit) in self.limits.iter().enumerate() {
            Failure::of(Step::Limit, index, limit.set_early())?;
        }
        self.change_identity()?;
        if self.parent_death_signal.is_some() {
            self.ask_again_for_the_parent_death_signal(context);
        }
        if let Some(code) = self.fds_code {
            (code.apply)(self.fds, self.keep_fds, context)?;
        }
        for (index, limit) in self.limits.iter().enumerate() {
            Failure::of(Step::Limit, index, limit.set_late())?;
        }
        if self.keep_signals {
            reset_caught_handlers();
            if let Some(mask) = context.mask {
                set_mask(mask);
            }
        } else {
            reset_handlers();
            set_mask(0);
        }
        if let Some(filter) = self.seccomp {
            let flags = if self.seccomp_listener {
                SECCOMP_FILTER_FLAG_NEW_LISTENER
            } else {
                0
            };
            let installed = Failure::of(Step::Seccomp, 0, install_filter(filter, flags))?;
            if self.seccomp_listener {
                context.listener = installed;
            }
        }
        Ok(())
    }

    /// The kernel clears the parent-death signal when the effective IDs
    /// change (`commit_creds`): asks for it again after the identity steps,
    /// then ends the child if the parent went in between. While the child
    /// runs its steps, the parent holds the read end of the pipe whose
    /// write end is `own_fd` (it reads the report, or waits for the exec).
    fn ask_again_for_the_parent_death_signal(&self, context: &ChildContext) {
        // A `Signal` is one prctl takes: it cannot refuse it.
        let _ = process::set_parent_death_signal(self.death_signal());
        if context.own_fd >= 0 && !has_reader(context.own_fd) {
            syscall::exit_group(PARENT_GONE);
        }
    }

    fn change_identity(&self) -> core::result::Result<(), Failure> {
        if let Some(caps) = self.capabilities {
            caps.before_ids()?;
        }
        if let Some(groups) = self.groups {
            Failure::of(Step::Groups, 0, process::setgroups(groups))?;
        }
        if let Some(gid) = self.gid {
            Failure::of(Step::Gid, 0, process::set_gid(gid))?;
        }
        if let Some(uid) = self.uid {
            Failure::of(Step::Uid, 0, process::set_uid(uid))?;
        }
        if let Some(caps) = self.capabilities {
            caps.after_ids()?;
        }
        if self.no_new_privs {
            Failure::of(Step::NoNewPrivs, 0, process::set_no_new_privs())?;
        }
        Ok(())
    }

    /// In the parent: the error for the child's `failure`, naming the
    /// step's argument from this setup.
    pub(crate) fn error(&self, failure: Failure) -> StepError {
        let mut digits = [0; 20];
        let path = |p: &CStr| StepArgument::new(&[b"\"", p.to_bytes(), b"\""]);
        let name = |n: &[u8]| StepArgument::new(&[b"\"", n, b"\""]);
        let argument = match failure.step {
            Step::Hostname => self.hostname.map_or(StepArgument::NONE, name),
            Step::Domainname => self.domainname.map_or(StepArgument::NONE, name),
            Step::Chdir => self.current_dir.map_or(StepArgument::NONE, path),
            Step::Mount | Step::MakeDir | Step::MakeFile | Step::Symlink => {
                mounts::argument(self.mounts, failure.index)
            }
            Step::PivotRoot | Step::Chroot => {
                self.root.map_or(StepArgument::NONE, |root| path(root.dir))
            }
            Step::Limit => self
                .limits
                .get(failure.index)
                .map_or(StepArgument::NONE, |limit| {
                    StepArgument::new(&[limit.resource.name().as_bytes()])
                }),
            Step::Gid | Step::Uid => {
                let id = if failure.step == Step::Gid {
                    self.gid
                } else {
                    self.uid
                };
                StepArgument::new(&[decimal(u64::from(id.unwrap_or(0)), &mut digits)])
            }
            Step::FdCopy | Step::FdOpen => self.fds_code.map_or(StepArgument::NONE, |code| {
                (code.argument)(self.fds, failure.index)
            }),
            Step::Terminal | Step::Foreground => self.terminal.map_or(StepArgument::NONE, |t| {
                StepArgument::new(&[decimal(t.fd as u64, &mut digits)])
            }),
            Step::Bounding | Step::Ambient => {
                StepArgument::new(&[decimal(failure.index as u64, &mut digits)])
            }
            _ => StepArgument::NONE,
        };
        failure
            .step
            .failed(failure.errno)
            .at(failure.index, argument)
    }
}

/// The terminal a child takes ([`Setup::controlling_terminal`],
/// [`Setup::foreground`]), by the descriptor it inherited, and the code
/// that takes it (a program links only the one it asks for).
#[derive(Copy, Clone, Debug)]
struct Terminal {
    fd: c_int,
    step: Step,
    take: fn(c_int) -> crate::sys::errno::Result<()>,
}

/// A setup as a request holds it: the data, and the code that runs it and
/// names its failures, taken by [`Spawn::setup`](crate::Spawn::setup), so
/// that a program that gives no setup links none of the steps.
#[derive(Copy, Clone)]
pub(crate) struct SetupRef<'a> {
    pub(crate) setup: &'a Setup<'a>,
    pub(crate) code: &'static SetupCode,
}

/// What acts on a [`Setup`], through pointers.
pub(crate) struct SetupCode {
    /// In the child: runs the steps.
    pub(crate) run: fn(&Setup<'_>, &mut ChildContext) -> core::result::Result<(), Failure>,
    /// In the parent: the error for a failed step.
    pub(crate) error: fn(&Setup<'_>, Failure) -> StepError,
    /// Before any syscall: why the setup is refused for a child created
    /// with these flags, and ID maps or not, if it is.
    pub(crate) refusal: fn(&Setup<'_>, CloneFlags, bool) -> Option<Refusal>,
    /// In the parent, once the child's maps are written: makes its idmapped
    /// mounts and sends them on the socket.
    pub(crate) send_idmapped:
        fn(&Setup<'_>, pid_t, BorrowedFd<'_>) -> core::result::Result<(), StepError>,
}

impl<'a> SetupRef<'a> {
    pub(crate) const fn new(setup: &'a Setup<'a>) -> SetupRef<'a> {
        SetupRef {
            setup,
            code: &Setup::CODE,
        }
    }

    pub(crate) fn refusal(&self, flags: CloneFlags, has_maps: bool) -> Option<Refusal> {
        (self.code.refusal)(self.setup, flags, has_maps)
    }

    pub(crate) fn send_idmapped(
        &self,
        pid: pid_t,
        socket: BorrowedFd<'_>,
    ) -> core::result::Result<(), StepError> {
        (self.code.send_idmapped)(self.setup, pid, socket)
    }

    pub(crate) fn error(&self, failure: Failure) -> StepError {
        (self.code.error)(self.setup, failure)
    }

    pub(crate) fn death_signal(&self) -> c_int {
        self.setup.death_signal()
    }
}

impl core::fmt::Debug for SetupRef<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        self.setup.fmt(f)
    }
}
