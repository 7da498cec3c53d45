//! Three ways to start `/bin/true` in new UTS, PID and mount namespaces and
//! wait for it, each checking that it exited 0.

use core::ffi::c_char;
use core::ptr;
use nsclone::{execve, CStrArray, CloneFlags, ExitStatus, Spawn};

const FLAGS: CloneFlags = CloneFlags::NEWUTS
    .union(CloneFlags::NEWPID)
    .union(CloneFlags::NEWNS);

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
}

impl Way {
    pub const ALL: [Way; 3] = [Way::VforkExec, Way::ForkUnshareExec, Way::ForkLikeSpawn];

    pub fn name(self) -> &'static str {
        match self {
            Way::VforkExec => "`Spawn::exec` (vfork-style)",
            Way::ForkUnshareExec => "fork + unshare + exec",
            Way::ForkLikeSpawn => "`spawn` (fork-like) + execve",
        }
    }

    /// Starts `/bin/true` this way, on `stack` where the way needs one, and reaps it.
    pub fn run(self, stack: &mut [u8]) {
        let mut argv = [ptr::null::<c_char>(); 2];
        let argv = CStrArray::new(&[c"true"], &mut argv).expect("argv");
        let started = match self {
            Way::VforkExec => Spawn::new(FLAGS).exec(stack, c"/bin/true", argv, CStrArray::empty()),
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
        let status = started.map(|child| child.wait());
        assert_eq!(status, Ok(Ok(ExitStatus::Exited(0))), "{}", self.name());
    }
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
    let mut status = 0;
    // SAFETY: `status` is a valid out-pointer for the call.
    let reaped = unsafe { libc::waitpid(pid, &mut status, 0) };
    assert_eq!(reaped, pid, "waitpid");
    match status & 0x7f {
        0 => ExitStatus::Exited((status >> 8) & 0xff),
        signal => ExitStatus::Signaled(signal),
    }
}
