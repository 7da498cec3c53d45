//! `exec_held`'s hold point when the caller's work panics or the child
//! dies, the caller's signal mask around it, and `exec` with `CLONE_VFORK`
//! among the caller's own flags.

mod common;

use common::{in_child, is_root, proc::no_child_left};
use core::ffi::{c_char, c_int};
use nsclone::{CStrArray, CloneFlags, Errno, Error, ExitStatus, MmapStack, Setup, Spawn, Step};
use std::sync::atomic::{AtomicUsize, Ordering};

/// The state letter of process `pid` (`/proc/<pid>/stat`), `None` once it
/// is reaped.
fn state(pid: i32) -> Option<char> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after = stat.rsplit_once(") ")?.1;
    after.chars().next()
}

/// Waits (up to about 5 s) until `pid`'s state satisfies `ok`.
fn wait_for_state(pid: i32, ok: impl Fn(Option<char>) -> bool) -> bool {
    for _ in 0..5000 {
        if ok(state(pid)) {
            return true;
        }
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    false
}

/// The calling thread's blocked signals, from `/proc/thread-self/status`.
fn blocked_signals() -> String {
    let status = std::fs::read_to_string("/proc/thread-self/status").unwrap();
    status
        .lines()
        .find_map(|line| line.strip_prefix("SigBlk:"))
        .unwrap()
        .trim()
        .to_owned()
}

/// A hold that panics while its child, which shares the caller's memory
/// and runs on the caller's stack, is stopped: when the panic reaches the
/// caller, the child must have left that memory (the caller may reuse the
/// stack at once), and the caller's signal mask must be its own again.
#[test]
fn a_panicking_hold_leaves_no_child_on_the_callers_stack_nor_every_signal_blocked() {
    skip_under_qemu_user!();
    // A thread of its own, whose signal mask is only this test's.
    std::thread::spawn(|| {
        let before = blocked_signals();
        let mut stack = MmapStack::new(64 * 1024).unwrap();
        let mut argv_buf = [core::ptr::null::<c_char>(); 2];
        let argv = CStrArray::new(&[c"true"], &mut argv_buf).unwrap();
        let mut pid = 0;
        let unwound = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            Spawn::new(CloneFlags::empty()).exec_held(
                stack.as_mut_slice(),
                c"/bin/true",
                argv,
                CStrArray::empty(),
                |held| {
                    pid = held.pid();
                    // SAFETY: kill reads no memory.
                    unsafe { libc::kill(pid, libc::SIGSTOP) };
                    assert!(wait_for_state(pid, |s| s == Some('T')));
                    panic!("the caller's work failed");
                },
            )
        }));
        assert!(unwound.is_err());
        let after = blocked_signals();
        let left = state(pid);
        if matches!(left, Some('T')) {
            // Before the fix: end it before the stack goes.
            // SAFETY: kill reads no memory.
            unsafe { libc::kill(pid, libc::SIGKILL) };
            wait_for_state(pid, |s| s == Some('Z'));
        }
        // Reap it if it is still ours.
        // SAFETY: waitpid writes one int.
        unsafe { libc::waitpid(pid, core::ptr::null_mut(), libc::__WALL) };
        assert!(
            !matches!(left, Some('T' | 'S' | 'R')),
            "the child still runs on the caller's stack (state {left:?})"
        );
        assert_eq!(after, before, "the caller's signal mask");
        drop(stack);
    })
    .join()
    .unwrap();
}

static SIGPIPES: AtomicUsize = AtomicUsize::new(0);

extern "C" fn count_sigpipe(_: c_int) {
    SIGPIPES.fetch_add(1, Ordering::Relaxed);
}

/// A held child that dies before the caller's work is done: the release
/// fails with an error, and raises no `SIGPIPE` in the caller (which a
/// program that keeps `SIGPIPE`'s default action would die of).
#[test]
fn releasing_a_held_child_that_died_raises_no_sigpipe() {
    skip_under_qemu_user!();
    let status = in_child(|| {
        // SAFETY: a handler that only counts, in a child of our own.
        unsafe {
            libc::signal(
                libc::SIGPIPE,
                count_sigpipe as *const () as libc::sighandler_t,
            )
        };
        let mut stack = MmapStack::new(64 * 1024).unwrap();
        let mut argv_buf = [core::ptr::null::<c_char>(); 2];
        let argv = CStrArray::new(&[c"true"], &mut argv_buf).unwrap();
        let result = Spawn::new(CloneFlags::empty()).exec_held(
            stack.as_mut_slice(),
            c"/bin/true",
            argv,
            CStrArray::empty(),
            |held| {
                let pid = held.pid();
                // SAFETY: kill reads no memory.
                unsafe { libc::kill(pid, libc::SIGKILL) };
                // Dead (its descriptors closed), not yet reaped.
                assert!(wait_for_state(pid, |s| s == Some('Z')));
                Ok(())
            },
        );
        let pipes = SIGPIPES.load(Ordering::Relaxed);
        match result {
            Err(_) if pipes == 0 && no_child_left() => 0,
            Err(_) if pipes != 0 => 1,
            Err(_) => 2,
            Ok(_) => 3,
        }
    });
    assert_eq!(
        status,
        ExitStatus::Exited(0),
        "1: SIGPIPE raised in the caller"
    );
}

