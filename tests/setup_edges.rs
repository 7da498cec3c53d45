//! The setup at its edges, each once a defect: descriptor numbers at the
//! limits and the crate's own descriptors among them, the parent-death
//! signal across ID changes and `CLONE_PARENT`, refusals on the unchecked
//! path, a child killed mid-steps, and what an exec child may not leave
//! the parent (its dumpable flag, a wait on a program).

mod common;

use common::{in_child, is_root, SharedPage};
use core::ffi::{c_int, CStr};
use linux_raw_sys::general as k;
use nsclone::{CloneFlags, Errno, Error, ExitStatus, Fd, MmapStack, Setup, Signal, Spawn, Step};
use std::ffi::CString;
use std::time::{Duration, Instant};

const PR_SET_PDEATHSIG_GET: usize = 2; // PR_GET_PDEATHSIG
const PR_GET_DUMPABLE: usize = 3;
const PR_SET_DUMPABLE: usize = 4;

/// `exec` of `argv[0]` with `request` and `setup`.
fn exec(request: Spawn<'_>, setup: &Setup<'_>, argv: &[&CStr]) -> Result<nsclone::Child, Error> {
    common::exec(request.setup(setup), argv[0], argv, &[])
}

/// Whether descriptor `fd` is open in the calling process.
fn is_open(fd: c_int) -> bool {
    // SAFETY: F_GETFD reads no memory.
    unsafe { nsclone::sys::syscall(k::__NR_fcntl, [fd as usize, k::F_GETFD as usize]) }.is_ok()
}

fn prctl_get(option: usize) -> c_int {
    let mut value: c_int = -1;
    // SAFETY: PR_GET_PDEATHSIG writes one int to the pointer; PR_GET_DUMPABLE
    // returns its answer and ignores the pointer.
    let ret = unsafe {
        nsclone::sys::syscall(k::__NR_prctl, [option, &mut value as *mut c_int as usize])
    };
    if option == PR_GET_DUMPABLE {
        ret.map_or(-1, |v| v as c_int)
    } else {
        value
    }
}

/// A target of `c_int::MAX` (a valid descriptor number, below none the
/// safe path refuses) overflowed `target + 1` in the child: in an
/// unoptimized build the exec child, which shares the caller's memory,
/// panicked, running std's panic machinery on the caller's TLS and heap;
/// the caller got `Ok` and believed itself panicking.
#[test]
fn a_target_of_c_int_max_fails_cleanly_in_an_exec_child() {
    skip_if!(
        common::under_qemu_user(),
        "qemu-user runs vfork children in their own memory, so the error cannot come back"
    );
    let status = in_child(|| {
        let fds = [Fd::copy(0, c_int::MAX)];
        let setup = Setup::new().fds(&fds);
        let started = exec(Spawn::new(CloneFlags::empty()), &setup, &[c"/bin/true"]);
        if std::thread::panicking() {
            return 1;
        }
        match started {
            Err(Error::Step(failed)) if failed.step() == Step::FdCopy => 0,
            Err(Error::Refused(_)) => 0,
            Ok(_) => 2,
            Err(_) => 3,
        }
    });
    assert_eq!(status, ExitStatus::Exited(0));
}

/// A copy made above the targets could land on a later entry's source
/// number, which the child did not inherit: that entry then copied the
/// copy instead of failing with EBADF ("every source is the descriptor as
/// the child inherited it").
#[test]
fn a_source_the_child_did_not_inherit_is_ebadf_even_where_a_copy_landed() {
    let status = in_child(|| {
        if is_open(601) || is_open(602) || is_open(700) {
            return 100;
        }
        // floor = 602: the copy of 0 lands on 602, entry 1's source.
        let fds = [Fd::copy(0, 600), Fd::copy(602, 601)];
        let setup = Setup::new().fds(&fds);
        let mut stack = MmapStack::new(64 * 1024).unwrap();
        // SAFETY: the closure makes one raw syscall.
        let spawned = unsafe {
            Spawn::new(CloneFlags::empty())
                .setup(&setup)
                .spawn(stack.as_mut_slice(), || c_int::from(is_open(601)))
        };
        match spawned {
            Err(Error::Step(failed))
                if failed.step() == Step::FdCopy
                    && failed.errno() == Errno::EBADF
                    && failed.index() == 1 =>
            {
                0
            }
            Ok(mut child) => match child.wait() {
                Ok(ExitStatus::Exited(1)) => 1, // 601 got fd 0's file
                _ => 2,
            },
            Err(_) => 3,
        }
    });
    assert_eq!(status, ExitStatus::Exited(0));
}

