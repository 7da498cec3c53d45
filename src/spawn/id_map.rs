//! User-namespace ID maps: `IdMap`, `SetGroups` and `write_id_maps`, the text
//! formatted into a fixed buffer and written in one write(2) per file.

use crate::error::refusal::Refusal;
use crate::error::{Error, Step, StepError};
use crate::pid_t;
use crate::sys::decimal::decimal;
use crate::sys::errno::Errno;
use crate::sys::proc_path::ProcPath;
use crate::sys::syscall;
use linux_raw_sys::general::O_WRONLY;

/// One line of a `uid_map` or `gid_map`: IDs `inside..inside + count` in the
/// namespace are `outside..outside + count` in its parent.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub struct IdMap {
    /// The first ID inside the user namespace.
    pub inside: u32,
    /// The ID it maps to in the parent user namespace.
    pub outside: u32,
    /// How many consecutive IDs the line maps (at least 1).
    pub count: u32,
}

/// What to write to `/proc/<pid>/setgroups` before the `gid_map`.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub enum SetGroups {
    /// Write `allow`: the namespace may call setgroups(2) (needs a privileged gid_map).
    Allow,
    /// Write `deny`: setgroups(2) is refused inside, which an unprivileged
    /// `gid_map` requires.
    Deny,
    /// Leave the file as it is.
    Unchanged,
}

/// The most lines the kernel accepts in one map (since Linux 4.15).
pub const MAX_ID_MAP_LINES: usize = 340;

/// The kernel refuses a map text of a page or more; this buffer is a page.
const TEXT_CAPACITY: usize = 4096;

/// Writes the ID maps of the user namespace of process `pid` (0: the
/// caller's own, through `/proc/self`): `uid_map`, then `setgroups`, then
/// `gid_map`, each in a single write. An empty slice leaves that map
/// unwritten.
///
/// See user_namespaces(7).
///
/// # Errors
///
/// [`Error::Refused`] before any write, with the [`Refusal`], for a
/// negative `pid` and for maps the kernel would refuse ([`check_id_map`]).
/// [`Error::Step`] naming the file whose open or write failed: `EPERM` (a
/// map was already written; the writer lacks `CAP_SETUID`/`CAP_SETGID` in
/// the parent namespace and the map is not exactly its own ID; `gid_map`
/// without `setgroups` denied; IDs unmapped in the parent), `ENOENT`/`ESRCH`
/// (no such process), `EACCES`.
///
/// # Examples
///
/// A child that makes itself root of a new user namespace, as
/// `unshare -r` does:
///
/// ```
/// use nsclone::{spawn, sys, unshare, write_id_maps, CloneFlags, ExitStatus, IdMap, MmapStack, SetGroups};
///
/// let (uid, gid) = sys::effective_ids();
/// let root = |outside| [IdMap { inside: 0, outside, count: 1 }];
/// let mut stack = MmapStack::new(64 * 1024)?;
/// // SAFETY: the child makes raw syscalls only and returns a number.
/// let mut child = unsafe {
///     spawn(CloneFlags::empty(), stack.as_mut_slice(), || {
///         let mapped = unshare(CloneFlags::NEWUSER)
///             .and_then(|()| write_id_maps(0, &root(uid), &root(gid), SetGroups::Deny));
///         if mapped.is_ok() && sys::effective_ids() == (0, 0) { 0 } else { 1 }
///     })
/// }?;
/// assert_eq!(child.wait()?, ExitStatus::Exited(0));
/// # Ok::<(), nsclone::Error>(())
/// ```
pub fn write_id_maps(
    pid: pid_t,
    uid: &[IdMap],
    gid: &[IdMap],
    setgroups: SetGroups,
) -> Result<(), Error> {
    if pid < 0 {
        return Err(Refusal::PidNegative.into());
    }
    check_id_map(uid)?;
    check_id_map(gid)?;
    if !uid.is_empty() {
        write_proc_file(pid, b"uid_map", Step::UidMap, MapText::new(uid).as_bytes())?;
    }
    match setgroups {
        SetGroups::Allow => write_proc_file(pid, b"setgroups", Step::Setgroups, b"allow")?,
        SetGroups::Deny => write_proc_file(pid, b"setgroups", Step::Setgroups, b"deny")?,
        SetGroups::Unchanged => {}
    }
    if !gid.is_empty() {
        write_proc_file(pid, b"gid_map", Step::GidMap, MapText::new(gid).as_bytes())?;
    }
    Ok(())
}

