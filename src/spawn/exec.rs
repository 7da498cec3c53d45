//! Starting a program in new namespaces, vfork-style: the child shares the
//! parent's memory (`CLONE_VM`, with `CLONE_VFORK` unless the parent acts
//! while it waits), so the cost does not grow with the parent's size, and
//! runs only this crate's raw syscalls (its setup) until execve.

use crate::error::refusal::Refusal;
use crate::error::{Error, Step};
use crate::flags::CloneFlags;
use crate::setup::report::{ChildContext, Failure, SharedRecord};
use crate::setup::Setup;
use crate::spawn::child::Child;
use crate::spawn::handshake::Handshake;
use crate::spawn::program::{execvpe, CStrArray};
use crate::spawn::{SetupInExec, Spawn};
use crate::sys::signals::{set_mask, ALL_SIGNALS};
use core::ffi::{c_int, CStr};

/// The stack `Spawn::exec` asks for: its child's frames (the setup's steps
/// and execve) need a fraction of it, even unoptimized.
pub const EXEC_STACK: usize = 16 * 1024;

/// The exit status of a vfork child whose execve failed (the parent reaps it
/// and returns the error instead).
const EXEC_FAILED: c_int = 127;

impl Spawn<'_> {
    /// Starts the program `path` (a bare name is searched in `envp`'s
    /// `PATH`: [`execvpe`]) with `argv` and `envp` in a child created
    /// with this request plus `CLONE_VM` (and `CLONE_VFORK` unless the
    /// parent acts while the child waits: ID maps, a parent-death signal):
    /// the child shares the parent's memory until execve, so starting it
    /// costs the same whatever the parent's size. Returns once the program
    /// runs.
    ///
    /// Safe from any parent, threads included: the child runs only this
    /// crate's code, raw syscalls a few frames deep on `stack` (no lock, no
    /// allocation, nothing of the C library's). As posix_spawn does, every
    /// signal is blocked across the clone. The child runs the
    /// [`setup`](Self::setup)'s steps, or with none the default [`Setup`](crate::Setup):
    /// every signal handler back to its default and an empty mask, as
    /// `std::process::Command` leaves them. It ends with `exit_group` if a
    /// step or execve fails.
    ///
    /// ID maps are written while the child waits, as for
    /// [`spawn`](Self::spawn); time offsets cannot be set (the child would
    /// need memory of its own): [`check_exec`](Self::check_exec) names the
    /// refusal.
    ///
    /// # Errors
    ///
    /// [`Error::Invalid`] or [`Error::Refused`] as
    /// [`check_exec`](Self::check_exec) names them, or
    /// [`Refusal::StackTooSmall`] for a stack below [`EXEC_STACK`] bytes
    /// (no guard below it is needed);
    /// [`Error::Kernel`] as for [`Spawn::spawn`]; [`Error::Step`] with the
    /// step that failed, or [`Step::Exec`] and [`execvpe`]'s errno (`ENOENT`,
    /// `EACCES`, `ENOEXEC`, ...) when the program could not be started
    /// (the child is reaped, unless `CLONE_PARENT` made it the caller's
    /// parent's child).
    pub fn exec(
        &self,
        stack: &mut [u8],
        path: &CStr,
        argv: CStrArray<'_>,
        envp: CStrArray<'_>,
    ) -> Result<Child, Error> {
        self.check_exec()?;
        if stack.len() < EXEC_STACK {
            return Err(Refusal::StackTooSmall.into());
        }
        let request = self.with_flags(self.exec_flags());
        let setup = self.setup.map_or(Setup::new(), |setup| *setup.setup);
        let record = SharedRecord::new();
        // Without CLONE_VFORK, the parent learns that the child left its
        // memory when the child's copy of this pipe closes.
        let left = if request.flags.contains(CloneFlags::VFORK) {
            None
        } else {
            Some(Handshake::new()?)
        };
        let own_fd = left.as_ref().map_or(-1, |left| left.child_end().write_fd());
        let old_mask = set_mask(ALL_SIGNALS);
        let run = || {
            let mut context = ChildContext {
                own_fd,
                mask: Some(old_mask),
                execs: true,
            };
            let failure = match setup.run(&mut context) {
                Ok(()) => Failure {
                    step: Step::Exec,
                    index: 0,
                    errno: execvpe(path, argv, envp),
                },
                Err(failure) => failure,
            };
            // The parent reads it once the child has left its memory.
            record.record(failure);
            EXEC_FAILED
        };
        // SAFETY: `check_exec` passed; the child runs only this crate's raw
        // syscalls, a few frames deep, well within EXEC_STACK, so it stays on
        // `stack` (no guard needed below it) and touches only `record`; the
        // parent returns only once the child has left its memory (vfork, or
        // the `left` pipe).
        let started = unsafe { request.place_and_start(stack, run, SetupInExec(left)) };
        set_mask(old_mask);
        let child = started?;
        match record.failure() {
            None => Ok(child),
            Some(failure) => {
                let _ = child.wait();
                Err(setup.error(failure).into())
            }
        }
    }
}
