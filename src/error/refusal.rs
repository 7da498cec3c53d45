//! `Refusal`: the requests the crate itself refuses before any syscall,
//! beside the kernel's flag rules (`Rule`). Each is decided by the code
//! that enforces it: `Spawn::check` and the stack placement (`spawn/`),
//! the ID maps (`spawn/id_map.rs`), the time offsets (`spawn/time_ns.rs`)
//! and `unshare` (`ns/unshare.rs`); only the names and words are here,
//! below both layers, as `Error` carries them.

use crate::sys::errno::Errno;
use core::fmt;

/// A request the crate refuses before any syscall: one its safe API does
/// not make (a child that could reach the parent's memory, threads, fds or
/// TLS; a flag that is an option), or input it checks on the kernel's
/// behalf (ID maps, time offsets, `set_tid`, a pid) or needs itself (the
/// stack). Returned as [`Error::Refused`](crate::Error::Refused); the
/// kernel's own flag rules are [`Rule`](crate::Rule)s
/// ([`Error::Invalid`](crate::Error::Invalid)).
///
/// # Examples
///
/// ```
/// use nsclone::{check_id_map, CloneFlags, Errno, Error, IdMap, Refusal, Spawn};
///
/// let err = Spawn::new(CloneFlags::FILES).check().unwrap_err();
/// assert_eq!(err, Error::Refused(Refusal::SpawnSharesFiles));
/// assert_eq!(err.to_string(), Refusal::SpawnSharesFiles.message());
/// assert_eq!(err.errno(), Errno::EINVAL);
///
/// let empty = IdMap { inside: 0, outside: 1000, count: 0 };
/// assert_eq!(check_id_map(&[empty]), Err(Refusal::IdMapEmptyRange));
/// assert_eq!(Refusal::StackTooSmall.errno(), Errno::ENOMEM);
/// ```
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
#[non_exhaustive]
pub enum Refusal {
    /// spawn: `CLONE_VM`, in any combination: the child would run the
    /// caller's code in the parent's memory, with its TLS, locks and
    /// `atexit` handlers.
    SpawnSharesMemory,
    /// spawn: `CLONE_THREAD` or `CLONE_SIGHAND`.
    SpawnMakesThreads,
    /// spawn: `CLONE_SETTLS`.
    SpawnSetsTls,
    /// spawn: `CLONE_FILES`.
    SpawnSharesFiles,
    /// spawn: `CLONE_PARENT_SETTID`, `CLONE_CHILD_SETTID` or `CLONE_CHILD_CLEARTID`.
    SpawnHasNoTidPointers,
    /// spawn: `CLONE_PIDFD` in the flags instead of `Spawn::pidfd`.
    SpawnPidfdIsAnOption,
    /// spawn: `CLONE_INTO_CGROUP` in the flags instead of `Spawn::into_cgroup`.
    SpawnCgroupIsAnOption,
    /// spawn: exit-signal bits in the flags.
    SpawnExitSignalInFlags,
    /// spawn: more `set_tid` PIDs than PID-namespace levels (32).
    SetTidTooLong,
    /// spawn: ID maps without `CLONE_NEWUSER`.
    IdMapsNeedNewuser,
    /// spawn: ID maps with `CLONE_VFORK`, which would wait for each other.
    IdMapsWithVfork,
    /// spawn: a time offset's nanoseconds are a second or more.
    TimeOffsetNanosecondsTooLarge,
    /// spawn: time offsets with `CLONE_VM`; the child enters the new time
    /// namespace itself, which a process sharing its memory cannot.
    TimeOffsetsWithVm,
    /// spawn: the stack cannot hold the closure and the room the child
    /// needs below it ([`Spawn::stack_needed_below`](crate::Spawn::stack_needed_below)),
    /// or `Spawn::exec` was given less than [`EXEC_STACK`](crate::EXEC_STACK).
    StackTooSmall,
    /// ID maps: a line maps no IDs (a count of 0).
    IdMapEmptyRange,
    /// ID maps: a range runs past ID 4294967294 (4294967295 is the invalid ID).
    IdMapWraps,
    /// ID maps: two lines overlap inside or outside.
    IdMapOverlaps,
    /// ID maps: more than [`MAX_ID_MAP_LINES`](crate::MAX_ID_MAP_LINES)
    /// lines, or a text of a page or more.
    IdMapTooLong,
    /// A process ID below 0 (0 names the caller).
    PidNegative,
    /// Setup: more than [`MAX_FDS`](crate::MAX_FDS) descriptors to give
    /// or to keep.
    TooManyFds,
    /// Setup: a descriptor number below 0.
    FdNegative,
    /// Setup: two descriptors given the same number.
    FdTargetTwice,
    /// Setup: a parent-death signal with `CLONE_VFORK`: the child waits
    /// for its parent's go-ahead, the parent for the child.
    ParentDeathSignalWithVfork,
    /// Setup: a seccomp filter of no instruction or of more than 4096
    /// (`BPF_MAXINSNS`).
    SeccompFilterLength,
    /// Setup: an idmapped mount without ID maps, which it maps through.
    IdmappedMountNeedsIdMaps,
    /// Setup: more than 16 idmapped mounts.
    TooManyIdmappedMounts,
    /// Setup: a parent-death signal with `CLONE_PARENT`: the kernel would
    /// tie it to the caller's parent, not to the thread that created the
    /// child.
    ParentDeathSignalWithCloneParent,
    /// The safe `unshare`: a flag that is not `CLONE_NEW*`.
    UnshareNamespacesOnly,
}

