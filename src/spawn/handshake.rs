//! `Handshake`: a close-on-exec pipe between a parent and the child it just
//! created, before the child runs anything of the caller's: either the
//! child waits until the parent has prepared it (written its ID maps), or
//! it reports to the parent how preparing itself went (the time namespace
//! and the setup steps, `setup::report`).

use crate::setup::report::{decode, Failure, ReportBytes};
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

    /// What the child reported ([`ChildEnd::into_report_fd`]); `EIO` if it
    /// ended without a report.
    pub(crate) fn read_report(self) -> Result<core::result::Result<(), Failure>> {
        // Ours closed, the write end is the child's only: its end reads as end of file.
        drop(self.write);
        // The child writes the report in one write(2) of less than
        // PIPE_BUF bytes, which a read(2) gets whole.
        let mut bytes = ReportBytes::default();
        match syscall::read(self.read.as_fd(), &mut bytes)? {
            12 => decode(bytes),
            _ => Err(Errno::EIO),
        }
    }

    /// Waits until the child closes its copy of the write end, at exec or
    /// exit (the kernel releases a process's memory before its
    /// descriptors), reading nothing else.
    pub(crate) fn wait_for_close(self) {
        drop(self.write);
        let mut byte = [0u8; 1];
        while let Ok(1) = syscall::read(self.read.as_fd(), &mut byte) {}
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

    /// In the child: closes its copy of the read end, and returns the write
    /// end to report on.
    pub(crate) fn into_report_fd(self) -> c_int {
        syscall::close(self.read);
        self.write
    }

    /// The write end's number, which the child keeps until it execs.
    pub(crate) fn write_fd(&self) -> c_int {
        self.write
    }
}
