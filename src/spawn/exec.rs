//! Starting a program in new namespaces, vfork-style: the child shares the
//! parent's memory (`CLONE_VM`, with `CLONE_VFORK` unless the parent acts
//! while it waits), so the cost does not grow with the parent's size, and
//! runs only this crate's raw syscalls (its setup) until execve.

use crate::error::refusal::Refusal;
use crate::error::{Error, Step, StepArgument};
use crate::flags::CloneFlags;
use crate::pid_t;
use crate::setup::report::{ChildContext, Failure, SharedRecord};
use crate::setup::Setup;
use crate::spawn::child::{Child, Process};
use crate::spawn::handshake::{self, Channel};
use crate::spawn::program::{execvpe, CStrArray};
use crate::spawn::{SetupInExec, Spawn};
use crate::sys::fd::{AsFd, OwnedFd};
use crate::sys::signals::{set_mask, SigSet, ALL_SIGNALS};
use crate::sys::syscall;
use core::ffi::{c_int, CStr};

/// The stack `Spawn::exec` asks for: its child's frames (the setup's steps
/// and execve) need a fraction of it, even unoptimized.
pub const EXEC_STACK: usize = 16 * 1024;

/// The exit status of a vfork child whose execve failed (the parent reaps it
/// and returns the error instead).
const EXEC_FAILED: c_int = 127;