/// The crate's own pipe, whose closing tells a non-vfork exec's parent
/// that the child left its memory, given as a source: the program
/// inherited its write end (not close-on-exec), so `exec` returned only
/// when the program ended; or its read end, which the child kept. Neither
/// is the caller's: EBADF, as for any number the caller has not open.
#[test]
fn the_crates_own_pipe_is_no_source_and_exec_returns_while_the_program_runs() {
    skip_if!(
        common::under_qemu_user(),
        "qemu-user rejects CLONE_VM without CLONE_VFORK"
    );
    let status = in_child(|| {
        // The numbers exec's own pipe gets: the lowest free ones.
        let (probe_read, probe_write) = std::io::pipe().unwrap();
        use std::os::fd::AsRawFd;
        let own = [probe_read.as_raw_fd(), probe_write.as_raw_fd()];
        drop((probe_read, probe_write));
        for (i, own) in own.into_iter().enumerate() {
            let fds = [Fd::copy(own, 100)];
            let setup = Setup::new().parent_death_signal(Signal::KILL).fds(&fds);
            let started = Instant::now();
            let child = exec(
                Spawn::new(CloneFlags::empty()),
                &setup,
                &[c"/bin/sleep", c"2"],
            );
            let took = started.elapsed();
            let code = 10 * i as c_int;
            match child {
                Err(Error::Step(failed))
                    if failed.step() == Step::FdCopy && failed.errno() == Errno::EBADF => {}
                Ok(mut child) => {
                    let _ = child.wait();
                    return code + 1 + c_int::from(took > Duration::from_millis(1500));
                }
                Err(_) => return code + 3,
            }
        }
        0
    });
    assert_eq!(status, ExitStatus::Exited(0));
}

/// The kernel clears the parent-death signal when the effective IDs
/// change (commit_creds), so one asked for with `uid`/`gid` was gone by
/// the time the closure (or program) ran.
#[test]
fn the_parent_death_signal_survives_the_identity_steps() {
    skip_if!(!is_root(), "needs root to change IDs");
    let status = in_child(|| {
        let setup = Setup::new()
            .parent_death_signal(Signal::USR2)
            .gid(common::NOBODY)
            .uid(common::NOBODY);
        let mut stack = MmapStack::new(64 * 1024).unwrap();
        // SAFETY: the closure makes one raw syscall.
        let spawned = unsafe {
            Spawn::new(CloneFlags::empty())
                .setup(&setup)
                .spawn(stack.as_mut_slice(), || prctl_get(PR_SET_PDEATHSIG_GET))
        };
        match spawned.map(|mut child| child.wait()) {
            Ok(Ok(ExitStatus::Exited(sig))) if sig == k::SIGUSR2 as c_int => 0,
            Ok(Ok(ExitStatus::Exited(0))) => 1,
            _ => 2,
        }
    });
    assert_eq!(status, ExitStatus::Exited(0));
}

/// An exec child shares the caller's memory, and the kernel marks the
/// memory's owner undumpable when a process's effective IDs change:
/// `uid`/`gid` in an exec child made the *caller* undumpable (core dumps
/// off, `/proc/<pid>` owned by root, ptrace by its own uid refused). The
/// kernel does so to protect that memory (a dumpable one would let the
/// new uid's processes ptrace the child, and through it the caller's
/// memory, until the exec), so the child must not undo it; the parent
/// could, once the child left, or `Spawn::exec` could document it.
#[test]
fn changing_ids_in_an_exec_child_leaves_the_caller_dumpable() {
    skip_if!(!is_root(), "needs root to change IDs");
    // The IDs, and capabilities only dropped (which leave the memory
    // dumpable, and the child sharing it).
    let ids = Setup::new().gid(common::NOBODY).uid(common::NOBODY);
    let dropped = Setup::new().capabilities(nsclone::Capabilities::NONE);
    for setup in [ids, dropped] {
        let status = in_child(|| {
            // SAFETY: PR_SET_DUMPABLE takes plain values.
            if unsafe { nsclone::sys::syscall(k::__NR_prctl, [PR_SET_DUMPABLE, 1]) }.is_err() {
                return 100;
            }
            let Ok(mut child) = exec(Spawn::new(CloneFlags::empty()), &setup, &[c"/bin/true"])
            else {
                return 101;
            };
            let _ = child.wait();
            match prctl_get(PR_GET_DUMPABLE) {
                1 => 0,
                _ => 1,
            }
        });
        assert_eq!(status, ExitStatus::Exited(0), "{setup:?}");
    }
}

