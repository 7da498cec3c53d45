//! User-namespace ID maps: `IdMap`, `SetGroups` and `write_id_maps`, the text
//! formatted into a fixed buffer and written in one write(2) per file.

use crate::decimal::decimal;
use crate::errno::{Errno, Result};
use crate::proc_path::ProcPath;
use crate::{pid_t, syscall};
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

/// Writes the ID maps of the user namespace of process `pid`: `uid_map`, then
/// `setgroups`, then `gid_map`, each in a single write. An empty slice leaves
/// that map unwritten.
///
/// Maps the kernel would refuse are refused first with `EINVAL`: more than
/// [`MAX_ID_MAP_LINES`] lines, a count of 0, a range that wraps past
/// `u32::MAX`, ranges that overlap inside or outside, or a text of 4 KiB or
/// more.
///
/// See user_namespaces(7). Errors: `EINVAL` as above; `EPERM` (a map was
/// already written; the writer lacks `CAP_SETUID`/`CAP_SETGID` in the parent
/// namespace and the map is not exactly its own ID; `gid_map` without
/// `setgroups` denied; IDs unmapped in the parent); `ENOENT`/`ESRCH` (no such
/// process); `EACCES`.
pub fn write_id_maps(pid: pid_t, uid: &[IdMap], gid: &[IdMap], setgroups: SetGroups) -> Result<()> {
    // Both texts are made (and both maps checked) before either is written.
    let (mut uid_text, mut gid_text) = (MapText::new(), MapText::new());
    uid_text.format(uid)?;
    gid_text.format(gid)?;
    if !uid.is_empty() {
        write_proc_file(pid, b"uid_map", uid_text.as_bytes())?;
    }
    match setgroups {
        SetGroups::Allow => write_proc_file(pid, b"setgroups", b"allow")?,
        SetGroups::Deny => write_proc_file(pid, b"setgroups", b"deny")?,
        SetGroups::Unchanged => {}
    }
    if !gid.is_empty() {
        write_proc_file(pid, b"gid_map", gid_text.as_bytes())?;
    }
    Ok(())
}

/// Writes `data` to `/proc/<pid>/<file>` in one write(2).
fn write_proc_file(pid: pid_t, file: &[u8], data: &[u8]) -> Result<()> {
    let path = ProcPath::new(pid, &[file])?;
    let fd = syscall::open(path.as_bytes_with_nul(), O_WRONLY)?;
    match syscall::write(fd.as_fd(), data)? {
        written if written == data.len() => Ok(()),
        _ => Err(Errno::EIO),
    }
}

/// A map's text, `inside outside count\n` per line, checked as the kernel checks it.
struct MapText {
    bytes: [u8; TEXT_CAPACITY],
    len: usize,
}

impl MapText {
    fn new() -> MapText {
        MapText {
            bytes: [0; TEXT_CAPACITY],
            len: 0,
        }
    }

    /// Checks `map` and appends its lines. Formats in place: a page-sized
    /// text returned by value would be copied on the way.
    fn format(&mut self, map: &[IdMap]) -> Result<()> {
        validate(map)?;
        for line in map {
            for (value, end) in [
                (line.inside, b' '),
                (line.outside, b' '),
                (line.count, b'\n'),
            ] {
                self.push_decimal(value)?;
                self.push(end)?;
            }
        }
        Ok(())
    }

    fn push(&mut self, byte: u8) -> Result<()> {
        // The kernel takes less than a page: keep the text below TEXT_CAPACITY.
        if self.len + 1 >= TEXT_CAPACITY {
            return Err(Errno::EINVAL);
        }
        self.bytes[self.len] = byte;
        self.len += 1;
        Ok(())
    }

    fn push_decimal(&mut self, value: u32) -> Result<()> {
        decimal(value.into(), &mut [0; 20])
            .iter()
            .try_for_each(|&digit| self.push(digit))
    }

    fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len]
    }
}

/// The kernel's structural rules for a map (user_namespaces(7)).
fn validate(map: &[IdMap]) -> Result<()> {
    if map.len() > MAX_ID_MAP_LINES {
        return Err(Errno::EINVAL);
    }
    let end = |start: u32, count: u32| u64::from(start) + u64::from(count);
    for (i, line) in map.iter().enumerate() {
        // The kernel needs `start + count` to fit in a u32 (so ID 4294967295,
        // the invalid ID, is never mapped).
        let wraps = |start| end(start, line.count) > u64::from(u32::MAX);
        if line.count == 0 || wraps(line.inside) || wraps(line.outside) {
            return Err(Errno::EINVAL);
        }
        let overlaps = |a: u32, b: u32, other: &IdMap| {
            u64::from(a) < end(b, other.count) && u64::from(b) < end(a, line.count)
        };
        for other in &map[..i] {
            if overlaps(line.inside, other.inside, other)
                || overlaps(line.outside, other.outside, other)
            {
                return Err(Errno::EINVAL);
            }
        }
    }
    Ok(())
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
    pub(crate) fn write(&self, pid: pid_t) -> Result<()> {
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

    fn formatted(map: &[IdMap]) -> Result<MapText> {
        let mut text = MapText::new();
        text.format(map).map(|()| text)
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
    fn maps_the_kernel_would_refuse_are_einval_first() {
        let refused = |m: &[IdMap]| formatted(m).err();
        assert_eq!(refused(&[map(0, 0, 0)]), Some(Errno::EINVAL), "count 0");
        assert_eq!(
            refused(&[map(u32::MAX, 0, 1)]),
            Some(Errno::EINVAL),
            "the invalid ID"
        );
        assert_eq!(
            refused(&[map(u32::MAX - 1, 0, 2)]),
            Some(Errno::EINVAL),
            "inside wraps"
        );
        assert_eq!(
            refused(&[map(0, u32::MAX, 2)]),
            Some(Errno::EINVAL),
            "outside wraps"
        );
        assert_eq!(
            refused(&[map(0, 0, 10), map(5, 100, 1)]),
            Some(Errno::EINVAL),
            "inside overlaps"
        );
        assert_eq!(
            refused(&[map(0, 0, 10), map(100, 9, 1)]),
            Some(Errno::EINVAL),
            "outside overlaps"
        );
        assert_eq!(
            refused(&[map(0, 0, 10), map(10, 10, 1)]),
            None,
            "adjacent ranges are fine"
        );
        let lines: [IdMap; MAX_ID_MAP_LINES + 1] =
            core::array::from_fn(|i| map(i as u32, i as u32, 1));
        assert_eq!(refused(&lines[..MAX_ID_MAP_LINES]), None);
        assert_eq!(refused(&lines), Some(Errno::EINVAL), "341 lines");
        let long: [IdMap; 200] =
            core::array::from_fn(|i| map(4_000_000_000 + i as u32, 4_000_000_000 + i as u32, 1));
        assert_eq!(
            refused(&long),
            Some(Errno::EINVAL),
            "a text of a page or more"
        );
    }
}
