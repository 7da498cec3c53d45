//! clone3 and its options through `Spawn`: pidfds, the ENOSYS fallback,
//! cgroups, set_tid, clear_sighand, and setns through a pidfd.

mod common;

use common::proc::{no_child_left, sched_yield};
use common::seccomp::make_clone3_fail;
use common::{in_child, in_child_as_nobody, is_root, ns_inode, SharedPage};
use core::ffi::{c_int, c_void};
use linux_raw_sys::general as k;
use nsclone::sys::{getpid, read_file, syscall};
// Without `std`, nsclone's descriptors are the polyfill's, with its own trait.
#[cfg(not(feature = "std"))]
use nsclone::AsRawFd as _;
use nsclone::{
    ns_id, setns, BorrowedFd, CloneFlags, Errno, Error, ExitStatus, MmapStack, Namespace, Signal,
    Spawn, Syscall,
};
use std::os::fd::AsRawFd;

const SIGKILL: c_int = k::SIGKILL as c_int;

/// The default action, as a handler address.
const SIG_DFL: usize = 0;

/// fcntl(2) with an int argument.
fn fcntl(fd: c_int, cmd: u32, arg: usize) -> Result<usize, Errno> {
    // SAFETY: these commands read and write no memory.
    unsafe { syscall(k::__NR_fcntl, [fd as usize, cmd as usize, arg]) }
}

#[test]
fn a_pidfd_child_is_waited_and_killed_through_its_pidfd() {
    skip_if!(
        common::under_qemu_user(),
        "qemu-user has no clone3 and no pidfd wait"
    );
    let mut stack = MmapStack::new(64 * 1024).unwrap();
    let request = Spawn::new(CloneFlags::empty()).pidfd(true);
    // SAFETY: the closure only returns a constant.
    let mut child = unsafe { request.spawn(stack.as_mut_slice(), || 9) }.unwrap();
    assert!(child.pidfd().is_some());
    assert_eq!(child.wait(), Ok(ExitStatus::Exited(9)));

    // SAFETY: the closure only calls sched_yield, a raw syscall, until killed.
    let mut child = unsafe {
        request.spawn(stack.as_mut_slice(), || loop {
            sched_yield()
        })
    }
    .unwrap();
    child.kill(Signal::KILL).unwrap();
    assert_eq!(child.wait(), Ok(ExitStatus::Signaled(SIGKILL)));
}

#[test]
fn the_pidfd_is_close_on_exec() {
    skip_if!(common::under_qemu_user(), "qemu-user has no pidfds");
    let mut stack = MmapStack::new(64 * 1024).unwrap();
    // SAFETY: the closure only returns a constant.
    let mut child = unsafe {
        Spawn::new(CloneFlags::empty())
            .pidfd(true)
            .spawn(stack.as_mut_slice(), || 0)
    }
    .unwrap();
    let fd_flags = fcntl(child.pidfd().unwrap().as_raw_fd(), k::F_GETFD, 0).unwrap();
    assert_eq!(fd_flags & k::FD_CLOEXEC as usize, k::FD_CLOEXEC as usize);
    assert_eq!(child.wait(), Ok(ExitStatus::Exited(0)));
}

#[test]
fn ten_thousand_pidfd_spawns_leak_no_fd_and_leave_no_zombie() {
    skip_if!(common::under_qemu_user(), "qemu-user has no pidfds");
    // In a child: no other thread opens fds meanwhile, so fd numbers are exact.
    let status = in_child(|| {
        let mut stack = MmapStack::new(64 * 1024).unwrap();
        let request = Spawn::new(CloneFlags::empty()).pidfd(true);
        // SAFETY: here and below, each closure only returns a number it captured
        // or a constant.
        let mut first = unsafe { request.spawn(stack.as_mut_slice(), || 0) }.unwrap();
        let first_fd = first.pidfd().unwrap().as_raw_fd();
        if first.wait() != Ok(ExitStatus::Exited(0)) {
            return 1;
        }
        // Waiting no longer consumes the Child: dropping it closes the pidfd.
        drop(first);
        for i in 0..10_000 {
            // SAFETY: as above.
            let child = unsafe { request.spawn(stack.as_mut_slice(), move || i % 100) };
            match child.map(|mut c| c.wait()) {
                Ok(Ok(ExitStatus::Exited(code))) if code == i % 100 => {}
                _ => return 2,
            }
        }
        // SAFETY: as above.
        let mut last = unsafe { request.spawn(stack.as_mut_slice(), || 0) }.unwrap();
        if last.pidfd().unwrap().as_raw_fd() != first_fd {
            return 3;
        }
        let _ = last.wait();
        if no_child_left() {
            0
        } else {
            4
        }
    });
    assert_eq!(status, ExitStatus::Exited(0));
}