/// A target the limit allows failed because the crate's copies go above
/// every target, after the limits step lowered `RLIMIT_NOFILE`: `fds`
/// `[copy(1, 3)]` under a limit of 4 failed with EINVAL from F_DUPFD, shown
/// as `dup3(1, 3)`. The program is nsrun's help, which opens no file (a
/// dynamically linked one could not load its libraries under such a limit).
#[test]
fn a_target_below_a_lowered_open_files_limit_is_given() {
    skip_if!(
        common::under_qemu_user(),
        "qemu-user needs descriptors of its own to run the program"
    );
    let status = in_child(|| {
        let limits = [nsclone::Limit {
            resource: nsclone::Resource::OpenFiles,
            soft: 4,
            hard: 4,
        }];
        let fds = [Fd::copy(1, 3)];
        let setup = Setup::new().limits(&limits).fds(&fds);
        let nsrun = common::leaked_c_str(env!("CARGO_BIN_EXE_nsrun"));
        match exec(Spawn::new(CloneFlags::empty()), &setup, &[nsrun, c"--help"]) {
            Ok(mut child) => match child.wait() {
                Ok(ExitStatus::Exited(0)) => 0,
                _ => 1,
            },
            Err(_) => 2,
        }
    });
    assert_eq!(status, ExitStatus::Exited(0), "{status:?}");
}

/// `spawn_unchecked` skips `Setup`'s refusals, which guard no flag's
/// safety but the setup's meaning: a 65th descriptor was silently left out
/// (the child keeps copies of at most 64), so the closure ran half set up.
#[test]
fn spawn_unchecked_gives_every_descriptor_or_refuses() {
    let status = in_child(|| {
        let mut fds: Vec<Fd<'_>> = (0..64).map(|i| Fd::copy(0, 100 + i)).collect();
        fds.push(Fd::copy(0, 300));
        let setup = Setup::new().fds(&fds);
        let mut stack = MmapStack::new(256 * 1024).unwrap();
        // SAFETY: no flag; the closure makes one raw syscall.
        let spawned = unsafe {
            Spawn::new(CloneFlags::empty())
                .setup(&setup)
                .spawn_unchecked(stack.as_mut_slice(), || c_int::from(!is_open(300)))
        };
        match spawned.map(|mut child| child.wait()) {
            Err(Error::Refused(nsclone::Refusal::TooManyFds)) => 0,
            Ok(Ok(ExitStatus::Exited(0))) => 0,
            Ok(Ok(ExitStatus::Exited(1))) => 1, // fd 300 silently not given
            _ => 2,
        }
    });
    assert_eq!(status, ExitStatus::Exited(0));
}

/// Sanity (no finding expected): the crate's own descriptor given as a
/// target is moved out of the way, in an exec child without vfork and in
/// a closure's child.
#[test]
fn the_crates_own_descriptor_as_a_target_is_moved_away() {
    skip_if!(
        common::under_qemu_user(),
        "qemu-user rejects CLONE_VM without CLONE_VFORK"
    );
    let status = in_child(|| {
        let (probe_read, probe_write) = std::io::pipe().unwrap();
        use std::os::fd::AsRawFd;
        let (r, w) = (probe_read.as_raw_fd(), probe_write.as_raw_fd());
        drop((probe_read, probe_write));
        let fds = [Fd::copy(0, w), Fd::copy(0, r)];
        let setup = Setup::new()
            .parent_death_signal(Signal::KILL)
            .fds(&fds)
            .close_other_fds(&[]);
        let started = Instant::now();
        let Ok(mut child) = exec(
            Spawn::new(CloneFlags::empty()),
            &setup,
            &[c"/bin/sleep", c"1"],
        ) else {
            return 1;
        };
        if started.elapsed() > Duration::from_millis(700) {
            return 2;
        }
        if child.wait() != Ok(ExitStatus::Exited(0)) {
            return 3;
        }
        let failing = Setup::new().fds(&fds).current_dir(c"/nonexistent");
        let mut stack = MmapStack::new(64 * 1024).unwrap();
        // SAFETY: the closure returns a constant.
        let spawned = unsafe {
            Spawn::new(CloneFlags::empty())
                .setup(&failing)
                .spawn(stack.as_mut_slice(), || 0)
        };
        match spawned {
            Err(err) if err.step() == Some(Step::Chdir) => 0,
            _ => 4,
        }
    });
    assert_eq!(status, ExitStatus::Exited(0));
}

