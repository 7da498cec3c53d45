//! The filesystem a child builds in its mount namespace: mounts (binds,
//! read-only binds, idmapped binds the parent makes for it, `proc`,
//! `tmpfs`, propagation changes, moves) and the directories, files and
//! links they need, in the caller's order.

use crate::error::{Step, StepArgument};
use crate::pid_t;
use crate::setup::report::Failure;
use crate::sys::errno::{Errno, Result};
use crate::sys::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use crate::sys::fd_passing::{receive_fds, send_fds, MAX_PASSED};
use crate::sys::proc_path::ProcPath;
use crate::sys::{fs, syscall};
use core::ffi::{c_int, CStr};
use linux_raw_sys::general as k;

/// One entry of [`Setup::mounts`](crate::Setup::mounts): a mount, or a
/// directory, file or link to mount on. Paths are the child's, resolved
/// in the order of the list (an earlier mount changes what a later path
/// names).
///
/// # Examples
///
/// A container's filesystem, unprivileged, on a system whose `/bin` and
/// `/lib` are links into `/usr`: a `tmpfs` over `/tmp` (in the child's
/// mount namespace only) as the new root, the host's `/usr` and `/sys`
/// read-only, a `/proc` of the container's PID namespace, a `/dev` of one
/// device and a link, and a message-queue filesystem of its IPC
/// namespace; then [`pivot_root`](crate::Setup::pivot_root) into it, which
/// leaves nothing of the host's root reachable (`/etc` is gone):
///
/// ```no_run
/// use linux_raw_sys::general::{MS_NODEV, MS_NOEXEC, MS_NOSUID};
/// use nsclone::{CStrArray, CloneFlags, ExitStatus, Mount, Setup, Spawn, EXEC_STACK};
///
/// let mqueue_flags = MS_NOSUID | MS_NODEV | MS_NOEXEC;
/// let mounts = [
///     // Nothing mounted from here on reaches the caller's namespace.
///     Mount::private(c"/"),
///     Mount::tmpfs(c"/tmp", Some(c"mode=0755,size=64m")),
///     Mount::dir(c"/tmp/usr", 0o755),
///     Mount::bind_read_only(c"/usr", c"/tmp/usr"),
///     Mount::symlink(c"usr/bin", c"/tmp/bin"),
///     Mount::symlink(c"usr/lib", c"/tmp/lib"),
///     Mount::symlink(c"usr/lib64", c"/tmp/lib64"),
///     // `/sys` has mounts under it (cgroup2, ...), each made read-only too.
///     Mount::dir(c"/tmp/sys", 0o555),
///     Mount::bind_read_only_recursive(c"/sys", c"/tmp/sys"),
///     Mount::dir(c"/tmp/proc", 0o555),
///     Mount::proc(c"/tmp/proc"),
///     Mount::dir(c"/tmp/dev", 0o755),
///     Mount::file(c"/tmp/dev/null", 0o666),
///     Mount::bind(c"/dev/null", c"/tmp/dev/null"),
///     Mount::symlink(c"/proc/self/fd", c"/tmp/dev/fd"),
///     Mount::dir(c"/tmp/dev/mqueue", 0o755),
///     Mount::new(Some(c"mqueue"), c"/tmp/dev/mqueue", Some(c"mqueue"), mqueue_flags, None),
/// ];
/// // `.chroot(c"/tmp")` where the root is an initramfs, which
/// // pivot_root(2) cannot leave.
/// let setup = Setup::new()
///     .mounts(&mounts)
///     .pivot_root(c"/tmp")
///     .current_dir(c"/");
/// let test = c"[ $$ = 1 ] && [ ! -e /etc ] && ! touch /usr/x 2>/dev/null \
///     && [ -c /dev/null ] && [ -d /dev/fd/ ] && [ -d /dev/mqueue ] && [ -d /sys/fs/cgroup ]";
/// let (mut argv_buf, mut envp_buf) = ([core::ptr::null(); 4], [core::ptr::null(); 2]);
/// let argv = CStrArray::new(&[c"sh", c"-c", test], &mut argv_buf)?;
/// let envp = CStrArray::new(&[c"PATH=/usr/bin:/bin"], &mut envp_buf)?;
/// let mut stack = [0u8; EXEC_STACK];
/// let flags = CloneFlags::NEWUSER | CloneFlags::NEWNS | CloneFlags::NEWPID | CloneFlags::NEWIPC;
/// let request = Spawn::new(flags).map_root_user().setup(&setup);
/// let mut child = request.exec(&mut stack, c"sh", argv, envp)?;
/// assert_eq!(child.wait()?, ExitStatus::Exited(0));
/// # Ok::<(), nsclone::Error>(())
/// ```
///
/// As root, a container whose IDs 0 to 65535 are 100000 to 165535
/// outside: the host's later mounts still reach it (`slave`), and the
/// host's `/srv`, owned by root and so nobody's (65534) inside, shows on
/// `/mnt` as owned by the container's root (idmapped):
///
/// ```no_run
/// use nsclone::{CStrArray, CloneFlags, ExitStatus, IdMap, Mount, SetGroups, Setup, Spawn, EXEC_STACK};
///
/// let ids = [IdMap { inside: 0, outside: 100_000, count: 65_536 }];
/// let mounts = [Mount::slave(c"/"), Mount::bind_idmapped(c"/srv", c"/mnt")];
/// let setup = Setup::new().mounts(&mounts);
/// let test = c"[ $(stat -c %u /mnt) = 0 ] && [ $(stat -c %u /srv) = 65534 ]";
/// let (mut argv_buf, mut envp_buf) = ([core::ptr::null(); 4], [core::ptr::null(); 2]);
/// let argv = CStrArray::new(&[c"sh", c"-c", test], &mut argv_buf)?;
/// let envp = CStrArray::new(&[c"PATH=/usr/bin:/bin"], &mut envp_buf)?;
/// let mut stack = [0u8; EXEC_STACK];
/// let request = Spawn::new(CloneFlags::NEWUSER | CloneFlags::NEWNS)
///     .id_maps(&ids, &ids, SetGroups::Deny)
///     .setup(&setup);
/// let mut child = request.exec(&mut stack, c"sh", argv, envp)?;
/// assert_eq!(child.wait()?, ExitStatus::Exited(0));
/// # Ok::<(), nsclone::Error>(())
/// ```
#[derive(Copy, Clone)]
pub struct Mount<'a> {
    op: Op<'a>,
    /// The code of its kind, named only by that kind's constructors: a
    /// program links the code of the kinds it makes, no other.
    kind: &'static Kind,
}