/// In a child whose clone3 answers `errno` (a seccomp filter, as container
/// profiles have): a request legacy clone can express gets its namespaces
/// and its pidfd there, and later ones go there directly; one only clone3
/// can express fails with `errno`. Exits 0 when all of that held.
fn falls_back_from_clone3_answering(errno: Errno) -> ExitStatus {
    in_child(|| {
        if make_clone3_fail(errno).is_err() {
            return 1;
        }
        let outside = ns_inode(c"/proc/self/ns/uts");
        let mut stack = MmapStack::new(64 * 1024).unwrap();
        let request = Spawn::new(CloneFlags::NEWUTS | CloneFlags::NEWNET).pidfd(true);
        if request.syscall() != Syscall::Clone3 {
            return 2;
        }
        // SAFETY: the closure reads a /proc link with raw syscalls.
        let child = unsafe {
            request.spawn(stack.as_mut_slice(), move || {
                c_int::from(ns_inode(c"/proc/self/ns/uts") == outside)
            })
        };
        let Ok(mut child) = child else {
            return 3;
        };
        let had_pidfd = child.pidfd().is_some();
        if child.wait() != Ok(ExitStatus::Exited(0)) || !had_pidfd {
            return 4;
        }
        if request.syscall() != Syscall::Clone {
            return 5;
        }
        let clear = Spawn::new(CloneFlags::empty()).clear_sighand();
        // SAFETY: the closure only returns a constant.
        match unsafe { clear.spawn(stack.as_mut_slice(), || 0) } {
            Err(Error::Kernel(got)) if got == errno => 0,
            _ => 6,
        }
    })
}

#[test]
fn clone3_answering_enosys_falls_back_to_legacy_clone_and_is_remembered() {
    skip_if!(
        common::under_qemu_user(),
        "qemu-user has no clone3 and rejects CLONE_PIDFD in legacy clone"
    );
    skip_if!(!is_root(), "needs root for the UTS and network namespaces");
    assert_eq!(
        falls_back_from_clone3_answering(Errno::ENOSYS),
        ExitStatus::Exited(0)
    );
}

#[test]
fn clone3_answering_eperm_falls_back_to_legacy_clone_and_is_remembered() {
    skip_if!(
        common::under_qemu_user(),
        "qemu-user has no clone3 and rejects CLONE_PIDFD in legacy clone"
    );
    skip_if!(!is_root(), "needs root for the UTS and network namespaces");
    assert_eq!(
        falls_back_from_clone3_answering(Errno::EPERM),
        ExitStatus::Exited(0)
    );
}

#[test]
fn an_eperm_legacy_clone_shares_is_returned_and_not_remembered() {
    skip_if!(common::under_qemu_user(), "qemu-user has no clone3");
    let status = in_child_as_nobody(|| {
        if make_clone3_fail(Errno::EPERM).is_err() {
            return 1;
        }
        let mut stack = MmapStack::new(64 * 1024).unwrap();
        // Without CAP_SYS_ADMIN legacy clone refuses a UTS namespace too:
        // clone3's EPERM was about privilege, not clone3.
        let refused = Spawn::new(CloneFlags::NEWUTS).pidfd(true);
        // SAFETY: here and below, the closures only return a constant.
        match unsafe { refused.spawn(stack.as_mut_slice(), || 0) } {
            Err(Error::Kernel(Errno::EPERM)) => {}
            _ => return 2,
        }
        if refused.syscall() != Syscall::Clone3 {
            return 3;
        }
        let plain = Spawn::new(CloneFlags::empty()).pidfd(true);
        // SAFETY: as above.
        match unsafe { plain.spawn(stack.as_mut_slice(), || 0) }.map(|mut c| c.wait()) {
            Ok(Ok(ExitStatus::Exited(0))) => {}
            _ => return 4,
        }
        if plain.syscall() == Syscall::Clone {
            0
        } else {
            5
        }
    });
    assert_eq!(status, ExitStatus::Exited(0));
}

/// A fresh cgroup2 directory, removed on drop.
struct TempCgroup {
    path: String,
    dir: std::fs::File,
}

impl TempCgroup {
    fn new(name: &str) -> Option<TempCgroup> {
        let root = common::cgroup2_dir();
        let root = std::str::from_utf8(&root[..root.len() - 1])
            .unwrap()
            .to_string();
        let path = format!("{root}/{name}-{}", std::process::id());
        std::fs::create_dir(&path).ok()?;
        let dir = std::fs::File::open(&path).ok()?;
        Some(TempCgroup { path, dir })
    }