/// The pid of the first child of this process, waiting until there is one.
fn first_child() -> i32 {
    loop {
        for task in std::fs::read_dir("/proc/self/task").unwrap() {
            let path = task.unwrap().path().join("children");
            let listed = std::fs::read_to_string(path).unwrap_or_default();
            if let Some(pid) = listed.split_whitespace().next() {
                return pid.parse().unwrap();
            }
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Sanity: a closure's child killed in the middle of its steps (blocked
/// opening a FIFO) is an error, and it is reaped.
#[test]
fn a_child_killed_during_its_steps_is_an_error_and_reaped() {
    let status = in_child(|| {
        let fifo = CString::new(format!("/tmp/nsclone-review-{}", std::process::id())).unwrap();
        // SAFETY: the path is NUL-terminated.
        let made = unsafe {
            nsclone::sys::syscall(
                k::__NR_mknodat,
                [
                    k::AT_FDCWD as usize,
                    fifo.as_ptr() as usize,
                    (k::S_IFIFO | 0o600) as usize,
                    0,
                ],
            )
        };
        if made.is_err() {
            return 100;
        }
        let killer = std::thread::spawn(|| {
            let pid = first_child();
            nsclone::sys::kill(pid, k::SIGKILL as c_int)
        });
        let fds = [Fd::open(&fifo, k::O_RDONLY, 0, 5)];
        let setup = Setup::new().fds(&fds);
        let mut stack = MmapStack::new(64 * 1024).unwrap();
        // SAFETY: the closure returns a constant.
        let spawned = unsafe {
            Spawn::new(CloneFlags::empty())
                .setup(&setup)
                .spawn(stack.as_mut_slice(), || 0)
        };
        let _ = killer.join();
        let _ = std::fs::remove_file(fifo.to_str().unwrap());
        match spawned {
            Err(Error::Kernel(Errno::EIO)) if common::proc::no_child_left() => 0,
            Err(err) => {
                eprintln!("{err}");
                1
            }
            Ok(_) => 2,
        }
    });
    assert_eq!(status, ExitStatus::Exited(0));
}

/// Sanity: an exec whose ID maps fail (nobody maps uid 0) is the map's
/// error, and returns with the child gone.
#[test]
fn exec_whose_maps_fail_names_the_map_and_leaves_no_child() {
    skip_under_qemu_user!();
    let status = common::in_child_as_nobody(|| {
        let map = [nsclone::IdMap {
            inside: 0,
            outside: 0,
            count: 1,
        }];
        let request = Spawn::new(CloneFlags::NEWUSER).id_maps(&map, &map, nsclone::SetGroups::Deny);
        match exec(request, &Setup::new(), &[c"/bin/true"]) {
            Err(Error::Step(failed))
                if failed.step() == Step::UidMap && common::proc::no_child_left() =>
            {
                0
            }
            Err(err) => {
                eprintln!("{err}");
                1
            }
            Ok(_) => 2,
        }
    });
    assert_eq!(status, ExitStatus::Exited(0));
}

/// With `CLONE_PARENT` the child's parent is the caller's parent, and the
/// kernel ties the parent-death signal to that thread: the documented
/// "when the thread that created it exits" did not hold (the child
/// outlived the thread that created it).
#[test]
fn the_parent_death_signal_with_clone_parent_is_refused_or_comes_with_the_creator() {
    skip_under_qemu_user!();
    let status = in_child(|| {
        let pid = SharedPage::new(0i32);
        let refused = SharedPage::new(false);
        // The caller: its parent is this helper, which reaps the child.
        let caller = in_child(|| {
            let creator = std::thread::spawn(|| {
                let setup = Setup::new().parent_death_signal(Signal::KILL);
                exec(
                    Spawn::new(CloneFlags::PARENT),
                    &setup,
                    &[c"/bin/sleep", c"5"],
                )
                .map(|child| child.pid())
            });
            match creator.join() {
                Ok(Ok(child)) => pid.set(child),
                Ok(Err(Error::Refused(_))) => refused.set(true),
                _ => {}
            }
            0
        });
        if caller != ExitStatus::Exited(0) {
            return 100;
        }
        if refused.get() {
            return 0;
        }
        if pid.get() <= 0 {
            return 101;
        }
        std::thread::sleep(Duration::from_millis(300));
        let ended = nsclone::sys::wait4(pid.get(), k::WNOHANG | k::__WALL);
        let _ = nsclone::sys::kill(pid.get(), k::SIGKILL as c_int);
        let _ = nsclone::sys::wait4(pid.get(), k::__WALL);
        match ended {
            Ok((reaped, _)) if reaped == pid.get() => 0,
            _ => 1, // still running after its creator thread (and process) ended
        }
    });
    assert_eq!(status, ExitStatus::Exited(0));
}
