//! `TimeOffset` and the helper process that starts a child in a new time
//! namespace with clock offsets, for [`Spawn::time_offsets`].

use crate::check::Rule;
use crate::child::Child;
use crate::decimal::decimal;
use crate::errno::{Errno, Result};
use crate::fd::BorrowedFd;
use crate::flags::CloneFlags;
use crate::go_ahead::{Gate, GoAhead};
use crate::signals::{set_mask, SigSet, ALL_SIGNALS};
use crate::spawn::{Placed, Prelude, Spawn};
use crate::stack::StaticStack;
use crate::{pid_t, syscall};
use core::ffi::{c_int, c_void};
use core::ptr;
use linux_raw_sys::general::{O_RDONLY, O_WRONLY, SIGKILL};

/// The offset of one clock in a new time namespace: `seconds` (negative
/// allowed) plus `nanoseconds` (below 1 000 000 000), as
/// `/proc/<pid>/timens_offsets` takes it. −1.5 s is
/// `TimeOffset { seconds: -2, nanoseconds: 500_000_000 }`.
///
/// How [`Spawn::time_offsets`] applies it (time_namespaces(7)): offsets can
/// be written only while no process has entered the new namespace, through
/// `timens_offsets` of a process whose `time_for_children` it is, by its main
/// thread; and a process with other threads cannot setns(2) back to its own
/// time namespace (`EUSERS`). So the caller, which may have threads, never
/// unshares anything. A fork-like helper, single-threaded by birth, unshares
/// `CLONE_NEWTIME` (with `CLONE_NEWUSER` when asked, so that the new user
/// namespace owns the time namespace; the caller then writes the ID maps for
/// the helper's pid while it waits), writes both offsets in one write(2),
/// creates the child with the other flags plus `CLONE_PARENT` (so the caller
/// is its parent, and its exit signal is the helper's, the request's),
/// reports the child's pid on a pipe and exits. The helper runs with every
/// signal blocked; the child restores the caller's mask. `CLONE_PARENT` is
/// refused only to a PID-namespace init, which the helper never is, so an
/// init can use this too.
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

    /// An offset of whole seconds.
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

/// The flags whose state the child would share with the helper, not the caller.
const SHARED_WITH_PARENT: CloneFlags = CloneFlags::VM
    .union(CloneFlags::FS)
    .union(CloneFlags::SYSVSEM)
    .union(CloneFlags::IO);

/// The flags the helper is created with too, so a traced caller's child is
/// traced as if the caller had created it.
const HELPER_FLAGS: CloneFlags = CloneFlags::PTRACE.union(CloneFlags::UNTRACED);

/// The helper's stack: it runs raw syscalls a few frames deep, and holds no
/// copy of the caller's closure (the child reads that from its own memory).
const HELPER_STACK: usize = 16 * 1024;

/// The helper's report that it has unshared and waits for the ID maps;
/// its other reports are the child's pid (> 0) or `-errno`.
const UNSHARED: i32 = 0;

impl TimeOffsets {
    /// The rule a request with these offsets and `flags` breaks, if any.
    pub(crate) fn rule(&self, flags: CloneFlags) -> Option<Rule> {
        if self.monotonic.nanoseconds >= NSEC_PER_SEC || self.boottime.nanoseconds >= NSEC_PER_SEC {
            Some(Rule::TimeOffsetNanosecondsTooLarge)
        } else if flags.intersects(SHARED_WITH_PARENT) {
            Some(Rule::TimeOffsetsWithSharing)
        } else if flags.contains(CloneFlags::PARENT) {
            Some(Rule::TimeOffsetsWithParent)
        } else {
            None
        }
    }
}