/// `CLONE_VFORK` among the caller's flags with a setup that changes the
/// child's IDs: the child has memory of its own, so the step that failed
/// must come back on the channel, not in a record the parent never sees.
#[test]
fn exec_with_the_callers_vfork_and_new_ids_still_reports_a_failed_exec() {
    skip_under_qemu_user!();
    skip_if!(!is_root(), "needs root: the setup sets uid 0");
    let status = in_child(|| {
        let setup = Setup::new().gid(0).uid(0);
        let mut stack = MmapStack::new(64 * 1024).unwrap();
        let mut argv_buf = [core::ptr::null::<c_char>(); 2];
        let argv = CStrArray::new(&[c"missing"], &mut argv_buf).unwrap();
        let result = Spawn::new(CloneFlags::VFORK).setup(&setup).exec(
            stack.as_mut_slice(),
            c"/nonexistent/missing",
            argv,
            CStrArray::empty(),
        );
        match result {
            Err(Error::Step(err)) if err.step() == Step::Exec && err.errno() == Errno::ENOENT => {
                if no_child_left() {
                    0
                } else {
                    1
                }
            }
            Err(_) => 2,
            Ok(mut child) => {
                let _ = child.wait();
                3
            }
        }
    });
    assert_eq!(
        status,
        ExitStatus::Exited(0),
        "3: exec returned Ok for a failed exec"
    );
}

/// `CLONE_VFORK` among the caller's flags with `exec_held`: the hold runs
/// (or the call is refused); the program never runs without it.
#[test]
fn exec_held_with_the_callers_vfork_runs_the_hold() {
    skip_under_qemu_user!();
    let status = in_child(|| {
        let mut stack = MmapStack::new(64 * 1024).unwrap();
        let mut argv_buf = [core::ptr::null::<c_char>(); 2];
        let argv = CStrArray::new(&[c"true"], &mut argv_buf).unwrap();
        let mut held = false;
        let result = Spawn::new(CloneFlags::VFORK).exec_held(
            stack.as_mut_slice(),
            c"/bin/true",
            argv,
            CStrArray::empty(),
            |_| {
                held = true;
                Ok(())
            },
        );
        match result {
            Ok(mut child) => match (held, child.wait()) {
                (true, Ok(ExitStatus::Exited(0))) => 0,
                (false, Ok(ExitStatus::Exited(127))) => 4,
                _ => 5,
            },
            Err(Error::Refused(_)) => 0,
            Err(_) => 6,
        }
    });
    assert_eq!(
        status,
        ExitStatus::Exited(0),
        "4: Ok without the hold run, and the program never ran"
    );
}

/// The hold is the caller's work (a network to attach, a cgroup): it runs
/// with the caller's signal mask, not with every signal blocked as across
/// the clone, so that the caller's Ctrl-C or timer still reaches it.
#[test]
fn the_hold_runs_with_the_callers_signal_mask() {
    skip_under_qemu_user!();
    std::thread::spawn(|| {
        let before = blocked_signals();
        let mut stack = MmapStack::new(64 * 1024).unwrap();
        let mut argv_buf = [core::ptr::null::<c_char>(); 2];
        let argv = CStrArray::new(&[c"true"], &mut argv_buf).unwrap();
        let mut during = String::new();
        let mut child = Spawn::new(CloneFlags::empty())
            .exec_held(
                stack.as_mut_slice(),
                c"/bin/true",
                argv,
                CStrArray::empty(),
                |_| {
                    during = blocked_signals();
                    Ok(())
                },
            )
            .unwrap();
        assert_eq!(child.wait(), Ok(ExitStatus::Exited(0)));
        assert_eq!(during, before);
        assert_eq!(blocked_signals(), before);
    })
    .join()
    .unwrap();
}
