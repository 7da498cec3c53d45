//! The descriptors a child gets: each target a copy of an inherited
//! descriptor or a file opened onto it, applied as if at once (cycles such
//! as a swap included), then every other descriptor closed if asked.

use crate::error::refusal::Refusal;
use crate::error::{Step, StepArgument};
use crate::setup::report::{ChildContext, Failure};
use crate::sys::decimal::decimal;
use crate::sys::errno::Errno;
use crate::sys::fd_table::{close_listed, close_range, dup_above, CLOSE_RANGE_CLOEXEC};
use crate::sys::syscall::{close, dup_onto, open_numbered_with_mode};
use core::ffi::{c_int, CStr};

/// The most entries [`Setup::fds`](crate::Setup::fds) and
/// [`Setup::close_other_fds`](crate::Setup::close_other_fds) take each: the
/// child keeps a copy of each source on its stack.
pub const MAX_FDS: usize = 64;

/// A descriptor the child gets: its number (the target) and what it
/// refers to.
///
/// # Examples
///
/// A program started as a service manager starts one: stdin from
/// `/dev/null`, the caller's stdout and stderr, a file the caller opened
/// on descriptor 3, and nothing else, not even a descriptor the caller
/// leaked without close-on-exec. The program, a shell, lists its own
/// descriptors with builtins (a command in `$(...)` would see the shell's
/// pipe from it), then reads descriptor 3:
///
/// ```
/// use linux_raw_sys::general::O_RDONLY;
/// use nsclone::{sys, AsRawFd, CStrArray, CloneFlags, ExitStatus, Fd, Setup, Spawn, EXEC_STACK};
///
/// let data = sys::open(c"/proc/sys/kernel/ostype", O_RDONLY)?; // close-on-exec
/// // SAFETY: dup makes a descriptor of ours, closed below.
/// let leaked = unsafe { libc::dup(2) };
/// let fds = [
///     Fd::open(c"/dev/null", O_RDONLY, 0, 0),
///     Fd::copy(1, 1),
///     Fd::copy(2, 2),
///     Fd::copy(data.as_raw_fd(), 3),
/// ];
/// let setup = Setup::new().fds(&fds).close_other_fds(&[]);
/// let test = c"for n in $(seq 0 99); do [ -e /proc/$$/fd/$n ] && open=\"$open $n\"; done
///     [ \"$open\" = ' 0 1 2 3' ] && read -r os <&3 && [ $os = Linux ]";
/// let (mut argv_buf, mut envp_buf) = ([core::ptr::null(); 4], [core::ptr::null(); 2]);
/// let argv = CStrArray::new(&[c"sh", c"-c", test], &mut argv_buf)?;
/// let envp = CStrArray::new(&[c"PATH=/usr/bin:/bin"], &mut envp_buf)?;
/// let mut stack = [0u8; EXEC_STACK];
/// let request = Spawn::new(CloneFlags::empty()).setup(&setup);
/// let mut child = request.exec(&mut stack, c"sh", argv, envp)?;
/// assert_eq!(child.wait()?, ExitStatus::Exited(0));
/// // SAFETY: ours, closed once.
/// unsafe { libc::close(leaked) };
/// # Ok::<(), nsclone::Error>(())
/// ```
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Fd<'a> {
    target: c_int,
    source: Source<'a>,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum Source<'a> {
    /// A descriptor the child inherited.
    Copy(c_int),
    /// A file the child opens.
    Open {
        path: &'a CStr,
        flags: u32,
        mode: u32,
    },
}

