//! The ways the benchmark starts `/bin/true` and waits for it, each
//! checking that it exited 0: in new UTS, PID and mount namespaces three
//! ways; in the caller's namespaces with and without a program's usual
//! steps, beside glibc's `posix_spawn` and std's `Command`; and in a
//! container's namespaces with and without a container's steps.

use core::ffi::c_char;
use core::ptr;
use nsclone::{
    execve, CStrArray, Capabilities, CloneFlags, ExitStatus, Fd, Limit, Mount, Resource, Setup,
    SockFilter, Spawn,
};

const FLAGS: CloneFlags = CloneFlags::NEWUTS
    .union(CloneFlags::NEWPID)
    .union(CloneFlags::NEWNS);

/// A container's namespaces, the network's aside (its slow teardown would
/// be most of what is measured).
const CONTAINER: CloneFlags = CloneFlags::NEWUSER
    .union(CloneFlags::NEWPID)
    .union(CloneFlags::NEWNS)
    .union(CloneFlags::NEWUTS)
    .union(CloneFlags::NEWIPC);

/// A program's usual steps: stdio given, the rest closed, a limit, no new
/// privileges, a working directory (and the signals' reset, always).
const PROGRAM_STEPS: Setup<'static> = Setup::new()
    .fds(&[Fd::copy(0, 0), Fd::copy(1, 1), Fd::copy(2, 2)])
    .close_other_fds(&[])
    .limits(&[Limit {
        resource: Resource::OpenFiles,
        soft: 1024,
        hard: 1024,
    }])
    .no_new_privs()
    .current_dir(c"/");

/// A container's steps, on a merged-`/usr` system: a tmpfs root with
/// `/usr` bound read-only and the top-level links, a new `/proc`,
/// pivot_root, a hostname, no capabilities, no new privileges, a seccomp
/// filter, stdio given and the rest closed.
const CONTAINER_STEPS: Setup<'static> = Setup::new()
    .hostname(b"bench")
    .mounts(&[
        Mount::private(c"/"),
        Mount::tmpfs(c"/tmp", Some(c"mode=0755")),
        Mount::dir(c"/tmp/usr", 0o755),
        Mount::bind_read_only(c"/usr", c"/tmp/usr"),
        Mount::symlink(c"usr/bin", c"/tmp/bin"),
        Mount::symlink(c"usr/lib", c"/tmp/lib"),
        Mount::symlink(c"usr/lib64", c"/tmp/lib64"),
        Mount::dir(c"/tmp/proc", 0o555),
        Mount::proc(c"/tmp/proc"),
    ])
    .pivot_root(c"/tmp")
    .capabilities(Capabilities::NONE)
    .no_new_privs()
    .fds(&[Fd::copy(0, 0), Fd::copy(1, 1), Fd::copy(2, 2)])
    .close_other_fds(&[])
    // One instruction: SECCOMP_RET_ALLOW.
    .seccomp(&[SockFilter {
        code: 0x06,
        jt: 0,
        jf: 0,
        k: 0x7fff_0000,
    }]);

#[derive(Copy, Clone, Debug)]
pub enum Way {
    /// nsclone's `Spawn::exec`: `CLONE_VM | CLONE_VFORK`, nothing copied.
    VforkExec,
    /// fork(2), unshare(2) in the child, execve(2): the parent's page tables
    /// are copied, then torn down by the exec. (The program is not in the
    /// new PID namespace, only its children would be: making it PID 1 takes
    /// a second fork, so this is the cheapest this way can be.)
    ForkUnshareExec,
    /// nsclone's fork-like `spawn` (no `CLONE_VM`) with execve in the closure.
    ForkLikeSpawn,
    /// `Spawn::exec` in the caller's namespaces, no setup.
    Exec,
    /// `Spawn::exec` in the caller's namespaces with [`PROGRAM_STEPS`].
    ExecWithSteps,
    /// glibc's posix_spawn(3) (`CLONE_VM | CLONE_VFORK` too), then waitpid.
    PosixSpawn,
    /// `std::process::Command::status`.
    Command,
    /// `Spawn::exec` in [`CONTAINER`]'s namespaces, no setup.
    ExecContainer,
    /// `Spawn::exec` in [`CONTAINER`]'s namespaces with [`CONTAINER_STEPS`].
    ExecContainerWithSteps,
}

impl Way {
    pub const ALL: [Way; 9] = [
        Way::VforkExec,
        Way::ForkUnshareExec,
        Way::ForkLikeSpawn,
        Way::Exec,
        Way::ExecWithSteps,
        Way::PosixSpawn,
        Way::Command,
        Way::ExecContainer,
        Way::ExecContainerWithSteps,
    ];

    /// The ways of the namespaces table, the program table and the
    /// container table.
    pub const NAMESPACED: [Way; 3] = [Way::VforkExec, Way::ForkUnshareExec, Way::ForkLikeSpawn];
    pub const PROGRAM: [Way; 4] = [Way::Exec, Way::ExecWithSteps, Way::PosixSpawn, Way::Command];
    pub const CONTAINED: [Way; 2] = [Way::ExecContainer, Way::ExecContainerWithSteps];