/// Creates `request`'s child, which runs `placed`, in a new time namespace
/// with `offsets`, through the helper (see [`TimeOffset`]). `request`
/// carries `CLONE_NEWTIME`.
///
/// # Safety
///
/// As for [`Spawn::spawn_unchecked`], with `placed` on the stack it was given.
pub(crate) unsafe fn spawn(
    request: &Spawn<'_>,
    offsets: &TimeOffsets,
    placed: Placed,
) -> Result<Child> {
    let flags = request.flags;
    if offsets.rule(flags).is_some() {
        return Err(Errno::EINVAL);
    }
    pid_for_children_is_own()?;
    let (report_read, report_write) = syscall::pipe()?;
    let maps_written = request.has_id_maps().then(GoAhead::new).transpose()?;
    // Hold the child until the caller has its pidfd, unless the helper (and
    // so the caller) waits for a CLONE_VFORK child to exec or exit.
    let wants_pidfd = request.pidfd;
    let child_go = (wants_pidfd && !flags.contains(CloneFlags::VFORK))
        .then(GoAhead::new)
        .transpose()?;
    let unshared = CloneFlags::NEWTIME | (flags & CloneFlags::NEWUSER);
    let job = Job {
        unshared,
        text: OffsetsText::new(offsets),
        request: request.for_time_helper((flags - unshared) | CloneFlags::PARENT),
        placed,
        report_read: report_read.as_raw_fd(),
        report: report_write.as_raw_fd(),
        maps_written: maps_written.as_ref().map(GoAhead::gate),
        child_go: child_go.as_ref().map(GoAhead::gate),
        mask: 0,
    };
    let mut helper_stack = StaticStack::<HELPER_STACK>::new();
    let helper = start_helper(request, job, helper_stack.as_mut_slice());
    drop(report_write);
    let reported =
        helper.and_then(|helper| follow_helper(request, helper, report_read.as_fd(), maps_written));
    finish(Child::new(reported?, None), wants_pidfd, child_go)
}

/// Creates the helper, with the request's exit signal and tracing flags, on
/// `stack`. It is born with every signal blocked, so that no handler of the
/// caller's runs in it; the child restores the caller's mask.
fn start_helper(request: &Spawn<'_>, mut job: Job<'_>, stack: &mut [u8]) -> Result<Child> {
    let flags = request.flags & HELPER_FLAGS;
    let helper = Spawn::new(flags).exit_signal(request.exit_signal);
    let mask = set_mask(ALL_SIGNALS)?;
    job.mask = mask;
    let below = (stack.as_mut_ptr(), stack.len());
    // SAFETY: a fork-like child (no sharing flags) on a stack of its own,
    // holding the job that `run_helper` reads; it uses its copies of the
    // caller's memory and fds only.
    let helper = unsafe {
        Placed::record(below, job, run_helper).and_then(|placed| helper.spawn_from_caller(placed))
    };
    let _ = set_mask(mask);
    helper
}

/// What the helper does, in its own copy of the caller's memory and fds.
struct Job<'a> {
    unshared: CloneFlags,
    text: OffsetsText,
    request: Spawn<'a>,
    /// The caller's closure on the child's stack, in the helper's memory.
    placed: Placed,
    report_read: c_int,
    report: c_int,
    maps_written: Option<Gate>,
    child_go: Option<Gate>,
    /// The caller's signal mask, for the child (set by [`start_helper`]).
    mask: SigSet,
}

/// The caller's side of the helper's work, [`read_reports`], then reaping
/// it: reaped, it has also finished handing the child to the caller.
fn follow_helper(
    request: &Spawn<'_>,
    helper: Child,
    report: BorrowedFd<'_>,
    maps_written: Option<GoAhead>,
) -> Result<pid_t> {
    let reported = read_reports(request, &helper, report, maps_written);
    if reported.is_err() {
        // It has not created the child: it failed, died, or waits for maps.
        let _ = helper.kill(SIGKILL as c_int);
    }
    let _ = helper.wait();
    reported
}

/// Writes the ID maps when the helper has unshared, then reads the child's pid.
fn read_reports(
    request: &Spawn<'_>,
    helper: &Child,
    report: BorrowedFd<'_>,
    maps_written: Option<GoAhead>,
) -> Result<pid_t> {
    if let Some(maps_written) = maps_written {
        if read_report(report)? != UNSHARED {
            return Err(Errno::EIO);
        }
        request.maps.write(helper.pid())?;
        maps_written.give()?;
    }
    match read_report(report)? {
        pid @ 1.. => Ok(pid),
        _ => Err(Errno::EIO),
    }
}

