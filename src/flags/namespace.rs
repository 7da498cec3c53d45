//! `Namespace`: the eight kinds of Linux namespace.

use crate::flags::CloneFlags;

/// One kind of namespace, as named under `/proc/<pid>/ns/`.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub enum Namespace {
    /// Mount points (`CLONE_NEWNS`, `mnt`).
    Mount,
    /// Hostname and NIS domain name (`CLONE_NEWUTS`, `uts`).
    Uts,
    /// System V IPC and POSIX message queues (`CLONE_NEWIPC`, `ipc`).
    Ipc,
    /// Network devices, stacks and ports (`CLONE_NEWNET`, `net`).
    Net,
    /// Process IDs (`CLONE_NEWPID`, `pid`).
    Pid,
    /// User and group IDs and capabilities (`CLONE_NEWUSER`, `user`).
    User,
    /// The cgroup root directory (`CLONE_NEWCGROUP`, `cgroup`).
    Cgroup,
    /// The boot-time and monotonic clocks (`CLONE_NEWTIME`, `time`).
    Time,
}

impl Namespace {
    /// Every kind, in the order [`CloneFlags::namespaces`] yields them.
    pub const ALL: [Namespace; 8] = [
        Namespace::Mount,
        Namespace::Uts,
        Namespace::Ipc,
        Namespace::Net,
        Namespace::Pid,
        Namespace::User,
        Namespace::Cgroup,
        Namespace::Time,
    ];

    /// The `CLONE_NEW*` flag that creates this kind.
    pub const fn flag(self) -> CloneFlags {
        match self {
            Namespace::Mount => CloneFlags::NEWNS,
            Namespace::Uts => CloneFlags::NEWUTS,
            Namespace::Ipc => CloneFlags::NEWIPC,
            Namespace::Net => CloneFlags::NEWNET,
            Namespace::Pid => CloneFlags::NEWPID,
            Namespace::User => CloneFlags::NEWUSER,
            Namespace::Cgroup => CloneFlags::NEWCGROUP,
            Namespace::Time => CloneFlags::NEWTIME,
        }
    }

    /// The file name under `/proc/<pid>/ns/`: `"mnt"`, `"uts"`, ...
    pub const fn proc_name(self) -> &'static str {
        match self {
            Namespace::Mount => "mnt",
            Namespace::Uts => "uts",
            Namespace::Ipc => "ipc",
            Namespace::Net => "net",
            Namespace::Pid => "pid",
            Namespace::User => "user",
            Namespace::Cgroup => "cgroup",
            Namespace::Time => "time",
        }
    }
}

/// Iterator over the namespaces a [`CloneFlags`] creates; see [`CloneFlags::namespaces`].
#[derive(Clone, Debug)]
pub struct Namespaces {
    flags: CloneFlags,
    next: usize,
}

impl Namespaces {
    pub(crate) fn new(flags: CloneFlags) -> Namespaces {
        Namespaces { flags, next: 0 }
    }
}

impl Iterator for Namespaces {
    type Item = Namespace;

    fn next(&mut self) -> Option<Namespace> {
        while let Some(&ns) = Namespace::ALL.get(self.next) {
            self.next += 1;
            if self.flags.contains(ns.flag()) {
                return Some(ns);
            }
        }
        None
    }
}