    pub fn name(self) -> &'static str {
        match self {
            Way::VforkExec => "`Spawn::exec` (vfork-style)",
            Way::ForkUnshareExec => "fork + unshare + exec",
            Way::ForkLikeSpawn => "`spawn` (fork-like) + execve",
            Way::Exec => "`Spawn::exec`, no steps",
            Way::ExecWithSteps => "`Spawn::exec`, a program's steps",
            Way::PosixSpawn => "glibc `posix_spawn`",
            Way::Command => "std `Command`",
            Way::ExecContainer => "`Spawn::exec`, container namespaces",
            Way::ExecContainerWithSteps => "`Spawn::exec`, container namespaces and steps",
        }
    }

    /// Starts `/bin/true` this way, on `stack` where the way needs one, and reaps it.
    pub fn run(self, stack: &mut [u8]) {
        let mut argv = [ptr::null::<c_char>(); 2];
        let argv = CStrArray::new(&[c"true"], &mut argv).expect("argv");
        let exec = |request: Spawn<'_>, path, stack: &mut [u8]| {
            request.exec(stack, path, argv, CStrArray::empty())
        };
        let plain = Spawn::new(CloneFlags::empty());
        let container = Spawn::new(CONTAINER).map_root_user();
        let started = match self {
            Way::VforkExec => exec(Spawn::new(FLAGS), c"/bin/true", stack),
            Way::Exec => exec(plain, c"/bin/true", stack),
            Way::ExecWithSteps => exec(plain.setup(&PROGRAM_STEPS), c"/bin/true", stack),
            Way::ExecContainer => exec(container, c"/usr/bin/true", stack),
            Way::ExecContainerWithSteps => {
                exec(container.setup(&CONTAINER_STEPS), c"/usr/bin/true", stack)
            }
            Way::PosixSpawn => {
                assert_eq!(posix_spawn(), ExitStatus::Exited(0), "{}", self.name());
                return;
            }
            Way::Command => {
                let status = std::process::Command::new("/bin/true")
                    .status()
                    .expect("Command");
                assert!(status.success(), "{}", self.name());
                return;
            }
            // SAFETY: the child only makes the execve syscall.
            Way::ForkLikeSpawn => unsafe {
                nsclone::spawn(FLAGS, stack, move || {
                    let _ = execve(c"/bin/true", argv, CStrArray::empty());
                    127
                })
            },
            Way::ForkUnshareExec => {
                assert_eq!(
                    fork_unshare_exec(),
                    ExitStatus::Exited(0),
                    "{}",
                    self.name()
                );
                return;
            }
        };
        let status = started.map(|mut child| child.wait());
        assert_eq!(status, Ok(Ok(ExitStatus::Exited(0))), "{}", self.name());
    }
}

/// posix_spawn(3) of `/bin/true` with an empty environment, then waitpid.
fn posix_spawn() -> ExitStatus {
    let argv = [c"true".as_ptr().cast_mut(), ptr::null_mut()];
    let envp = [ptr::null_mut::<c_char>()];
    let mut pid = 0;
    // SAFETY: null file actions and attributes; the arrays are
    // null-terminated and outlive the call.
    let err = unsafe {
        libc::posix_spawn(
            &mut pid,
            c"/bin/true".as_ptr(),
            ptr::null(),
            ptr::null(),
            argv.as_ptr(),
            envp.as_ptr(),
        )
    };
    assert_eq!(err, 0, "posix_spawn");
    wait(pid)
}

/// waitpid(2) of `pid`, decoded.
fn wait(pid: libc::pid_t) -> ExitStatus {
    let mut status = 0;
    // SAFETY: `status` is a valid out-pointer for the call.
    let reaped = unsafe { libc::waitpid(pid, &mut status, 0) };
    assert_eq!(reaped, pid, "waitpid");
    ExitStatus::from_raw(status)
}

/// fork(2), then unshare(2) and execve(2) of `/bin/true` in the child.
fn fork_unshare_exec() -> ExitStatus {
    let argv = [c"true".as_ptr(), ptr::null()];
    let envp = [ptr::null::<c_char>()];
    let flags = libc::CLONE_NEWUTS | libc::CLONE_NEWPID | libc::CLONE_NEWNS;
    // SAFETY: the worker is single-threaded; the child calls only
    // async-signal-safe functions (unshare, execve, _exit).
    let pid = unsafe { libc::fork() };
    if pid == 0 {
        // SAFETY: the arrays are null-terminated and outlive the calls;
        // _exit ends the child if unshare or execve fails.
        unsafe {
            if libc::unshare(flags) == 0 {
                libc::execve(c"/bin/true".as_ptr(), argv.as_ptr(), envp.as_ptr());
            }
            libc::_exit(127)
        }
    }
    assert!(pid > 0, "fork: {}", std::io::Error::last_os_error());
    wait(pid)
}
