//! `Child`: waiting without blocking, waiting again, signalling with
//! `Signal`, and what a reaped child's `kill` reaches; `ExitStatus` as
//! std prints it.

mod common;

use core::ffi::c_int;
use nsclone::{BorrowedFd, Child, CloneFlags, Errno, ExitStatus, MmapStack, Signal, Spawn};
use std::io::Write;
use std::os::fd::AsRawFd;
use std::os::unix::process::ExitStatusExt;

/// A child that reads one byte from a pipe and exits with it, and the
/// pipe's write end: it runs until the test writes.
fn child_waiting_on_a_pipe(
    request: Spawn<'_>,
    stack: &mut MmapStack,
) -> (Child, std::io::PipeWriter) {
    let (reader, writer) = std::io::pipe().unwrap();
    let raw = reader.as_raw_fd();
    let read_one_byte = move || {
        // SAFETY: the child's copy of the descriptor stays open while it runs.
        let fd = unsafe { BorrowedFd::borrow_raw(raw) };
        let mut byte = [0u8];
        match nsclone::sys::read(fd, &mut byte) {
            Ok(1) => c_int::from(byte[0]),
            _ => 100,
        }
    };
    // SAFETY: the closure makes one raw read(2) on its copy of the pipe.
    let child = unsafe { request.spawn(stack.as_mut_slice(), read_one_byte) }.unwrap();
    (child, writer)
}

/// Calls `try_wait` until it answers a status (the child was released),
/// for at most ten seconds.
fn try_wait_until_ended(child: &mut Child) -> ExitStatus {
    for _ in 0..1000 {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    panic!("the child did not end");
}

#[test]
fn try_wait_answers_none_while_the_child_runs_and_its_status_once_it_exited() {
    let with_pidfd = !common::under_qemu_user();
    let mut stack = MmapStack::new(64 * 1024).unwrap();
    // wait4 without a pidfd, waitid(P_PIDFD) with one.
    for pidfd in [false, true].into_iter().filter(|&p| !p || with_pidfd) {
        let request = Spawn::new(CloneFlags::empty()).pidfd(pidfd);
        let (mut child, mut release) = child_waiting_on_a_pipe(request, &mut stack);
        assert_eq!(child.try_wait(), Ok(None), "pidfd {pidfd}");
        assert_eq!(child.try_wait(), Ok(None), "pidfd {pidfd}");
        release.write_all(&[7]).unwrap();
        assert_eq!(try_wait_until_ended(&mut child), ExitStatus::Exited(7));
        // Reaped: the kernel would answer ECHILD; the Child answers again.
        assert_eq!(child.try_wait(), Ok(Some(ExitStatus::Exited(7))));
        assert_eq!(child.wait(), Ok(ExitStatus::Exited(7)));
    }
    if !with_pidfd {
        eprintln!("SKIPPED the pidfd half: qemu-user has no pidfds");
    }
}

#[test]
fn wait_called_twice_answers_the_same_status_and_the_kernel_no_longer_has_it() {
    let mut stack = MmapStack::new(64 * 1024).unwrap();
    // SAFETY: the closure only returns a constant.
    let mut child =
        unsafe { nsclone::spawn(CloneFlags::empty(), stack.as_mut_slice(), || 3) }.unwrap();
    assert_eq!(child.wait(), Ok(ExitStatus::Exited(3)));
    assert_eq!(child.wait(), Ok(ExitStatus::Exited(3)));
    assert_eq!(
        nsclone::sys::wait4(child.pid(), linux_raw_sys::general::__WALL),
        Err(Errno::ECHILD),
        "reaped once, by the first wait"
    );
}

#[test]
fn kill_sends_the_signal_asked_and_the_status_names_it() {
    let mut stack = MmapStack::new(64 * 1024).unwrap();
    let (mut child, _release) =
        child_waiting_on_a_pipe(Spawn::new(CloneFlags::empty()), &mut stack);
    child.kill(Signal::TERM).unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status, ExitStatus::Signaled(Signal::TERM.raw()));
    assert_eq!((status.code(), status.signal()), (None, Some(15)));
    assert_eq!(status.to_string(), "signal: 15 (SIGTERM)");
}

#[test]
fn kill_after_reaping_reaches_no_process_that_took_the_pid_again() {
    skip_if!(common::under_qemu_user(), "qemu-user has no clone3");
    skip_if!(!common::is_root(), "set_tid needs CAP_SYS_ADMIN");
    let mut stack = MmapStack::new(64 * 1024).unwrap();
    let mut other_stack = MmapStack::new(64 * 1024).unwrap();
    // SAFETY: the closure only returns a constant.
    let mut reaped =
        unsafe { nsclone::spawn(CloneFlags::empty(), stack.as_mut_slice(), || 0) }.unwrap();
    assert_eq!(reaped.wait(), Ok(ExitStatus::Exited(0)));
    // Another process with the reaped child's PID: what kill(2) would reach.
    let pid = [reaped.pid()];
    let request = Spawn::new(CloneFlags::empty()).set_tid(&pid);
    let (mut other, mut release) = child_waiting_on_a_pipe(request, &mut other_stack);
    assert_eq!(other.pid(), reaped.pid());

    assert_eq!(reaped.kill(Signal::KILL), Ok(()));

    assert_eq!(other.try_wait(), Ok(None), "the PID's new owner was killed");
    release.write_all(&[0]).unwrap();
    assert_eq!(other.wait(), Ok(ExitStatus::Exited(0)));
}

#[test]
fn exit_statuses_print_as_std_prints_them() {
    assert_eq!(ExitStatus::Exited(3).to_string(), "exit status: 3");
    assert_eq!(ExitStatus::Exited(0).to_string(), "exit status: 0");
    assert_eq!(ExitStatus::Signaled(9).to_string(), "signal: 9 (SIGKILL)");
    assert_eq!(ExitStatus::Signaled(40).to_string(), "signal: 40");
    // Every exit code and every signal (no core dump: ExitStatus keeps none).
    let raw_statuses = (0..=255).map(|code| code << 8).chain(1..=64);
    for raw in raw_statuses {
        let std_status = std::process::ExitStatus::from_raw(raw);
        let ours = ExitStatus::from_raw(raw);
        let (ours_text, std_text) = (ours.to_string(), std_status.to_string());
        // std names a signal from the libc crate's list for the target,
        // which lacks some (SIGSTKFLT on riscv64); ours names every one the
        // kernel has, after the same words.
        let named_where_std_is_not = ours_text.starts_with(&std_text)
            && ours_text[std_text.len()..].starts_with(" (SIG")
            && !std_text.contains('(');
        assert!(
            ours_text == std_text || named_where_std_is_not,
            "{raw:#x}: {ours_text} against std's {std_text}"
        );
        assert_eq!(ours.code(), std_status.code(), "{raw:#x}");
        assert_eq!(ours.signal(), std_status.signal(), "{raw:#x}");
        assert_eq!(ours.success(), std_status.success(), "{raw:#x}");
    }
}

#[test]
fn signals_print_their_names_and_refuse_numbers_that_are_none() {
    assert_eq!(Signal::KILL.to_string(), "SIGKILL");
    assert_eq!(format!("{:?}", Signal::HUP), "SIGHUP");
    assert_eq!(Signal::rt(2).map(Signal::raw), Ok(34));
    assert_eq!(
        Signal::from_raw(0).unwrap_err().to_string(),
        "0 is not a signal number (1 to 64)"
    );
    assert_eq!(
        format!("{:?}", Err::<(), _>(Errno::ESRCH)),
        "Err(ESRCH: no such process)"
    );
}
