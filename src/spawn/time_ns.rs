//! `TimeOffset`, and how a new child enters a new time namespace with clock
//! offsets before its closure runs, for [`Spawn::time_offsets`].

use crate::error::refusal::Refusal;
use crate::flags::CloneFlags;
use crate::sys::decimal::decimal;
use crate::sys::errno::{Errno, Result};
use crate::sys::syscall;
use core::ffi::c_int;
use linux_raw_sys::general::{O_RDONLY, O_WRONLY};

#[cfg(doc)]
use crate::spawn::Spawn;

/// The offset of one clock in a new time namespace: `seconds` (negative
/// allowed) plus `nanoseconds` (below 1 000 000 000), as
/// `/proc/<pid>/timens_offsets` takes it. −1.5 s is
/// `TimeOffset { seconds: -2, nanoseconds: 500_000_000 }`.
///
/// How [`Spawn::time_offsets`] applies it (time_namespaces(7)): offsets can
/// be written only while no process has entered the new namespace, through
/// `timens_offsets` of a process whose `time_for_children` it is, and only a
/// single-threaded process can setns(2) into a time namespace (`EUSERS`
/// otherwise). So the caller, which may have threads, never unshares
/// anything: the new child, single-threaded by birth and created without
/// `CLONE_NEWTIME`, unshares `CLONE_NEWTIME` itself (owned by its user
/// namespace, a new one when asked), writes both offsets in one write(2),
/// enters the namespace through its `time_for_children` (as util-linux
/// `unshare` does without `--fork`), and reports to the parent before its
/// closure runs. The parent's [`Spawn::spawn`] returns only then, with the
/// child's error if it failed (the child is then killed and reaped).
///
/// # Examples
///
/// ```
/// use nsclone::{CloneFlags, Refusal, Spawn, TimeOffset};
///
/// let monotonic = TimeOffset::from_secs(24 * 60 * 60);
/// let boottime = TimeOffset { seconds: -2, nanoseconds: 500_000_000 }; // -1.5 s
/// let request = Spawn::new(CloneFlags::NEWUSER).map_root_user().time_offsets(monotonic, boottime);
/// assert_eq!(request.check(), Ok(()));
///
/// let too_many = TimeOffset { seconds: 0, nanoseconds: 1_000_000_000 };
/// let request = Spawn::new(CloneFlags::NEWUSER).time_offsets(too_many, TimeOffset::ZERO);
/// let err = request.check().unwrap_err();
/// assert_eq!(err.refusal(), Some(Refusal::TimeOffsetNanosecondsTooLarge));
/// ```
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug, Default)]
pub struct TimeOffset {
    /// Whole seconds added to the clock.
    pub seconds: i64,
    /// Nanoseconds added on top of `seconds`, in `0..1_000_000_000`.
    pub nanoseconds: u32,
}

impl TimeOffset {
    /// No offset.
    pub const ZERO: TimeOffset = TimeOffset::from_secs(0);

    /// An offset of whole seconds; [example](Self#examples).
    pub const fn from_secs(seconds: i64) -> TimeOffset {
        TimeOffset {
            seconds,
            nanoseconds: 0,
        }
    }
}

/// The offsets a request sets: `CLOCK_MONOTONIC`'s and `CLOCK_BOOTTIME`'s.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub(crate) struct TimeOffsets {
    pub(crate) monotonic: TimeOffset,
    pub(crate) boottime: TimeOffset,
}

const NSEC_PER_SEC: u32 = 1_000_000_000;

impl TimeOffsets {
    /// Why a request with these offsets and `flags` is refused, if it is.
    pub(crate) fn refusal(&self, flags: CloneFlags) -> Option<Refusal> {
        if self.monotonic.nanoseconds >= NSEC_PER_SEC || self.boottime.nanoseconds >= NSEC_PER_SEC {
            Some(Refusal::TimeOffsetNanosecondsTooLarge)
        } else if flags.contains(CloneFlags::VM) {
            Some(Refusal::TimeOffsetsWithVm)
        } else {
            None
        }
    }

    /// In a new child, before its closure: moves it into a new time
    /// namespace with these offsets (see [`TimeOffset`]).
    pub(crate) fn enter_new(&self) -> Result<()> {
        // SAFETY: a namespace flag, which changes no memory, fds or threads.
        unsafe { syscall::unshare(CloneFlags::NEWTIME.bits()) }?;
        write_offsets(&OffsetsText::new(self))?;
        // A child's code: descriptor numbers and the raw close(2), no
        // `OwnedFd` (whose drop, under `std`, is the C library's).
        let namespace = syscall::open_numbered(c"/proc/self/ns/time_for_children", O_RDONLY)?;
        let entered = syscall::setns(namespace, CloneFlags::NEWTIME.bits() as c_int);
        syscall::close(namespace);
        entered
    }
}

/// Writes both offsets to our `time_for_children` in one write(2).
fn write_offsets(text: &OffsetsText) -> Result<()> {
    let fd = syscall::open_numbered(c"/proc/self/timens_offsets", O_WRONLY)?;
    let written = syscall::write_numbered(fd, text.as_bytes());
    syscall::close(fd);
    match written? {
        written if written == text.len => Ok(()),
        _ => Err(Errno::EIO),
    }
}

/// The longest line: a 9-byte clock name, an i64, a u32, two spaces, `\n`.
const LINE_CAPACITY: usize = 9 + 1 + 20 + 1 + 10 + 1;

/// `monotonic S NS\nboottime S NS\n`, as timens_offsets takes it.
struct OffsetsText {
    bytes: [u8; 2 * LINE_CAPACITY],
    len: usize,
}

impl OffsetsText {
    fn new(offsets: &TimeOffsets) -> OffsetsText {
        let mut text = OffsetsText {
            bytes: [0; 2 * LINE_CAPACITY],
            len: 0,
        };
        text.line(b"monotonic", offsets.monotonic);
        text.line(b"boottime", offsets.boottime);
        text
    }

    fn line(&mut self, clock: &[u8], offset: TimeOffset) {
        self.push(clock);
        self.push(b" ");
        if offset.seconds < 0 {
            self.push(b"-");
        }
        self.push_decimal(offset.seconds.unsigned_abs());
        self.push(b" ");
        self.push_decimal(u64::from(offset.nanoseconds));
        self.push(b"\n");
    }

    /// Appends `bytes`; the capacity holds two of the longest lines.
    fn push(&mut self, bytes: &[u8]) {
        let end = self.len + bytes.len();
        if let Some(room) = self.bytes.get_mut(self.len..end) {
            room.copy_from_slice(bytes);
            self.len = end;
        }
    }

    fn push_decimal(&mut self, value: u64) {
        self.push(decimal(value, &mut [0; 20]));
    }

    fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(monotonic: TimeOffset, boottime: TimeOffset) -> OffsetsText {
        OffsetsText::new(&TimeOffsets {
            monotonic,
            boottime,
        })
    }

    #[test]
    fn offsets_format_as_two_lines_with_signed_seconds() {
        let both = text(
            TimeOffset::from_secs(1000),
            TimeOffset {
                seconds: -2,
                nanoseconds: 500_000_000,
            },
        );
        assert_eq!(
            both.as_bytes(),
            b"monotonic 1000 0\nboottime -2 500000000\n"
        );
        let widest = TimeOffset {
            seconds: i64::MIN,
            nanoseconds: u32::MAX,
        };
        let text = text(widest, widest);
        assert_eq!(
            text.as_bytes(),
            b"monotonic -9223372036854775808 4294967295\nboottime -9223372036854775808 4294967295\n"
        );
    }
}
