//! Children with a pidfd (clone3's CLONE_PIDFD): waited for and killed
//! through it. qemu-user has neither clone3 nor pidfds.

use crate::cases::{expect_status, Outcome, Tally};
use crate::{ensure, fail, sys};
use core::ffi::c_int;
use nsclone::{CloneFlags, ExitStatus, MmapStack, Signal, Spawn};

const SIGKILL: c_int = linux_raw_sys::general::SIGKILL as c_int;

pub fn run(tally: &mut Tally) {
    tally.run(
        format_args!("pidfd: wait through it gives the exit status"),
        || {
            with_pidfd_child(
                || 42,
                |mut child| expect_status(child.wait(), ExitStatus::Exited(42)),
            )
        },
    );
    tally.run(
        format_args!("pidfd: kill through it ends the child"),
        || {
            with_pidfd_child(
                || loop {
                    sys::sleep_ms(1000);
                },
                |mut child| match child.kill(Signal::KILL) {
                    Ok(()) => expect_status(child.wait(), ExitStatus::Signaled(SIGKILL)),
                    Err(err) => fail!("kill: {err}"),
                },
            )
        },
    );
}

/// Spawns `body` with a pidfd and hands the child to `then`.
fn with_pidfd_child(
    body: impl FnOnce() -> c_int,
    then: impl FnOnce(nsclone::Child) -> Outcome,
) -> Outcome {
    let Ok(mut stack) = MmapStack::new(64 * 1024) else {
        fail!("mmap a stack")
    };
    let request = Spawn::new(CloneFlags::empty()).pidfd(true);
    // SAFETY: the runner links no C library; its bodies make raw syscalls only.
    match unsafe { request.spawn(stack.as_mut_slice(), body) } {
        Ok(child) => {
            ensure!(child.pidfd().is_some(), "the child has no pidfd");
            then(child)
        }
        Err(err) => fail!("spawn: {err}"),
    }
}