impl Refusal {
    /// What the refusal says, in the kernel's flag names and the crate's
    /// option names; [example](Self#examples).
    pub const fn message(self) -> &'static str {
        match self {
            Refusal::SpawnSharesMemory => {
                "CLONE_VM needs the crate's own child code: use Spawn::exec or spawn_unchecked"
            }
            Refusal::SpawnMakesThreads => {
                "spawn creates processes, not threads (CLONE_THREAD, CLONE_SIGHAND)"
            }
            Refusal::SpawnSetsTls => "spawn cannot give the child a TLS area (CLONE_SETTLS)",
            Refusal::SpawnSharesFiles => {
                "spawn cannot share the fd table with the child (CLONE_FILES)"
            }
            Refusal::SpawnHasNoTidPointers => {
                "spawn has no tid pointers (CLONE_PARENT_SETTID, CLONE_CHILD_SETTID, CLONE_CHILD_CLEARTID)"
            }
            Refusal::SpawnPidfdIsAnOption => {
                "spawn asks for a pidfd with Spawn::pidfd, not CLONE_PIDFD"
            }
            Refusal::SpawnCgroupIsAnOption => {
                "spawn takes a cgroup with Spawn::into_cgroup, not CLONE_INTO_CGROUP"
            }
            Refusal::SpawnExitSignalInFlags => {
                "the exit signal belongs in Spawn::exit_signal, not in the flags"
            }
            Refusal::SetTidTooLong => "set_tid takes at most 32 PIDs, one per PID namespace level",
            Refusal::IdMapsNeedNewuser => {
                "ID maps need CLONE_NEWUSER: they map IDs of a new user namespace"
            }
            Refusal::IdMapsWithVfork => {
                "ID maps cannot be combined with CLONE_VFORK: the child waits for the maps, the parent for the child"
            }
            Refusal::TimeOffsetNanosecondsTooLarge => {
                "a time offset's nanoseconds must be below 1000000000 (whole seconds go in seconds)"
            }
            Refusal::TimeOffsetsWithVm => {
                "time offsets cannot be combined with CLONE_VM (nor Spawn::exec): the child enters its new time namespace itself, which needs memory of its own"
            }
            Refusal::StackTooSmall => {
                "the stack cannot hold the closure and the child's frames (see Spawn::stack_needed_below and EXEC_STACK)"
            }
            Refusal::IdMapEmptyRange => "an ID map line must map at least one ID (count 0)",
            Refusal::IdMapWraps => "an ID map range must end at or below ID 4294967295",
            Refusal::IdMapOverlaps => "ID map lines must not overlap, inside or outside",
            Refusal::IdMapTooLong => {
                "an ID map takes at most 340 lines and less than 4096 bytes of text"
            }
            Refusal::PidNegative => "a process ID must be positive, or 0 for the caller",
            Refusal::TooManyFds => {
                "a setup gives and keeps at most 64 descriptors each (Setup::fds, Setup::close_other_fds)"
            }
            Refusal::FdNegative => "a descriptor number must be 0 or more",
            Refusal::FdTargetTwice => "a setup gives each descriptor number at most once",
            Refusal::IdmappedMountNeedsIdMaps => {
                "an idmapped mount maps through the child's ID maps: give them (Spawn::id_maps, map_root_user, map_current_user)"
            }
            Refusal::TooManyIdmappedMounts => "a setup makes at most 16 idmapped mounts",
            Refusal::SeccompFilterLength => {
                "a seccomp filter has 1 to 4096 instructions (BPF_MAXINSNS)"
            }
            Refusal::ParentDeathSignalWithVfork => {
                "a parent-death signal cannot be combined with CLONE_VFORK: the child waits for the parent's go-ahead, the parent for the child"
            }
            Refusal::ParentDeathSignalWithCloneParent => {
                "a parent-death signal cannot be combined with CLONE_PARENT: the kernel would send it when the caller's parent exits"
            }
            Refusal::UnshareNamespacesOnly => {
                "unshare takes only CLONE_NEW* flags (unshare_unchecked takes the rest)"
            }
        }
    }

    /// The errno of the refusal: `ENOMEM` for a stack too small (as for a
    /// mapping that does not fit), `EINVAL` for every other, the kernel's
    /// answer for the input it would refuse too (ID maps, time offsets,
    /// `set_tid`) and for flags it does not take; [example](Self#examples).
    pub const fn errno(self) -> Errno {
        match self {
            Refusal::StackTooSmall => Errno::ENOMEM,
            _ => Errno::EINVAL,
        }
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

#[cfg(test)]
mod tests;
