//! `Handshake`: a close-on-exec pipe between a parent and the child it just
//! created, before the child runs anything of the caller's: either the
//! child waits until the parent has prepared it (written its ID maps), or
//! it reports to the parent how preparing itself went (the time namespace
//! and the setup steps, `setup::report`). `Channel`: the socket pair that
//! tells the parent an exec child left its memory, and carries its hold.

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
}

/// A socket pair between a parent and an exec child that shares its
/// memory without `CLONE_VFORK`: the child's end closes when it execs or
/// exits (the kernel releases a process's memory before its descriptors),
/// which the parent reads as end of file; before that, a child with a hold
/// point says it holds, and waits for the parent to release it.
pub(crate) struct Channel {
    parent: OwnedFd,
    child: Option<OwnedFd>,
}

/// What a holding child sends: a byte, then its seccomp listener's number
/// (-1 for none).
type HoldMessage = [u8; 5];

impl Channel {
    pub(crate) fn new() -> Result<Channel> {
        let (parent, child) = syscall::socket_pair()?;
        Ok(Channel {
            parent,
            child: Some(child),
        })
    }

    /// The numbers of the child's end, which it keeps until it execs, and
    /// of ours, which it closes first.
    pub(crate) fn child_fds(&self) -> (c_int, c_int) {
        (
            self.child.as_ref().map_or(-1, OwnedFd::as_raw_fd),
            self.parent.as_raw_fd(),
        )
    }

    /// In the parent, once the child exists: closes our copy of its end.
    pub(crate) fn child_started(&mut self) {
        self.child = None;
    }

    /// In the parent: the child's hold message (its seccomp listener's
    /// number, or -1), `None` if it left without holding.
    pub(crate) fn read_hold(&self) -> Option<c_int> {
        let mut message = HoldMessage::default();
        match syscall::read(self.parent.as_fd(), &mut message) {
            Ok(5) => Some(c_int::from_ne_bytes([
                message[1], message[2], message[3], message[4],
            ])),
            _ => None,
        }
    }

    /// In the parent: lets a holding child go on.
    pub(crate) fn release(&self) -> Result<()> {
        syscall::write(self.parent.as_fd(), b"1").map(drop)
    }

    /// In the parent: waits until the child's end closes.
    pub(crate) fn wait_for_close(self) {
        let mut byte = [0u8; 1];
        while let Ok(1..) = syscall::read(self.parent.as_fd(), &mut byte) {}
    }
}

/// In the child, on its end `fd` of a [`Channel`]: says it holds (with its
/// seccomp listener's number), and waits; whether the parent released it.
pub(crate) fn hold(fd: c_int, listener: c_int) -> bool {
    let mut message = HoldMessage::default();
    message[1..].copy_from_slice(&listener.to_ne_bytes());
    // SAFETY: the child's end stays open until it execs or exits.
    let fd = unsafe { BorrowedFd::borrow_raw(fd) };
    let mut byte = [0u8; 1];
    syscall::write(fd, &message) == Ok(5) && syscall::read(fd, &mut byte) == Ok(1)
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
    /// end to report on (or whose closing the parent waits for).
    pub(crate) fn into_report_fd(self) -> c_int {
        syscall::close(self.read);
        self.write
    }
}