impl<'a> Fd<'a> {
    /// `target` refers to what `source` refers to when the child starts
    /// (the parent's descriptor of that number). `copy(n, n)` keeps `n`
    /// open across exec (clears close-on-exec); [example](Fd#examples).
    pub const fn copy(source: c_int, target: c_int) -> Fd<'a> {
        Fd {
            target,
            source: Source::Copy(source),
        }
    }

    /// `target` is `path` opened by the child with `flags` (`O_RDONLY`,
    /// `O_WRONLY | O_CREAT | O_APPEND`, ...: the constants of
    /// `linux_raw_sys::general`, or libc's as `u32`) and `mode` for a file it
    /// creates: after the identity steps (with the child's final IDs) and
    /// in its working directory; [example](Fd#examples).
    pub const fn open(path: &'a CStr, flags: u32, mode: u32, target: c_int) -> Fd<'a> {
        Fd {
            target,
            source: Source::Open { path, flags, mode },
        }
    }

    /// The descriptor number the child gets.
    ///
    /// ```
    /// use nsclone::Fd;
    ///
    /// assert_eq!(Fd::copy(5, 1).target(), 1);
    /// ```
    pub const fn target(&self) -> c_int {
        self.target
    }

    /// The inherited descriptor this is a copy of, if it is one.
    fn copied(&self) -> Option<c_int> {
        match self.source {
            Source::Copy(source) => Some(source),
            Source::Open { .. } => None,
        }
    }
}