/// Checks one map against the kernel's structural rules (user_namespaces(7)):
/// at most [`MAX_ID_MAP_LINES`] lines and a text under a page, every count at
/// least 1, no range past ID 4294967294, no two lines overlapping inside or
/// outside.
///
/// # Errors
///
/// The first rule broken, as the crate's [`Refusal`] (the kernel would
/// answer `EINVAL` when the map is written).
///
/// # Examples
///
/// ```
/// use nsclone::{check_id_map, IdMap, Refusal};
///
/// let root = IdMap { inside: 0, outside: 1000, count: 1 };
/// let users = IdMap { inside: 1, outside: 100_000, count: 65_536 };
/// assert_eq!(check_id_map(&[root, users]), Ok(()));
/// let overlapping = IdMap { inside: 0, outside: 200_000, count: 10 };
/// assert_eq!(check_id_map(&[root, overlapping]), Err(Refusal::IdMapOverlaps));
/// let past_the_last_id = IdMap { inside: 0, outside: u32::MAX, count: 1 };
/// assert_eq!(check_id_map(&[past_the_last_id]), Err(Refusal::IdMapWraps));
/// ```
pub fn check_id_map(map: &[IdMap]) -> Result<(), Refusal> {
    if map.len() > MAX_ID_MAP_LINES || text_len(map) >= TEXT_CAPACITY {
        return Err(Refusal::IdMapTooLong);
    }
    let end = |start: u32, count: u32| u64::from(start) + u64::from(count);
    for (i, line) in map.iter().enumerate() {
        // The kernel needs `start + count` to fit in a u32 (so ID 4294967295,
        // the invalid ID, is never mapped).
        let wraps = |start| end(start, line.count) > u64::from(u32::MAX);
        if line.count == 0 {
            return Err(Refusal::IdMapEmptyRange);
        }
        if wraps(line.inside) || wraps(line.outside) {
            return Err(Refusal::IdMapWraps);
        }
        let overlaps = |a: u32, b: u32, other: &IdMap| {
            u64::from(a) < end(b, other.count) && u64::from(b) < end(a, line.count)
        };
        for other in &map[..i] {
            if overlaps(line.inside, other.inside, other)
                || overlaps(line.outside, other.outside, other)
            {
                return Err(Refusal::IdMapOverlaps);
            }
        }
    }
    Ok(())
}

/// Writes `data` to `/proc/<pid>/<file>` in one write(2), as `step`.
fn write_proc_file(pid: pid_t, file: &[u8], step: Step, data: &[u8]) -> Result<(), StepError> {
    let written = ProcPath::new(pid, &[file])
        .and_then(|path| syscall::open(path.as_c_str(), O_WRONLY))
        .and_then(|fd| syscall::write(&fd, data));
    match written {
        Ok(written) if written == data.len() => Ok(()),
        Ok(_) => Err(step.failed(Errno::EIO)),
        Err(errno) => Err(step.failed(errno)),
    }
}

/// The length of a map's text: three numbers, two spaces and a newline a line.
fn text_len(map: &[IdMap]) -> usize {
    let digits = |value: u32| decimal(value.into(), &mut [0; 20]).len();
    map.iter()
        .map(|line| digits(line.inside) + digits(line.outside) + digits(line.count) + 3)
        .sum()
}

/// A map's text, `inside outside count\n` per line.
struct MapText {
    bytes: [u8; TEXT_CAPACITY],
    len: usize,
}

impl MapText {
    /// The text of a map that passed [`check_id_map`], so it fits.
    fn new(map: &[IdMap]) -> MapText {
        let mut text = MapText {
            bytes: [0; TEXT_CAPACITY],
            len: 0,
        };
        for line in map {
            for (value, end) in [
                (line.inside, b' '),
                (line.outside, b' '),
                (line.count, b'\n'),
            ] {
                text.push(decimal(value.into(), &mut [0; 20]));
                text.push(&[end]);
            }
        }
        text
    }

    /// Appends `bytes` while they fit (they do, for a checked map).
    fn push(&mut self, bytes: &[u8]) {
        let end = self.len + bytes.len();
        if let Some(room) = self.bytes.get_mut(self.len..end) {
            room.copy_from_slice(bytes);
            self.len = end;
        }
    }

    fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len]
    }
}

/// The ID maps the parent writes before the child's closure runs.
#[derive(Copy, Clone, Debug)]
pub(crate) enum UserMaps<'a> {
    None,
    Given {
        uid: &'a [IdMap],
        gid: &'a [IdMap],
        setgroups: SetGroups,
    },
    /// uid and gid 0 inside are the caller's effective IDs (`unshare -r`).
    RootToCaller,
    /// The caller's effective IDs map to themselves (`unshare -c`).
    CallerToCaller,
}

impl UserMaps<'_> {
    /// Why the given maps are refused, if they are.
    pub(crate) fn check(&self) -> Result<(), Refusal> {
        match *self {
            UserMaps::Given { uid, gid, .. } => check_id_map(uid).and_then(|()| check_id_map(gid)),
            _ => Ok(()),
        }
    }

    pub(crate) fn write(&self, pid: pid_t) -> Result<(), Error> {
        let (euid, egid) = syscall::effective_ids();
        let one = |inside, outside| {
            [IdMap {
                inside,
                outside,
                count: 1,
            }]
        };
        match *self {
            UserMaps::None => Ok(()),
            UserMaps::Given {
                uid,
                gid,
                setgroups,
            } => write_id_maps(pid, uid, gid, setgroups),
            UserMaps::RootToCaller => {
                write_id_maps(pid, &one(0, euid), &one(0, egid), SetGroups::Deny)
            }
            UserMaps::CallerToCaller => {
                write_id_maps(pid, &one(euid, euid), &one(egid, egid), SetGroups::Deny)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn formatted(map: &[IdMap]) -> Result<MapText, Refusal> {
        check_id_map(map).map(|()| MapText::new(map))
    }

    fn map(inside: u32, outside: u32, count: u32) -> IdMap {
        IdMap {
            inside,
            outside,
            count,
        }
    }

    #[test]
    fn a_map_formats_as_one_line_per_range() {
        let text = formatted(&[map(0, 1000, 1), map(1, 100000, 65536)]).unwrap();
        assert_eq!(text.as_bytes(), b"0 1000 1\n1 100000 65536\n");
        let widest = formatted(&[map(u32::MAX - 1, u32::MAX - 1, 1)]).unwrap();
        assert_eq!(widest.as_bytes(), b"4294967294 4294967294 1\n");
    }

    #[test]
    fn maps_the_kernel_would_refuse_are_refused_first_by_rule() {
        let refused = |m: &[IdMap]| check_id_map(m).err();
        assert_eq!(refused(&[map(0, 0, 0)]), Some(Refusal::IdMapEmptyRange));
        assert_eq!(
            refused(&[map(u32::MAX, 0, 1)]),
            Some(Refusal::IdMapWraps),
            "the invalid ID"
        );
        assert_eq!(
            refused(&[map(u32::MAX - 1, 0, 2)]),
            Some(Refusal::IdMapWraps),
            "inside"
        );
        assert_eq!(
            refused(&[map(0, u32::MAX, 2)]),
            Some(Refusal::IdMapWraps),
            "outside"
        );
        let inside = [map(0, 0, 10), map(5, 100, 1)];
        assert_eq!(refused(&inside), Some(Refusal::IdMapOverlaps), "inside");
        let outside = [map(0, 0, 10), map(100, 9, 1)];
        assert_eq!(refused(&outside), Some(Refusal::IdMapOverlaps), "outside");
        assert_eq!(refused(&[map(0, 0, 10), map(10, 10, 1)]), None, "adjacent");
        let lines: [IdMap; MAX_ID_MAP_LINES + 1] =
            core::array::from_fn(|i| map(i as u32, i as u32, 1));
        assert_eq!(refused(&lines[..MAX_ID_MAP_LINES]), None);
        assert_eq!(refused(&lines), Some(Refusal::IdMapTooLong), "341 lines");
        let long: [IdMap; 200] =
            core::array::from_fn(|i| map(4_000_000_000 + i as u32, 4_000_000_000 + i as u32, 1));
        assert_eq!(
            refused(&long),
            Some(Refusal::IdMapTooLong),
            "a page of text"
        );
        assert_eq!(text_len(&long[..1]), 24);
    }
}