/// The code of a kind of [`Mount`].
struct Kind {
    /// In the child: makes an entry of this kind.
    make: fn(&Op<'_>, &mut Received) -> Result<()>,
    /// In the parent, once the child's maps are written: makes what the
    /// list's entries of this kind need from it, and sends them on the
    /// socket the child reports on (idmapped binds).
    made_by_parent: Option<SendToChild>,
}

type Outcome = core::result::Result<(), Failure>;

/// In the parent: makes mounts for the child `pid` and sends them on the socket.
type SendToChild = fn(&[Mount<'_>], pid_t, BorrowedFd<'_>) -> Outcome;

/// What a child received from its parent for its mounts: the idmapped
/// ones, in order, once the first is made.
struct Received {
    from: c_int,
    fds: [c_int; MAX_PASSED],
    taken: usize,
}

impl PartialEq for Mount<'_> {
    fn eq(&self, other: &Self) -> bool {
        // The kind follows from the constructor, which the operation names.
        self.op == other.op
    }
}

impl Eq for Mount<'_> {}

impl core::fmt::Debug for Mount<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        self.op.fmt(f)
    }
}

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum Op<'a> {
    Mount {
        source: Option<&'a CStr>,
        target: &'a CStr,
        fstype: Option<&'a CStr>,
        flags: u32,
        data: Option<&'a CStr>,
    },
    ReadOnlyBind {
        source: &'a CStr,
        target: &'a CStr,
        recursive: bool,
    },
    Idmapped {
        source: &'a CStr,
        target: &'a CStr,
    },
    Dir {
        path: &'a CStr,
        mode: u32,
    },
    File {
        path: &'a CStr,
        mode: u32,
    },
    Symlink {
        target: &'a CStr,
        link: &'a CStr,
    },
}

