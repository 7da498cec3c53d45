//! `GoAhead`: a close-on-exec pipe on which a new child waits until its
//! parent has prepared it (written its ID maps), before its closure runs.

use crate::errno::{Errno, Result};
use crate::fd::{BorrowedFd, OwnedFd};
use crate::syscall;
use core::ffi::c_int;

/// The parent's side: both pipe ends, closed on drop. Dropping it without
/// [`give`](Self::give) tells the waiting child not to go on.
pub(crate) struct GoAhead {
    read: OwnedFd,
    write: OwnedFd,
}

/// The child's side: the same two descriptor numbers in its copy of the fd table.
#[derive(Copy, Clone)]
pub(crate) struct Gate {
    read: c_int,
    write: c_int,
}

impl GoAhead {
    pub(crate) fn new() -> Result<GoAhead> {
        let (read, write) = syscall::pipe()?;
        Ok(GoAhead { read, write })
    }

    /// What the child needs to wait.
    pub(crate) fn gate(&self) -> Gate {
        Gate {
            read: self.read.as_raw_fd(),
            write: self.write.as_raw_fd(),
        }
    }

    /// Lets the child go on.
    pub(crate) fn give(self) -> Result<()> {
        match syscall::write(self.write.as_fd(), b"1")? {
            1 => Ok(()),
            _ => Err(Errno::EIO),
        }
    }
}

impl Gate {
    /// In the child: closes its copy of the write end (so a parent that gives
    /// up reads as end of file), waits for one byte, closes the read end.
    /// Returns whether the parent said go.
    pub(crate) fn wait(self) -> bool {
        syscall::close(self.write);
        let mut byte = [0u8; 1];
        // SAFETY: the child's copy of the read end stays open until closed below.
        let read = syscall::read(unsafe { BorrowedFd::borrow_raw(self.read) }, &mut byte);
        syscall::close(self.read);
        read == Ok(1)
    }
}