    fn fd(&self) -> BorrowedFd<'_> {
        // SAFETY: the directory stays open as long as `self`.
        unsafe { BorrowedFd::borrow_raw(self.dir.as_raw_fd()) }
    }
}

impl Drop for TempCgroup {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir(&self.path);
    }
}

#[test]
fn into_cgroup_starts_the_child_in_that_cgroup() {
    skip_if!(common::under_qemu_user(), "qemu-user has no clone3");
    skip_if!(!is_root(), "needs root to create a cgroup");
    let Some(cgroup) = TempCgroup::new("nsclone-into") else {
        eprintln!("SKIPPED: no writable cgroup2 hierarchy here");
        return;
    };
    let name = format!("0::/{}\n", cgroup.path.rsplit('/').next().unwrap());
    let mut expected = [0u8; 64];
    expected[..name.len()].copy_from_slice(name.as_bytes());
    let mut stack = MmapStack::new(64 * 1024).unwrap();
    let request = Spawn::new(CloneFlags::empty()).into_cgroup(cgroup.fd());
    assert_eq!(request.syscall(), Syscall::Clone3);
    // SAFETY: the closure reads a /proc file with raw syscalls and compares
    // it with its copy of the captured text.
    let mut child = unsafe {
        request.spawn(stack.as_mut_slice(), move || {
            let mut cgroups = [0u8; 4096];
            let len = read_file(c"/proc/self/cgroup", &mut cgroups).unwrap_or(0);
            let wanted = &expected[..name.len()];
            let found = cgroups[..len]
                .split_inclusive(|&b| b == b'\n')
                .any(|line| line == wanted);
            if found {
                0
            } else {
                1
            }
        })
    }
    .unwrap();
    assert_eq!(child.wait(), Ok(ExitStatus::Exited(0)));
}

#[test]
fn into_cgroup_with_a_closed_fd_or_a_regular_file_is_ebadf() {
    skip_if!(common::under_qemu_user(), "qemu-user has no clone3");
    let mut stack = MmapStack::new(64 * 1024).unwrap();
    // SAFETY: a descriptor number no test opens; the kernel only looks it up.
    let closed = unsafe { BorrowedFd::borrow_raw(1_000_000) };
    // SAFETY: the closure only returns a constant.
    let result = unsafe {
        Spawn::new(CloneFlags::empty())
            .into_cgroup(closed)
            .spawn(stack.as_mut_slice(), || 0)
    };
    assert_eq!(result.unwrap_err(), Error::Kernel(Errno::EBADF));
    let file = std::fs::File::open("/proc/self/status").unwrap();
    // SAFETY: `file` stays open for the call.
    let file_fd = unsafe { BorrowedFd::borrow_raw(file.as_raw_fd()) };
    // SAFETY: the closure only returns a constant.
    let result = unsafe {
        Spawn::new(CloneFlags::empty())
            .into_cgroup(file_fd)
            .spawn(stack.as_mut_slice(), || 0)
    };
    assert_eq!(result.unwrap_err(), Error::Kernel(Errno::EBADF));
}

#[test]
fn set_tid_gives_the_child_the_pid_asked_for_and_eexist_for_a_taken_one() {
    skip_if!(common::under_qemu_user(), "qemu-user has no clone3");
    skip_if!(
        !is_root(),
        "set_tid needs CAP_SYS_ADMIN or CAP_CHECKPOINT_RESTORE"
    );
    let pid_max: i32 = std::fs::read_to_string("/proc/sys/kernel/pid_max")
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let wanted = (pid_max / 2..pid_max)
        .step_by(7919)
        .find(|pid| !std::path::Path::new(&format!("/proc/{pid}")).exists())
        .expect("a free pid");
    let mut stack = MmapStack::new(64 * 1024).unwrap();
    let pids = [wanted];
    // SAFETY: the closure only returns a constant.
    let mut child = unsafe {
        Spawn::new(CloneFlags::empty())
            .set_tid(&pids)
            .spawn(stack.as_mut_slice(), || 0)
    }
    .unwrap();
    assert_eq!(child.pid(), wanted);
    assert_eq!(child.wait(), Ok(ExitStatus::Exited(0)));

    let taken = [getpid()];
    // SAFETY: the closure only returns a constant.
    let result = unsafe {
        Spawn::new(CloneFlags::empty())
            .set_tid(&taken)
            .spawn(stack.as_mut_slice(), || 0)
    };
    assert_eq!(result.unwrap_err(), Error::Kernel(Errno::EEXIST));
}

