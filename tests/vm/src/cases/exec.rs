//! `Spawn::exec`, the vfork-style start of a program, on a real kernel
//! (qemu-user turns CLONE_VM|CLONE_VFORK into fork).

use crate::cases::{expect_status, Tally};
use crate::programs::{run_program, Program};
use crate::{ensure, fail};
use nsclone::{Errno, ExitStatus};

pub fn run(tally: &mut Tally) {
    tally.run(
        format_args!("exec: a program runs, its status comes back"),
        || {
            expect_status(
                run_program(&Program::new(&[c"/bin/true"])),
                ExitStatus::Exited(0),
            )?;
            expect_status(
                run_program(&Program::new(&[c"/bin/sh", c"-c", c"exit 9"])),
                ExitStatus::Exited(9),
            )
        },
    );
    tally.run(
        format_args!("exec: a missing program is ENOENT from exec"),
        || match Program::new(&[c"/bin/no-such-program"]).start() {
            Err(err) => {
                ensure!(err == Errno::ENOENT, "exec answered {err}, expected ENOENT");
                Ok(())
            }
            Ok(child) => fail!("it started (pid {})", child.pid()),
        },
    );
}
