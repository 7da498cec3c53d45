//! Creating the child that runs a placed closure: clone3 or legacy clone
//! through the trampoline, with the fallback from a clone3 that answers
//! `ENOSYS` or `EPERM`.

use super::placed::Placed;
use super::Spawn;
use crate::flags::check::Syscall;
use crate::pid_t;
use crate::spawn::child::Process;
use crate::spawn::clone3::{clone3, clone3_refused};
use crate::sys::errno::{Errno, Result};
use crate::sys::fd::{AsRawFd, FromRawFd, OwnedFd};
use core::ffi::{c_int, c_void};
use core::ptr;
use linux_raw_sys::general::clone_args;

impl Spawn<'_> {
    /// Creates the child that runs `placed`.
    ///
    /// # Safety
    ///
    /// As for [`spawn_unchecked`](Self::spawn_unchecked), with `placed` on the
    /// stack it was given.
    pub(super) unsafe fn start(&self, placed: Placed) -> Result<Process> {
        let mut pidfd: c_int = -1;
        // SAFETY: the child's stack is `placed.below`, under what it runs,
        // with room for the child's copies of it (`stack_needed_below`);
        // `pidfd` outlives the call. The flags are the caller's responsibility.
        let pid = unsafe { self.create(placed.below, placed.run, placed.slot, &mut pidfd) }?;
        // SAFETY: with CLONE_PIDFD the kernel stored a new descriptor that
        // nothing else owns.
        let pidfd = self.pidfd.then(|| unsafe { OwnedFd::from_raw_fd(pidfd) });
        Ok(Process::new(pid, pidfd))
    }

    /// Makes the syscall: clone3 when [`Self::syscall`] says so, falling back
    /// to legacy clone on `ENOSYS` or `EPERM` when the request allows. Once
    /// legacy clone has made the child, clone3 is known to be missing or
    /// refused (an `EPERM` that legacy clone shares is about privilege).
    ///
    /// # Safety
    ///
    /// As for [`crate::clone`], with `(low, len)` the child's stack.
    unsafe fn create(
        &self,
        (low, len): (*mut u8, usize),
        f: crate::CloneFn,
        arg: *mut c_void,
        pidfd: &mut c_int,
    ) -> Result<pid_t> {
        let tried_clone3 = self.syscall() == Syscall::Clone3;
        if tried_clone3 {
            let mut args = self.clone_args(low, len, pidfd);
            // SAFETY: `args` points at the stack, pidfd, cgroup and PIDs of this request.
            match unsafe { clone3(&mut args, f, arg) } {
                // An old kernel, or a seccomp profile (Docker's answered
                // EPERM before 20.10.10).
                Err(Errno::ENOSYS | Errno::EPERM) if !self.needs_clone3() => {}
                result => return result,
            }
        }
        let word = self.kernel_flags().bits() as u32 | (self.exit_signal as u32 & 0xff);
        let ptid = if self.pidfd {
            pidfd as *mut c_int
        } else {
            ptr::null_mut()
        };
        let top = low.wrapping_add(len);
        // SAFETY: forwarded from the caller; legacy clone writes the pidfd to `ptid`.
        let result = unsafe {
            crate::clone(
                Some(f),
                top,
                word as c_int,
                arg,
                ptid,
                ptr::null_mut(),
                ptr::null_mut(),
            )
        };
        if tried_clone3 && result.is_ok() {
            clone3_refused();
        }
        result
    }

    fn clone_args(&self, low: *mut u8, len: usize, pidfd: &mut c_int) -> clone_args {
        clone_args {
            flags: self.kernel_flags().bits(),
            pidfd: pidfd as *mut c_int as u64,
            child_tid: 0,
            parent_tid: 0,
            exit_signal: self.exit_signal as u64,
            stack: low as u64,
            stack_size: len as u64,
            tls: 0,
            // clone3 refuses a non-null set_tid with size 0 (an empty slice's pointer).
            set_tid: if self.set_tid.is_empty() {
                0
            } else {
                self.set_tid.as_ptr() as u64
            },
            set_tid_size: self.set_tid.len() as u64,
            cgroup: self.cgroup.map_or(0, |fd| fd.as_raw_fd() as u64),
        }
    }
}
