//! `Handshake`: a close-on-exec pipe between a parent and the child it just
//! created, before the child's closure runs: either the child waits until
//! the parent has prepared it (written its ID maps), or it reports to the
//! parent how preparing itself went (entering a time namespace).

use crate::sys::errno::{Errno, Result};
use crate::sys::fd::{BorrowedFd, OwnedFd};
use crate::sys::syscall;
use core::ffi::c_int;

/// The parent's side: both pipe ends, closed on drop. Dropping it without
/// [`give`](Self::give) tells a waiting child not to go on.
pub(crate) struct Handshake {
    read: OwnedFd,
    write: OwnedFd,
}

/// The child's side: the same two descriptor numbers in its copy of the fd table.
#[derive(Copy, Clone)]
pub(crate) struct ChildEnd {
    read: c_int,
    write: c_int,
}

impl Handshake {
    pub(crate) fn new() -> Result<Handshake> {
        let (read, write) = syscall::pipe()?;
        Ok(Handshake { read, write })
    }

    /// What the child needs for its side.
    pub(crate) fn child_end(&self) -> ChildEnd {
        ChildEnd {
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

    /// The child's [`report`](ChildEnd::report); `EIO` if it ended without one.
    pub(crate) fn read_report(self) -> Result<()> {
        // Ours closed, the write end is the child's only: its end reads as end of file.
        drop(self.write);
        let mut bytes = [0u8; 4];
        match syscall::read(self.read.as_fd(), &mut bytes)? {
            4 => match i32::from_ne_bytes(bytes) {
                0 => Ok(()),
                err => Err(Errno::from_raw(err)),
            },
            _ => Err(Errno::EIO),
        }
    }
}

impl ChildEnd {
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

    /// In the child: tells the parent how preparing went, and closes both ends.
    pub(crate) fn report(self, result: Result<()>) {
        syscall::close(self.read);
        let word = result.err().map_or(0, Errno::raw);
        // SAFETY: the child's copy of the write end stays open until closed below.
        let _ = syscall::write(
            unsafe { BorrowedFd::borrow_raw(self.write) },
            &word.to_ne_bytes(),
        );
        syscall::close(self.write);
    }
}