impl<'a> Mount<'a> {
    /// mount(2) as given: `None` passes a null pointer; `flags` are the
    /// `MS_*` constants of `linux_raw_sys::general` (or libc's as `u32`);
    /// [example](Mount#examples).
    pub const fn new(
        source: Option<&'a CStr>,
        target: &'a CStr,
        fstype: Option<&'a CStr>,
        flags: u32,
        data: Option<&'a CStr>,
    ) -> Mount<'a> {
        Mount {
            op: Op::Mount {
                source,
                target,
                fstype,
                flags,
                data,
            },
            kind: &PLAIN,
        }
    }

    /// `source` bound on `target` with the mounts under it (`MS_BIND |
    /// MS_REC`); [example](Mount#examples).
    pub const fn bind(source: &'a CStr, target: &'a CStr) -> Mount<'a> {
        Mount::new(Some(source), target, None, k::MS_BIND | k::MS_REC, None)
    }

    /// `source` bound on `target` read-only, without the mounts under it
    /// (a mount under `source` would stay writable): a bind, then a
    /// read-only remount that keeps the flags the kernel locks in a user
    /// namespace (`nosuid`, `nodev`, `noexec`, atime);
    /// [example](Mount#examples).
    pub const fn bind_read_only(source: &'a CStr, target: &'a CStr) -> Mount<'a> {
        Mount {
            op: Op::ReadOnlyBind {
                source,
                target,
                recursive: false,
            },
            kind: &READ_ONLY_BIND,
        }
    }

    /// [`bind_read_only`](Self::bind_read_only) with the mounts under
    /// `source`, each made read-only too (mount_setattr(2), Linux 5.12;
    /// before it, the step fails with `ENOSYS` rather than leave one
    /// writable); [example](Mount#examples).
    pub const fn bind_read_only_recursive(source: &'a CStr, target: &'a CStr) -> Mount<'a> {
        Mount {
            op: Op::ReadOnlyBind {
                source,
                target,
                recursive: true,
            },
            kind: &READ_ONLY_BIND,
        }
    }

    /// `source`'s mount bound on `target` with the owners of its files
    /// mapped through the child's ID maps (`MOUNT_ATTR_IDMAP`, Linux 5.12
    /// for most disk filesystems, 6.3 for tmpfs): a file that ID `n` owns
    /// on the filesystem shows as owned by `n` inside the child's user
    /// namespace (nobody, if no map line has `n` inside), without a
    /// recursive chown; through a plain bind it shows as the inside ID
    /// that maps to `n` outside. The parent makes it (open_tree(2), mount_setattr(2)
    /// with the child's user namespace, once it wrote the maps: it needs
    /// `CAP_SYS_ADMIN` over the source's filesystem, so root for a disk)
    /// and hands it over; the child attaches it here (move_mount(2)). Needs
    /// [`Spawn::id_maps`](crate::Spawn::id_maps) or the like, and
    /// `CLONE_NEWNS`. At most 16 in a setup; [example](Mount#examples).
    pub const fn bind_idmapped(source: &'a CStr, target: &'a CStr) -> Mount<'a> {
        Mount {
            op: Op::Idmapped { source, target },
            kind: &IDMAPPED,
        }
    }

    /// A new `proc` on `target` (`nosuid`, `nodev`, `noexec`): it shows the
    /// PID namespace the child is in, a new one if it has `CLONE_NEWPID`;
    /// [example](Mount#examples).
    pub const fn proc(target: &'a CStr) -> Mount<'a> {
        let flags = k::MS_NOSUID | k::MS_NODEV | k::MS_NOEXEC;
        Mount::new(Some(c"proc"), target, Some(c"proc"), flags, None)
    }

    /// A new `tmpfs` on `target` (`nosuid`, `nodev`), with its options
    /// (`mode=0755,size=64m`) if any; [example](Mount#examples).
    pub const fn tmpfs(target: &'a CStr, options: Option<&'a CStr>) -> Mount<'a> {
        let flags = k::MS_NOSUID | k::MS_NODEV;
        Mount::new(Some(c"tmpfs"), target, Some(c"tmpfs"), flags, options)
    }

    /// The mount at `target` and those under it made private: no mount
    /// event reaches or leaves them (`MS_REC | MS_PRIVATE`). Usually first,
    /// on `/`, so that nothing the child mounts reaches the parent's
    /// namespace, and `pivot_root` accepts the new root;
    /// [example](Mount#examples).
    pub const fn private(target: &'a CStr) -> Mount<'a> {
        Mount::new(None, target, None, k::MS_REC | k::MS_PRIVATE, None)
    }

    /// The mount at `target` and those under it made slaves: mount events
    /// of the parent's namespace still reach them, none leaves (`MS_REC |
    /// MS_SLAVE`); [example](Mount#examples).
    pub const fn slave(target: &'a CStr) -> Mount<'a> {
        Mount::new(None, target, None, k::MS_REC | k::MS_SLAVE, None)
    }

    /// The mount at `source` moved to `target` (`MS_MOVE`);
    /// [example](Mount#examples).
    pub const fn moved(source: &'a CStr, target: &'a CStr) -> Mount<'a> {
        Mount::new(Some(source), target, None, k::MS_MOVE, None)
    }

    /// The directory `path` with `mode` (less the umask), if missing; its
    /// parent must exist; [example](Mount#examples).
    pub const fn dir(path: &'a CStr, mode: u32) -> Mount<'a> {
        Mount {
            op: Op::Dir { path, mode },
            kind: &DIR,
        }
    }

    /// The empty file `path` with `mode`, if missing: a mount point for a
    /// file, such as a device node bound from the parent's `/dev`;
    /// [example](Mount#examples).
    pub const fn file(path: &'a CStr, mode: u32) -> Mount<'a> {
        Mount {
            op: Op::File { path, mode },
            kind: &FILE,
        }
    }

    /// The symbolic link `link` pointing at `target` (`/dev/fd` →
    /// `/proc/self/fd`); [example](Mount#examples).
    pub const fn symlink(target: &'a CStr, link: &'a CStr) -> Mount<'a> {
        Mount {
            op: Op::Symlink { target, link },
            kind: &SYMLINK,
        }
    }

    /// The step it is, for an error.
    fn step(&self) -> Step {
        match self.op {
            Op::Mount { .. } | Op::ReadOnlyBind { .. } | Op::Idmapped { .. } => Step::Mount,
            Op::Dir { .. } => Step::MakeDir,
            Op::File { .. } => Step::MakeFile,
            Op::Symlink { .. } => Step::Symlink,
        }
    }

    /// Its argument as an error shows it: `"/usr" on "/new/usr"`,
    /// `"/new/dev/fd" -> "/proc/self/fd"` for a link.
    fn argument(&self) -> StepArgument {
        fn quoted(s: &CStr) -> [&[u8]; 3] {
            [b"\"", s.to_bytes(), b"\""]
        }
        match self.op {
            Op::Mount {
                source: Some(from),
                target,
                ..
            }
            | Op::ReadOnlyBind {
                source: from,
                target,
                ..
            }
            | Op::Idmapped {
                source: from,
                target,
            } => {
                let [a, b, c] = quoted(from);
                let [d, e, f] = quoted(target);
                StepArgument::new(&[a, b, c, b" on ", d, e, f])
            }
            Op::Symlink { target, link } => {
                let [a, b, c] = quoted(link);
                let [d, e, f] = quoted(target);
                StepArgument::new(&[a, b, c, b" -> ", d, e, f])
            }
            Op::Mount { target: path, .. } | Op::Dir { path, .. } | Op::File { path, .. } => {
                StepArgument::new(&quoted(path))
            }
        }
    }
}

/// In the child: makes every entry, in order; the idmapped ones from the
/// descriptors the parent sent on `from` (the socket the child reports
/// on).
pub(super) fn apply(mounts: &[Mount<'_>], from: c_int) -> Outcome {
    let mut received = Received {
        from,
        fds: [-1; MAX_PASSED],
        taken: 0,
    };
    for (index, mount) in mounts.iter().enumerate() {
        Failure::of(
            mount.step(),
            index,
            (mount.kind.make)(&mount.op, &mut received),
        )?;
    }
    Ok(())
}

/// How many of `mounts` the parent makes (idmapped binds).
pub(super) fn made_by_parent(mounts: &[Mount<'_>]) -> usize {
    mounts
        .iter()
        .filter(|m| m.kind.made_by_parent.is_some())
        .count()
}

/// In the parent, once the child `pid`'s ID maps are written: makes the
/// mounts of `mounts` the child gets from it and sends them on `socket`.
pub(super) fn send_made_by_parent(
    mounts: &[Mount<'_>],
    pid: pid_t,
    socket: BorrowedFd<'_>,
) -> Outcome {
    match mounts.iter().find_map(|m| m.kind.made_by_parent) {
        Some(send) => send(mounts, pid, socket),
        None => Ok(()),
    }
}

/// mount(2) as given.
const PLAIN: Kind = Kind {
    make: |op, _| match *op {
        Op::Mount {
            source,
            target,
            fstype,
            flags,
            data,
        } => syscall::mount(source, target, fstype, flags, data),
        _ => Err(Errno::EINVAL),
    },
    made_by_parent: None,
};

/// A bind, then made read-only: by a remount keeping the flags the kernel
/// locks, or for the tree, by mount_setattr.
const READ_ONLY_BIND: Kind = Kind {
    make: |op, _| {
        let Op::ReadOnlyBind {
            source,
            target,
            recursive,
        } = *op
        else {
            return Err(Errno::EINVAL);
        };
        let bind = if recursive {
            k::MS_BIND | k::MS_REC
        } else {
            k::MS_BIND
        };
        syscall::mount(Some(source), target, None, bind, None)?;
        if recursive {
            return fs::make_tree_read_only(target);
        }
        let kept = fs::mount_flags(target)?;
        let remount = k::MS_BIND | k::MS_REMOUNT | k::MS_RDONLY | kept;
        syscall::mount(None, target, None, remount, None)
    },
    made_by_parent: None,
};

/// Attached from the next descriptor the parent sent (all of them
/// received before the first).
const IDMAPPED: Kind = Kind {
    make: |op, received| {
        let Op::Idmapped { target, .. } = *op else {
            return Err(Errno::EINVAL);
        };
        if received.taken == 0 {
            receive_fds(received.from, &mut received.fds)?;
        }
        let fd = received.fds.get(received.taken).copied().unwrap_or(-1);
        received.taken += 1;
        let attached = fs::attach(fd, target);
        syscall::close(fd);
        attached
    },
    made_by_parent: Some(send_idmapped),
};

const DIR: Kind = Kind {
    make: |op, _| match *op {
        Op::Dir { path, mode } => fs::make_dir(path, mode),
        _ => Err(Errno::EINVAL),
    },
    made_by_parent: None,
};

const FILE: Kind = Kind {
    make: |op, _| match *op {
        Op::File { path, mode } => fs::make_file(path, mode),
        _ => Err(Errno::EINVAL),
    },
    made_by_parent: None,
};

const SYMLINK: Kind = Kind {
    make: |op, _| match *op {
        Op::Symlink { target, link } => fs::make_symlink(target, link),
        _ => Err(Errno::EINVAL),
    },
    made_by_parent: None,
};

/// Makes each idmapped mount of `mounts` (a detached copy of its source,
/// its IDs mapped through the user namespace of the child `pid`) and sends
/// them, in order, on `socket`.
fn send_idmapped(mounts: &[Mount<'_>], pid: pid_t, socket: BorrowedFd<'_>) -> Outcome {
    let first = mounts
        .iter()
        .position(|m| matches!(m.op, Op::Idmapped { .. }));
    let Some(first) = first else {
        return Ok(());
    };
    let userns = ProcPath::new(pid, &[b"ns/user"])
        .and_then(|path| syscall::open(path.as_c_str(), k::O_RDONLY));
    let userns = Failure::of(Step::Mount, first, userns)?;
    let mut made: [Option<OwnedFd>; MAX_PASSED] = Default::default();
    let mut numbers = [-1 as c_int; MAX_PASSED];
    let mut count = 0;
    for (index, mount) in mounts.iter().enumerate() {
        let Op::Idmapped { source, .. } = mount.op else {
            continue;
        };
        let copy = fs::detached_copy(source)
            .and_then(|copy| fs::map_ids(copy.as_fd(), userns.as_fd()).map(|()| copy));
        let copy = Failure::of(Step::Mount, index, copy)?;
        numbers[count] = copy.as_raw_fd();
        made[count] = Some(copy);
        count += 1;
    }
    Failure::of(Step::Mount, first, send_fds(socket, &numbers[..count]))
}

/// The step and argument of entry `index`, for an error.
pub(super) fn argument(mounts: &[Mount<'_>], index: usize) -> StepArgument {
    mounts
        .get(index)
        .map_or(StepArgument::NONE, Mount::argument)
}