/// A signal handler that never runs: only its address matters.
extern "C" fn never_called(_: c_int) {}

/// The handler installed for `signal` in the calling process.
fn handler_of(signal: u32) -> usize {
    let mut old = [0usize; 4];
    let args = [signal as usize, 0, old.as_mut_ptr() as usize, 8];
    // SAFETY: a null new action only reads the old one into `old`, which has
    // room for the kernel's struct sigaction (8 is the size of its mask).
    let _ = unsafe { syscall(k::__NR_rt_sigaction, args) };
    old[0]
}

#[test]
fn clear_sighand_gives_the_child_default_handlers() {
    skip_if!(common::under_qemu_user(), "qemu-user has no clone3");
    let status = in_child(|| {
        let action = [never_called as *const c_void as usize, 0, 0, 0];
        let args = [k::SIGURG as usize, action.as_ptr() as usize, 0, 8];
        // SAFETY: `action` is a whole struct sigaction that lives across the
        // call; it installs a handler in this helper child only, and SIGURG
        // is never sent.
        if unsafe { syscall(k::__NR_rt_sigaction, args) }.is_err() {
            return 1;
        }
        let mut stack = MmapStack::new(64 * 1024).unwrap();
        // SAFETY: here and below, the closures only read a handler with
        // rt_sigaction, a raw syscall.
        let inherited = unsafe {
            Spawn::new(CloneFlags::empty()).spawn(stack.as_mut_slice(), || {
                (handler_of(k::SIGURG) == SIG_DFL) as c_int
            })
        }
        .map(|mut c| c.wait());
        // SAFETY: as above.
        let cleared = unsafe {
            Spawn::new(CloneFlags::empty())
                .clear_sighand()
                .spawn(stack.as_mut_slice(), || {
                    (handler_of(k::SIGURG) != SIG_DFL) as c_int
                })
        }
        .map(|mut c| c.wait());
        match (inherited, cleared) {
            (Ok(Ok(ExitStatus::Exited(0))), Ok(Ok(ExitStatus::Exited(0)))) => 0,
            (Ok(Ok(ExitStatus::Exited(0))), _) => 2,
            _ => 3,
        }
    });
    assert_eq!(status, ExitStatus::Exited(0));
}

#[test]
fn setns_through_a_pidfd_joins_exactly_the_kinds_asked_for() {
    skip_under_qemu_user!();
    skip_if!(!is_root(), "needs root (CI runs as root)");
    let done = SharedPage::new(0u32);
    let mut stack = MmapStack::new(64 * 1024).unwrap();
    // SAFETY: the closure only reads a shared page and calls sched_yield, a
    // raw syscall.
    let mut holder = unsafe {
        Spawn::new(CloneFlags::NEWUTS | CloneFlags::NEWIPC | CloneFlags::NEWNET)
            .pidfd(true)
            .spawn(stack.as_mut_slice(), || {
                while done.get() == 0 {
                    sched_yield();
                }
                0
            })
    }
    .unwrap();
    let ids = |pid| Namespace::ALL.map(|ns| ns_id(pid, ns).unwrap_or(0));
    let (ours, theirs) = (ids(0), ids(holder.pid()));
    let pidfd = holder.pidfd().unwrap();
    let status = in_child(|| {
        if setns(pidfd, CloneFlags::empty()) != Err(Error::Kernel(Errno::EINVAL)) {
            return 1;
        }
        if setns(pidfd, CloneFlags::NEWUTS | CloneFlags::NEWNET).is_err() {
            return 2;
        }
        let now = ids(0);
        for (i, ns) in Namespace::ALL.iter().enumerate() {
            let wanted = if matches!(ns, Namespace::Uts | Namespace::Net) {
                theirs[i]
            } else {
                ours[i]
            };
            if now[i] != wanted {
                return 10 + i as c_int;
            }
        }
        0
    });
    done.set(1);
    assert_eq!(status, ExitStatus::Exited(0));
    // A pidfd whose process was reaped names no namespaces any more.
    let kept = fcntl(pidfd.as_raw_fd(), k::F_DUPFD_CLOEXEC, 0).unwrap() as c_int;
    assert_eq!(holder.wait(), Ok(ExitStatus::Exited(0)));
    // SAFETY: `kept` is our own duplicate, open until closed below.
    let reaped = unsafe { BorrowedFd::borrow_raw(kept) };
    assert_eq!(
        setns(reaped, CloneFlags::NEWUTS),
        Err(Error::Kernel(Errno::ESRCH))
    );
    // SAFETY: closing our own duplicate, which nothing uses afterwards.
    let _ = unsafe { syscall(k::__NR_close, [kept as usize]) };
}
