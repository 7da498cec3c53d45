//! The cases, one file per subject, and how they report.

mod differential;
mod exec;
mod kernel_lines;
mod namespaces;
mod nsrun;
mod pidfd;
mod suite;

use crate::out::Line;
use crate::{say, sys};
use nsclone::ExitStatus;

/// A case's result: the reason it failed, as one line.
pub type Outcome = Result<(), Line>;

/// `fail!("format", args...)`: returns a failed [`Outcome`].
#[macro_export]
macro_rules! fail {
    ($($arg:tt)*) => {
        return Err($crate::out::Line::new(format_args!($($arg)*)))
    };
}

/// `ensure!(condition, "format", args...)`: fails unless `condition`.
#[macro_export]
macro_rules! ensure {
    ($cond:expr, $($arg:tt)*) => {
        if !$cond {
            $crate::fail!($($arg)*);
        }
    };
}

/// Counts of the cases run so far.
#[derive(Default)]
pub struct Tally {
    pub passed: u32,
    pub failed: u32,
}

impl Tally {
    /// Runs one case and prints its line. Orphans the case left to PID 1
    /// are reaped afterwards.
    pub fn run(&mut self, name: core::fmt::Arguments<'_>, case: impl FnOnce() -> Outcome) {
        match case() {
            Ok(()) => {
                self.passed += 1;
                say!("PASS {name}");
            }
            Err(why) => {
                self.failed += 1;
                say!("FAIL {name}: {}", why.as_str());
            }
        }
        sys::reap_ended();
    }
}

/// Every case after the machine's setup.
pub fn run_all(tally: &mut Tally) {
    namespaces::run(tally);
    pidfd::run(tally);
    exec::run(tally);
    nsrun::run(tally);
    differential::run(tally);
    kernel_lines::run(tally);
    suite::run(tally);
}

/// Fails unless a child ended with `want`.
pub fn expect_status(got: nsclone::Result<ExitStatus>, want: ExitStatus) -> Outcome {
    match got {
        Ok(got) if got == want => Ok(()),
        Ok(got) => fail!("child ended {got:?}, expected {want:?}"),
        Err(err) => fail!("wait: {err}"),
    }
}
