//! `nsrun` on a real kernel, started by PID 1 of a machine: a PID
//! namespace's init that reaps orphans and forwards signals, its exit
//! status mirrored, and namespaces the program observes.

use crate::cases::{expect_status, Outcome, Tally};
use crate::programs::{run_program, Program};
use crate::setup::HOSTNAME;
use crate::{ensure, fail, sys};
use core::ffi::CStr;
use nsclone::ExitStatus;

const SIGTERM: i32 = linux_raw_sys::general::SIGTERM as i32;
const SIGUSR1: i32 = linux_raw_sys::general::SIGUSR1 as i32;

/// Exits 0 when the program is pid 2 under nsrun as pid 1, with a fresh
/// /proc, and the orphan it leaves is reaped (no zombie after it ends).
const REAPS_ORPHANS: &CStr = c"[ $$ = 2 ] || exit 3
[ \"$(cat /proc/1/comm)\" = nsrun ] || exit 4
sh -c 'sleep 0.2 & exit 0'
sleep 1
[ \"$(cat /proc/[0-9]*/stat | grep -c ') Z ')\" = 0 ] || exit 5";

/// Signals readiness, then exits 7 on SIGTERM.
const EXITS_7_ON_TERM: &CStr = c"trap 'exit 7' TERM
touch /tmp/term-ready
while :; do sleep 0.05; done";

/// `id` in a user namespace without maps: the overflow uid.
const UNMAPPED_UID: &CStr = c"[ \"$(id -u)\" = 65534 ]";

/// `-r`: uid 0 inside, mapped to one id.
const ROOT_MAPPED: &CStr = c"read inside outside count < /proc/self/uid_map
[ \"$(id -u) $inside $outside $count\" = '0 0 0 1' ]";

/// `--boottime 1000`: /proc/uptime (CLOCK_BOOTTIME) is over 1000 s.
const BOOTTIME_AHEAD: &CStr = c"read up idle < /proc/uptime
[ \"${up%%.*}\" -ge 1000 ]";

pub fn run(tally: &mut Tally) {
    tally.run(
        format_args!("nsrun -p --mount-proc: program pid 2 under nsrun, orphans reaped"),
        || {
            expect_exit(
                &[
                    c"-p",
                    c"--mount-proc",
                    c"--",
                    c"/bin/sh",
                    c"-c",
                    REAPS_ORPHANS,
                ],
                0,
            )
        },
    );
    tally.run(
        format_args!("nsrun -p: SIGTERM forwarded to the program"),
        forwards_sigterm,
    );
    tally.run(
        format_args!("nsrun: exit status 7 and 127 mirrored"),
        || {
            expect_exit(&[c"-u", c"--", c"/bin/sh", c"-c", c"exit 7"], 7)?;
            expect_exit(&[c"--", c"/bin/no-such-program"], 127)
        },
    );
    tally.run(format_args!("nsrun: a killing signal is re-raised"), || {
        let argv = [c"/bin/nsrun", c"--", c"/bin/sh", c"-c", c"kill -USR1 $$"];
        expect_status(
            run_program(&Program::new(&argv)),
            ExitStatus::Signaled(SIGUSR1),
        )
    });
    tally.run(format_args!("nsrun --hostname: seen inside only"), || {
        let check = c"[ \"$(hostname)\" = nsrun-demo ]";
        expect_exit(
            &[
                c"--hostname",
                c"nsrun-demo",
                c"--",
                c"/bin/sh",
                c"-c",
                check,
            ],
            0,
        )?;
        ensure!(sys::nodename_is(HOSTNAME), "the machine's hostname changed");
        Ok(())
    });
    tally.run(
        format_args!("nsrun -U and -r: unmapped and root-mapped uids"),
        || {
            expect_exit(&[c"-U", c"--", c"/bin/sh", c"-c", UNMAPPED_UID], 0)?;
            expect_exit(&[c"-r", c"--", c"/bin/sh", c"-c", ROOT_MAPPED], 0)
        },
    );
    tally.run(
        format_args!("nsrun --boottime 1000: uptime ahead inside"),
        || {
            expect_exit(
                &[
                    c"--boottime",
                    c"1000",
                    c"--",
                    c"/bin/sh",
                    c"-c",
                    BOOTTIME_AHEAD,
                ],
                0,
            )
        },
    );
}

/// Runs `/bin/nsrun args...` and expects exit status `code`.
fn expect_exit(args: &[&CStr], code: i32) -> Outcome {
    let mut argv = [c""; 12];
    argv[0] = c"/bin/nsrun";
    argv[1..=args.len()].copy_from_slice(args);
    let program = Program::new(&argv[..=args.len()]);
    expect_status(run_program(&program), ExitStatus::Exited(code))
}

fn forwards_sigterm() -> Outcome {
    let argv = [
        c"/bin/nsrun",
        c"-p",
        c"--",
        c"/bin/sh",
        c"-c",
        EXITS_7_ON_TERM,
    ];
    let mut child = match Program::new(&argv).start() {
        Ok(child) => child,
        Err(err) => fail!("start nsrun: {err}"),
    };
    let ready = (0..400).any(|_| {
        sys::sleep_ms(50);
        sys::exists(c"/tmp/term-ready")
    });
    if !ready {
        let _ = child.kill(nsclone::Signal::KILL);
        let _ = child.wait();
        fail!("the program never signalled readiness");
    }
    ensure!(sys::kill(child.pid(), SIGTERM).is_ok(), "kill nsrun");
    expect_status(child.wait(), ExitStatus::Exited(7))
}