/// The code of the descriptor steps, named only by
/// [`Setup::fds`](crate::Setup::fds) and
/// [`Setup::close_other_fds`](crate::Setup::close_other_fds): a program
/// that asks for neither links none of it.
#[derive(Debug)]
pub(super) struct Code {
    pub(super) refusal: fn(&[Fd<'_>], Option<&[c_int]>) -> Option<Refusal>,
    pub(super) apply: Apply,
    pub(super) argument: fn(&[Fd<'_>], usize) -> StepArgument,
}

/// In the child: the descriptors, then the others closed if asked.
type Apply = fn(&[Fd<'_>], Option<&[c_int]>, &mut ChildContext) -> Result<(), Failure>;

pub(super) const CODE: Code = Code {
    refusal,
    apply,
    argument,
};

/// Why these descriptors are refused, if they are.
fn refusal(fds: &[Fd<'_>], keep: Option<&[c_int]>) -> Option<Refusal> {
    let keep = keep.unwrap_or(&[]);
    if fds.len() > MAX_FDS || keep.len() > MAX_FDS {
        return Some(Refusal::TooManyFds);
    }
    let sources = fds.iter().filter_map(|fd| match fd.source {
        Source::Copy(source) => Some(source),
        Source::Open { .. } => None,
    });
    let mut numbers = fds
        .iter()
        .map(Fd::target)
        .chain(sources)
        .chain(keep.iter().copied());
    if numbers.any(|fd| fd < 0) {
        return Some(Refusal::FdNegative);
    }
    let twice = fds
        .iter()
        .enumerate()
        .any(|(i, fd)| fds[..i].iter().any(|earlier| earlier.target == fd.target));
    twice.then_some(Refusal::FdTargetTwice)
}

/// In the child: gives it `fds`, then closes the rest but `keep` if asked.
fn apply(
    fds: &[Fd<'_>],
    keep: Option<&[c_int]>,
    context: &mut ChildContext,
) -> Result<(), Failure> {
    // The crate's descriptor is not the caller's: as if the child had not
    // inherited it (a copy would outlive the exec, and with it the wait of
    // a parent that waits for it to close).
    if context.own_fd >= 0 {
        if let Some(index) = fds
            .iter()
            .position(|fd| fd.copied() == Some(context.own_fd))
        {
            return Err(Failure {
                step: Step::FdCopy,
                index,
                errno: Errno::EBADF,
            });
        }
    }
    let is_target = |n: c_int| fds.iter().any(|fd| fd.target == n);
    // Above every target and every source, so that no copy is overwritten
    // by a target, nor lands on a source still to be copied (which the
    // child may not have inherited). Saturating: `c_int::MAX` is a number
    // like any other here, and F_DUPFD then answers EINVAL.
    let floor = fds
        .iter()
        .flat_map(|fd| [Some(fd.target), fd.copied()])
        .flatten()
        .max()
        .map_or(0, |highest| highest.saturating_add(1));
    if context.own_fd >= 0 && is_target(context.own_fd) {
        let moved = Failure::of(Step::CloseFds, 0, dup_above(context.own_fd, floor))?;
        close(context.own_fd);
        context.own_fd = moved;
    }
    let mut copies = [-1 as c_int; MAX_FDS];
    let result = copy_all(fds, floor, &mut copies);
    for &copy in copies.iter().take_while(|&&copy| copy >= 0) {
        close(copy);
    }
    result?;
    let Some(keep) = keep else {
        return Ok(());
    };
    let own = context.own_fd;
    let kept = [own]
        .into_iter()
        .chain(fds.iter().map(Fd::target))
        .chain(keep.iter().copied());
    // The lowest kept descriptor from `n` on.
    let next_kept = |n: c_int| kept.clone().filter(|&fd| fd >= n).min();
    Failure::of(Step::CloseFds, 0, close_others(next_kept, context.execs))
}

/// Makes a close-on-exec copy of every source from `floor` on, into
/// `copies`, then puts each on its target.
fn copy_all(fds: &[Fd<'_>], floor: c_int, copies: &mut [c_int; MAX_FDS]) -> Result<(), Failure> {
    for (index, (fd, copy)) in fds.iter().zip(copies.iter_mut()).enumerate() {
        *copy = match fd.source {
            Source::Copy(source) => Failure::of(Step::FdCopy, index, dup_above(source, floor))?,
            Source::Open { path, flags, mode } => {
                let opened = Failure::of(
                    Step::FdOpen,
                    index,
                    open_numbered_with_mode(path, flags, mode),
                )?;
                if opened >= floor {
                    opened
                } else {
                    let moved = dup_above(opened, floor);
                    close(opened);
                    Failure::of(Step::FdOpen, index, moved)?
                }
            }
        };
    }
    for (index, (fd, &copy)) in fds.iter().zip(copies.iter()).enumerate() {
        let step = match fd.source {
            Source::Copy(_) => Step::FdCopy,
            Source::Open { .. } => Step::FdOpen,
        };
        Failure::of(step, index, dup_onto(copy, fd.target))?;
    }
    Ok(())
}

/// Closes every descriptor but those `next_kept` finds (the lowest kept
/// one from a number on): by the ranges between them (marked
/// close-on-exec instead when the child execs, where the kernel has
/// `CLOSE_RANGE_CLOEXEC`), or from the list in `/proc/self/fd` where it
/// has no close_range.
fn close_others(next_kept: impl Fn(c_int) -> Option<c_int>, execs: bool) -> crate::Result<()> {
    let mut flags = if execs { CLOSE_RANGE_CLOEXEC } else { 0 };
    let mut first: c_int = 0;
    loop {
        let next = next_kept(first);
        if next == Some(first) {
            match first.checked_add(1) {
                Some(after) => first = after,
                None => return Ok(()),
            }
            continue;
        }
        let last = next.map_or(c_int::MAX, |n| n - 1);
        match close_range(first, last, flags) {
            Ok(()) => {}
            Err(Errno::EINVAL) if flags != 0 => {
                flags = 0;
                continue;
            }
            Err(Errno::ENOSYS) => return close_listed(first, |n| next_kept(n) == Some(n)),
            Err(err) => return Err(err),
        }
        match next {
            Some(kept) if kept < c_int::MAX => first = kept + 1,
            _ => return Ok(()),
        }
    }
}

/// The argument of entry `index` as an error shows it: `5, 1` for a copy,
/// `"/dev/null", 0` for an open.
fn argument(fds: &[Fd<'_>], index: usize) -> StepArgument {
    let Some(fd) = fds.get(index) else {
        return StepArgument::NONE;
    };
    let (mut source_digits, mut target_digits) = ([0; 20], [0; 20]);
    let target = decimal(fd.target as u64, &mut target_digits);
    match fd.source {
        Source::Copy(source) => {
            StepArgument::new(&[decimal(source as u64, &mut source_digits), b", ", target])
        }
        Source::Open { path, .. } => {
            StepArgument::new(&[b"\"", path.to_bytes(), b"\" onto ", target])
        }
    }
}