impl Spawn<'_> {
    /// Starts the program `path` (a bare name is searched in `envp`'s
    /// `PATH`: [`execvpe`]) with `argv` and `envp` in a child created
    /// with this request plus `CLONE_VM` (and `CLONE_VFORK` unless the
    /// parent acts while the child waits: ID maps, a parent-death signal):
    /// the child shares the parent's memory until execve, so starting it
    /// costs the same whatever the parent's size. Returns once the program
    /// runs. A setup that changes the child's user or group ID gets a
    /// child with memory of its own instead (a copy, as fork makes, at
    /// fork's cost): the kernel marks the memory of a process whose
    /// effective IDs change undumpable, which would be the caller's;
    /// [example](Spawn#examples).
    ///
    /// Safe from any parent, threads included: the child runs only this
    /// crate's code, raw syscalls a few frames deep on `stack` (no lock, no
    /// allocation, nothing of the C library's). As posix_spawn does, every
    /// signal is blocked across the clone. The child runs the
    /// [`setup`](Self::setup)'s steps, or with none the default [`Setup`](crate::Setup):
    /// every signal handler back to its default and an empty mask, as
    /// `std::process::Command` leaves them. It ends with `exit_group` if a
    /// step or execve fails.
    ///
    /// ID maps are written while the child waits, as for
    /// [`spawn`](Self::spawn); time offsets cannot be set (the child would
    /// need memory of its own): [`check_exec`](Self::check_exec) names the
    /// refusal.
    ///
    /// With `CLONE_NEWPID` the program is PID 1 of its namespace, which no
    /// signal it has no handler for ends (`SIGKILL` and `SIGSTOP` from
    /// outside aside): killing the caller leaves it running, unless the
    /// setup gives it a [`parent_death_signal`](crate::Setup::parent_death_signal),
    /// as `examples/sandbox.rs` does (`nsrun` runs an init there instead).
    ///
    /// # Errors
    ///
    /// [`Error::Invalid`] or [`Error::Refused`] as
    /// [`check_exec`](Self::check_exec) names them, or
    /// [`Refusal::StackTooSmall`] for a stack below [`EXEC_STACK`] bytes
    /// (no guard below it is needed);
    /// [`Error::Kernel`] as for [`Spawn::spawn`], and `EINVAL` before
    /// Linux 6.2 from a caller whose `time_for_children` is not its own
    /// time namespace (after `unshare(CLONE_NEWTIME)`: the kernel refused
    /// a `CLONE_VM` child there; from 6.2 the program starts in that
    /// namespace); [`Error::Step`] with the
    /// step that failed, or [`Step::Exec`] naming `path` with [`execvpe`]'s
    /// errno (`execve("prog"): ENOENT: ...`, `EACCES`, `ENOEXEC`, ...) when
    /// the program could not be started
    /// (the child is reaped, unless `CLONE_PARENT` made it the caller's
    /// parent's child).
    pub fn exec(
        &self,
        stack: &mut [u8],
        path: &CStr,
        argv: CStrArray<'_>,
        envp: CStrArray<'_>,
    ) -> Result<Child, Error> {
        self.exec_with(
            stack,
            path,
            argv,
            envp,
            None::<fn(&Held<'_>) -> Result<(), Error>>,
        )
    }

    /// [`exec`](Self::exec) with a hold point: after its setup (the seccomp
    /// filter included), the child waits, and `hold` runs in the caller
    /// with the [`Held`] child: its pid, its seccomp listener. When `hold`
    /// returns `Ok`, the child execs; on an error the child is killed and
    /// reaped and the error returned. The work that needs the child's pid
    /// while it is not yet running its program goes there: a network
    /// attached with `pasta` or `slirp4netns`, a cgroup, a listener fetched
    /// (bubblewrap's `--block-fd`, youki's channel). `hold` runs with the
    /// caller's signal mask; should it panic, the child is killed and
    /// reaped before the panic goes on; [example](Held#examples).
    ///
    /// # Errors
    ///
    /// As for [`exec`](Self::exec), and `hold`'s.
    pub fn exec_held(
        &self,
        stack: &mut [u8],
        path: &CStr,
        argv: CStrArray<'_>,
        envp: CStrArray<'_>,
        hold: impl FnOnce(&Held<'_>) -> Result<(), Error>,
    ) -> Result<Child, Error> {
        self.exec_with(stack, path, argv, envp, Some(hold))
    }

    fn exec_with<H: FnOnce(&Held<'_>) -> Result<(), Error>>(
        &self,
        stack: &mut [u8],
        path: &CStr,
        argv: CStrArray<'_>,
        envp: CStrArray<'_>,
        hold: Option<H>,
    ) -> Result<Child, Error> {
        self.check_exec()?;
        if stack.len() < EXEC_STACK {
            return Err(Refusal::StackTooSmall.into());
        }
        let holds = hold.is_some();
        let mut request = self.with_flags(self.exec_flags());
        if holds {
            // The child waits for the parent, which must not wait for it
            // (the caller's own CLONE_VFORK too).
            request.flags -= CloneFlags::VFORK;
        }
        let setup = self.setup.map_or(Setup::new(), |setup| *setup.setup);
        let record = SharedRecord::new();
        // The record is read only by a parent that shares the child's
        // memory and waits in CLONE_VFORK; any other learns that the child
        // left its memory when the child's end of this channel closes, and
        // a failed step on it (a child of its own memory with the caller's
        // CLONE_VFORK included).
        let channel = if request.flags.contains(CloneFlags::VM | CloneFlags::VFORK) {
            None
        } else {
            Some(Channel::new()?)
        };
        let (own_fd, parent_fd) = channel.as_ref().map_or((-1, -1), Channel::child_fds);

        let old_mask = set_mask(ALL_SIGNALS);
        // The caller's mask back on every way out, an unwinding hold too.
        let restore = RestoreMask(old_mask);
        let run = || {
            // Our end is no descriptor of the caller's for the fd step.
            if parent_fd >= 0 {
                syscall::close(parent_fd);
            }
            let mut context = ChildContext::new(own_fd, Some(old_mask), true);
            let failure = match setup.run(&mut context) {
                Ok(()) if holds && !handshake::hold(context.own_fd, context.listener) => {
                    // The parent gave up on us: it returns its own error.
                    return EXEC_FAILED;
                }
                Ok(()) => Failure {
                    step: Step::Exec,
                    index: 0,
                    errno: execvpe(path, argv, envp),
                },
                Err(failure) => failure,
            };
            // A child with memory of its own says it on the channel; the
            // parent reads the record once the child has left its memory.
            match context.own_fd {
                -1 => record.record(failure),
                fd => handshake::tell_failure(fd, failure),
            }
            EXEC_FAILED
        };
        let prepare = SetupInExec {
            channel,
            hold,
            record: &record,
            caller_mask: old_mask,
        };
        // SAFETY: `check_exec` passed; the child runs only this crate's raw
        // syscalls, a few frames deep, well within EXEC_STACK, so it stays on
        // `stack` (no guard needed below it) and touches only `record`; the
        // parent returns only once the child has left its memory (vfork, or
        // the channel).
        let started = unsafe { request.place_and_start(stack, run, prepare) };
        drop(restore);
        let mut child = started?;
        match record.failure() {
            None => Ok(child),
            Some(failure) => {
                let _ = child.wait();
                let err = setup.error(failure);
                Err(match failure.step {
                    // The setup does not know the program: the parent names it.
                    Step::Exec => err.at(0, StepArgument::new(&[b"\"", path.to_bytes(), b"\""])),
                    _ => err,
                }
                .into())
            }
        }
    }
}

/// Sets the calling thread's signal mask to its own when dropped.
struct RestoreMask(SigSet);

impl Drop for RestoreMask {
    fn drop(&mut self) {
        set_mask(self.0);
    }
}

/// A child stopped at its hold point ([`Spawn::exec_held`]): its
/// namespaces exist and its setup is done; it has not exec'd.
///
/// # Examples
///
/// A program in new user and network namespaces, held after its setup
/// while the caller does what needs its PID and namespaces (where a tool
/// such as `pasta` would connect its network), and fetches the
/// user-notification descriptor of its seccomp filter:
///
/// ```
/// use nsclone::{
///     ns_id, CStrArray, CloneFlags, ExitStatus, Namespace, Setup, SockFilter, Spawn, EXEC_STACK,
/// };
///
/// // A filter that allows every call; a supervisor's would answer some
/// // with SECCOMP_RET_USER_NOTIF, for the listener to handle.
/// const RET: u16 = 0x06; // BPF_RET | BPF_K
/// const RET_ALLOW: u32 = 0x7fff_0000;
/// let allow_all = [SockFilter { code: RET, jt: 0, jf: 0, k: RET_ALLOW }];
/// let setup = Setup::new().no_new_privs().seccomp(&allow_all).seccomp_listener();
/// let (mut argv_buf, mut envp_buf) = ([core::ptr::null(); 2], [core::ptr::null(); 2]);
/// let argv = CStrArray::new(&[c"true"], &mut argv_buf)?;
/// let envp = CStrArray::new(&[c"PATH=/usr/bin:/bin"], &mut envp_buf)?;
/// let mut stack = [0u8; EXEC_STACK];
/// let flags = CloneFlags::NEWUSER | CloneFlags::NEWNET;
/// let request = Spawn::new(flags).map_root_user().setup(&setup);
/// let (mut pid, mut net, mut listener) = (0, 0, None);
/// let mut child = request.exec_held(&mut stack, c"true", argv, envp, |held| {
///     pid = held.pid();
///     net = ns_id(pid, Namespace::Net)?;
///     listener = held.seccomp_listener()?;
///     Ok(())
/// })?;
/// assert_eq!(child.wait()?, ExitStatus::Exited(0));
/// assert_eq!(pid, child.pid());
/// assert_ne!(net, ns_id(0, Namespace::Net)?); // its own, before `true` ran
/// assert!(listener.is_some());
/// # Ok::<(), nsclone::Error>(())
/// ```
pub struct Held<'a> {
    child: &'a Process,
    listener: c_int,
}

impl<'a> Held<'a> {
    pub(super) fn new(child: &'a Process, listener: c_int) -> Held<'a> {
        Held { child, listener }
    }

    /// The child's process ID; [example](Held#examples).
    pub fn pid(&self) -> pid_t {
        self.child.pid()
    }

    /// A copy of the user-notification descriptor of the child's seccomp
    /// filter ([`Setup::seccomp_listener`](crate::Setup::seccomp_listener)),
    /// fetched with pidfd_getfd(2) (Linux 5.6); `None` if it asked for none;
    /// [example](Held#examples).
    ///
    /// # Errors
    ///
    /// pidfd_open(2)'s and pidfd_getfd(2)'s: `EPERM` when the caller may
    /// not ptrace the child, `ENOSYS` before Linux 5.6.
    pub fn seccomp_listener(&self) -> Result<Option<OwnedFd>, Error> {
        if self.listener < 0 {
            return Ok(None);
        }
        let opened;
        let pidfd = match self.child.pidfd() {
            Some(pidfd) => pidfd,
            None => {
                opened = syscall::pidfd_open(self.child.pid())?;
                opened.as_fd()
            }
        };
        Ok(Some(syscall::pidfd_getfd(pidfd, self.listener)?))
    }
}