/// One report from the helper: a value, or the error it reported; `EIO`
/// if it ended without one.
fn read_report(report: BorrowedFd<'_>) -> Result<i32> {
    let mut bytes = [0u8; 4];
    match syscall::read(report, &mut bytes)? {
        4 => match i32::from_ne_bytes(bytes) {
            value @ 0.. => Ok(value),
            err => Err(Errno::from_raw(err.saturating_neg())),
        },
        _ => Err(Errno::EIO),
    }
}

/// Gives `child` its pidfd if asked, then lets it run; on failure kills and
/// reaps it (our child, unreaped, so its pid cannot be reused meanwhile).
fn finish(child: Child, wants_pidfd: bool, child_go: Option<GoAhead>) -> Result<Child> {
    let pid = child.pid();
    let pidfd = if wants_pidfd {
        syscall::pidfd_open(pid).map(Some)
    } else {
        Ok(None)
    };
    let started = pidfd.and_then(|pidfd| child_go.map_or(Ok(()), GoAhead::give).map(|()| pidfd));
    match started {
        Ok(pidfd) => Ok(Child::new(pid, pidfd)),
        Err(err) => {
            let _ = child.kill(SIGKILL as c_int);
            let _ = child.wait();
            Err(err)
        }
    }
}

/// The helper: unshare, wait for the maps, write the offsets, create the
/// child, report. Returns its exit status (the report is what counts).
extern "C" fn run_helper(arg: *mut c_void) -> c_int {
    // SAFETY: `arg` is the `Job` that `start_helper` put on this stack.
    let job = unsafe { ptr::read(arg.cast::<Job<'_>>()) };
    syscall::close(job.report_read);
    // SAFETY: the helper's copy of the write end stays open until it exits.
    let report_fd = unsafe { BorrowedFd::borrow_raw(job.report) };
    let report = |value: i32| {
        let _ = syscall::write(report_fd, &value.to_ne_bytes());
    };
    let fail = |err: Errno| {
        report(-err.raw());
        1
    };
    // SAFETY: only namespace flags, in a process with one thread that shares
    // nothing with the caller.
    if let Err(err) = unsafe { syscall::unshare(job.unshared.bits()) } {
        return fail(err);
    }
    if let Some(maps_written) = job.maps_written {
        report(UNSHARED);
        if !maps_written.wait() {
            return 1;
        }
    }
    if let Err(err) = write_offsets(&job.text) {
        return fail(err);
    }
    let prelude = Prelude {
        close: job.report,
        mask: Some(job.mask),
        gate: job.child_go,
    };
    // SAFETY: the caller lent the child's stack to the child; in this process
    // nothing else uses it. The request's flags passed the rules that keep
    // memory, fds and threads unshared; its ID maps are written and its
    // offsets set.
    let child = unsafe {
        job.placed
            .after(prelude)
            .and_then(|placed| job.request.spawn_from_caller(placed))
    };
    match child {
        Ok(child) => {
            report(child.pid());
            0
        }
        Err(err) => fail(err),
    }
}

/// Refuses a caller whose `pid_for_children` is not its own PID namespace
/// (after unshare(2) or setns(2) of one): there the helper would be PID 1, or
/// report the child's pid in numbers the caller does not use.
fn pid_for_children_is_own() -> Result<()> {
    let identity = |path: &[u8]| syscall::file_identity(syscall::open(path, O_RDONLY)?.as_fd());
    let own = identity(b"/proc/thread-self/ns/pid\0")?;
    match identity(b"/proc/thread-self/ns/pid_for_children\0") {
        Ok(children) if children == own => Ok(()),
        Ok(_) | Err(Errno::ENOENT) => Err(Errno::EINVAL),
        Err(err) => Err(err),
    }
}

/// Writes both offsets to the caller's `time_for_children` in one write(2).
fn write_offsets(text: &OffsetsText) -> Result<()> {
    let fd = syscall::open(b"/proc/self/timens_offsets\0", O_WRONLY)?;
    match syscall::write(fd.as_fd(), text.as_bytes())? {
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
