//! `Handshake`: a close-on-exec pipe between a parent and the child it just
//! created, before the child runs anything of the caller's: either the
//! child waits until the parent has prepared it (written its ID maps), or
//! it reports to the parent how preparing itself went (the time namespace
//! and the setup steps, `setup::report`). `Channel`: the socket pair that
//! tells the parent an exec child left its memory, and carries its hold.

use crate::setup::report::{decode, encode, Failure, ReportBytes};
use crate::sys::errno::{Errno, Result};
use crate::sys::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
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

    /// A handshake on a socket pair instead of a pipe: the parent can send
    /// the child descriptors on it too (`read` is the parent's end).
    pub(crate) fn new_socket() -> Result<Handshake> {
        let (read, write) = syscall::socket_pair()?;
        Ok(Handshake { read, write })
    }

    /// The parent's end, for sending the child descriptors.
    pub(crate) fn parent_end(&self) -> BorrowedFd<'_> {
        self.read.as_fd()
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

/// A socket pair between a parent and an exec child that does not wait
/// in `CLONE_VFORK`: the child's end closes when it execs or exits (the
/// kernel releases a process's memory before its descriptors), which the
/// parent reads as end of file; before that, the child says it holds (and
/// waits for the parent to release it) or which step failed.
pub(crate) struct Channel {
    parent: OwnedFd,
    child: Option<OwnedFd>,
}

/// What an exec child says on its end of a [`Channel`].
#[derive(Copy, Clone)]
pub(crate) enum Message {
    /// It holds, with its seccomp listener's number (-1 for none).
    Holds(c_int),
    /// A step failed; it exits.
    Failed(Failure),
    /// Its end closed (it exec'd or exited) without a word.
    Closed,
}

/// A message's bytes: a tag, then a listener's number or a report.
type MessageBytes = [u8; 13];
const HOLDS: u8 = b'H';
const FAILED: u8 = b'F';

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

    /// Our end, for sending the child descriptors.
    pub(crate) fn parent_end(&self) -> BorrowedFd<'_> {
        self.parent.as_fd()
    }

    /// In the parent, once the child exists: closes our copy of its end.
    pub(crate) fn child_started(&mut self) {
        self.child = None;
    }

    /// In the parent: the child's next message (each is one write(2) of
    /// less than a page, which one read(2) gets whole).
    pub(crate) fn read_message(&self) -> Message {
        let mut bytes = MessageBytes::default();
        match syscall::read(self.parent.as_fd(), &mut bytes) {
            Ok(5) if bytes[0] == HOLDS => Message::Holds(c_int::from_ne_bytes([
                bytes[1], bytes[2], bytes[3], bytes[4],
            ])),
            Ok(13) if bytes[0] == FAILED => {
                let mut report = ReportBytes::default();
                report.copy_from_slice(&bytes[1..]);
                match decode(report) {
                    Ok(Err(failure)) => Message::Failed(failure),
                    _ => Message::Closed,
                }
            }
            _ => Message::Closed,
        }
    }

    /// In the parent: lets a holding child go on (`EPIPE`, and no
    /// `SIGPIPE`, if it died while held).
    pub(crate) fn release(&self) -> Result<()> {
        syscall::send(self.parent.as_fd(), b"1").map(drop)
    }

    /// In the parent: waits until the child's end closes.
    pub(crate) fn wait_for_close(self) {
        self.wait_until_closed();
    }

    /// [`wait_for_close`](Self::wait_for_close), keeping the channel.
    pub(crate) fn wait_until_closed(&self) {
        let mut byte = [0u8; 1];
        while let Ok(1..) = syscall::read(self.parent.as_fd(), &mut byte) {}
    }
}

/// In the child, on its end `fd` of a [`Channel`]: says it holds (with its
/// seccomp listener's number), and waits; whether the parent released it.
pub(crate) fn hold(fd: c_int, listener: c_int) -> bool {
    let mut message = [HOLDS, 0, 0, 0, 0];
    message[1..].copy_from_slice(&listener.to_ne_bytes());
    let mut byte = [0u8; 1];
    syscall::write_numbered(fd, &message) == Ok(5) && syscall::read_numbered(fd, &mut byte) == Ok(1)
}

/// In the child, on its end `fd` of a [`Channel`]: says which step failed.
pub(crate) fn tell_failure(fd: c_int, failure: Failure) {
    let mut message = MessageBytes::default();
    message[0] = FAILED;
    message[1..].copy_from_slice(&encode(Err(failure)));
    let _ = syscall::write_numbered(fd, &message);
}

impl ChildEnd {
    /// In the child: closes its copy of the write end (so a parent that gives
    /// up reads as end of file), waits for one byte, closes the read end.
    /// Returns whether the parent said go.
    pub(crate) fn wait(self) -> bool {
        syscall::close(self.write);
        let mut byte = [0u8; 1];
        let read = syscall::read_numbered(self.read, &mut byte);
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
