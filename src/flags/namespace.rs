//! `Namespace`: the eight kinds of Linux namespace, and its `Display`
//! (its `FromStr` is with the other parsing, in parse.rs).

use crate::flags::CloneFlags;
use core::fmt;

/// Declares [`Namespace`] from one line per kind, the one table of them:
/// its variant, its `CLONE_NEW*` flag, its name under `/proc/<pid>/ns/`,
/// its util-linux option letter and name, and any other name util-linux
/// takes for it.
macro_rules! namespaces {
    ($(
        $(#[doc = $doc:literal])*
        $kind:ident: $flag:ident, $proc_name:literal, $letter:literal, $option:literal $(, $alias:literal)*;
    )*) => {
        /// One kind of namespace, as named under `/proc/<pid>/ns/`.
        ///
        /// ```
        /// use nsclone::{CloneFlags, Namespace};
        ///
        /// let ns: Namespace = "net".parse()?;
        /// assert_eq!(ns, Namespace::Net);
        /// assert_eq!(ns.flag(), CloneFlags::NEWNET);
        /// assert_eq!(ns.to_string(), "net");
        /// # Ok::<(), nsclone::ParseNamespaceError>(())
        /// ```
        #[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
        pub enum Namespace {
            $($(#[doc = $doc])* $kind,)*
        }

        impl Namespace {
            /// Every kind, in the order [`CloneFlags::namespaces`] yields them.
            ///
            /// ```
            /// use nsclone::{CloneFlags, Namespace};
            ///
            /// assert_eq!(Namespace::ALL.len(), 8);
            /// assert!(CloneFlags::ALL_NAMESPACES.namespaces().eq(Namespace::ALL));
            /// ```
            pub const ALL: [Namespace; [$(stringify!($kind)),*].len()] = [$(Namespace::$kind,)*];

            /// The `CLONE_NEW*` flag that creates this kind.
            ///
            /// ```
            /// use nsclone::{CloneFlags, Namespace};
            ///
            /// assert_eq!(Namespace::Mount.flag(), CloneFlags::NEWNS);
            /// ```
            pub const fn flag(self) -> CloneFlags {
                match self {
                    $(Namespace::$kind => CloneFlags::$flag,)*
                }
            }

            /// The file name under `/proc/<pid>/ns/`: `"mnt"`, `"uts"`, ...
            ///
            /// ```
            /// use nsclone::Namespace;
            ///
            /// assert_eq!(Namespace::Mount.proc_name(), "mnt");
            /// ```
            pub const fn proc_name(self) -> &'static str {
                match self {
                    $(Namespace::$kind => $proc_name,)*
                }
            }

            /// The letter of util-linux `unshare`'s (and `nsenter`'s) short
            /// option for this kind: `'m'` for `-m`, `'u'`, ...
            ///
            /// ```
            /// use nsclone::Namespace;
            ///
            /// assert_eq!(Namespace::User.option_letter(), 'U');
            /// ```
            pub const fn option_letter(self) -> char {
                match self {
                    $(Namespace::$kind => $letter,)*
                }
            }

            /// The name of util-linux `unshare`'s (and `nsenter`'s) long
            /// option for this kind: `"mount"` for `--mount`, `"uts"`, ...
            ///
            /// ```
            /// use nsclone::Namespace;
            ///
            /// assert_eq!(Namespace::Mount.option_name(), "mount");
            /// ```
            pub const fn option_name(self) -> &'static str {
                match self {
                    $(Namespace::$kind => $option,)*
                }
            }

            /// Every name util-linux takes for this kind: the option's,
            /// the `/proc` one, and others (`"network"`).
            pub(crate) const fn names(self) -> &'static [&'static str] {
                match self {
                    $(Namespace::$kind => &[$option, $proc_name $(, $alias)*],)*
                }
            }
        }
    };
}

namespaces! {
    /// Mount points (`CLONE_NEWNS`, `mnt`).
    Mount: NEWNS, "mnt", 'm', "mount";
    /// Hostname and NIS domain name (`CLONE_NEWUTS`, `uts`).
    Uts: NEWUTS, "uts", 'u', "uts";
    /// System V IPC and POSIX message queues (`CLONE_NEWIPC`, `ipc`).
    Ipc: NEWIPC, "ipc", 'i', "ipc";
    /// Network devices, stacks and ports (`CLONE_NEWNET`, `net`).
    Net: NEWNET, "net", 'n', "net", "network";
    /// Process IDs (`CLONE_NEWPID`, `pid`).
    Pid: NEWPID, "pid", 'p', "pid";
    /// User and group IDs and capabilities (`CLONE_NEWUSER`, `user`).
    User: NEWUSER, "user", 'U', "user";
    /// The cgroup root directory (`CLONE_NEWCGROUP`, `cgroup`).
    Cgroup: NEWCGROUP, "cgroup", 'C', "cgroup";
    /// The boot-time and monotonic clocks (`CLONE_NEWTIME`, `time`).
    Time: NEWTIME, "time", 'T', "time";
}

/// The name under `/proc/<pid>/ns/` ([`Namespace::proc_name`]), padded as
/// `{:8}` asks; [`FromStr`](core::str::FromStr) reads it back.
///
/// ```
/// use nsclone::Namespace;
///
/// assert_eq!(Namespace::Mount.to_string(), "mnt");
/// assert_eq!(format!("[{:>6}]", Namespace::Net), "[   net]");
/// ```
impl fmt::Display for Namespace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.proc_name())
    }
}

/// Iterator over the namespaces a [`CloneFlags`] creates; see [`CloneFlags::namespaces`].
///
/// ```
/// use nsclone::{CloneFlags, Namespace};
///
/// let mut kinds = (CloneFlags::NEWPID | CloneFlags::VM).namespaces();
/// assert_eq!(kinds.next(), Some(Namespace::Pid));
/// assert_eq!(kinds.next(), None);
/// ```
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
