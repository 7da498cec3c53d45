//! Flags and their rules: `CloneFlags`, the kernel's `CLONE_*` bits as a
//! typed set (here), the namespace kinds, the kernel's validation rules and
//! parsing. Uses `sys`.

pub(crate) mod check;
pub(crate) mod namespace;
pub(crate) mod parse;

use crate::flags::namespace::{Namespace, Namespaces};
use core::{fmt, ops};
use linux_raw_sys::general as k;

/// A set of `CLONE_*` flags, as a `u64` so clone3's upper bits fit.
///
/// The low byte of a legacy `clone` flags word is the exit signal, not a flag;
/// `CloneFlags` never carries it (see [`crate::Spawn::exit_signal`]). Its one
/// exception is [`CloneFlags::NEWTIME`] (0x80), which the kernel placed inside
/// that byte, so only clone3, unshare and setns can carry it.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Default)]
pub struct CloneFlags(u64);

/// Declares the flag constants and the table of their kernel names.
macro_rules! clone_flags {
    ($($name:ident = $value:expr;)*) => {
        impl CloneFlags {
            $(
                #[doc = concat!("`CLONE_", stringify!($name), "`.")]
                pub const $name: CloneFlags = CloneFlags($value as u64);
            )*
        }

        /// Every named flag with its kernel name, in bit order.
        pub(crate) const NAMED: &[(CloneFlags, &str)] = &[
            $((CloneFlags::$name, concat!("CLONE_", stringify!($name))),)*
        ];
    };
}

clone_flags! {
    NEWTIME = k::CLONE_NEWTIME;
    VM = k::CLONE_VM;
    FS = k::CLONE_FS;
    FILES = k::CLONE_FILES;
    SIGHAND = k::CLONE_SIGHAND;
    PIDFD = k::CLONE_PIDFD;
    PTRACE = k::CLONE_PTRACE;
    VFORK = k::CLONE_VFORK;
    PARENT = k::CLONE_PARENT;
    THREAD = k::CLONE_THREAD;
    NEWNS = k::CLONE_NEWNS;
    SYSVSEM = k::CLONE_SYSVSEM;
    SETTLS = k::CLONE_SETTLS;
    PARENT_SETTID = k::CLONE_PARENT_SETTID;
    CHILD_CLEARTID = k::CLONE_CHILD_CLEARTID;
    DETACHED = k::CLONE_DETACHED;
    UNTRACED = k::CLONE_UNTRACED;
    CHILD_SETTID = k::CLONE_CHILD_SETTID;
    NEWCGROUP = k::CLONE_NEWCGROUP;
    NEWUTS = k::CLONE_NEWUTS;
    NEWIPC = k::CLONE_NEWIPC;
    NEWUSER = k::CLONE_NEWUSER;
    NEWPID = k::CLONE_NEWPID;
    NEWNET = k::CLONE_NEWNET;
    IO = k::CLONE_IO;
    CLEAR_SIGHAND = k::CLONE_CLEAR_SIGHAND;
    INTO_CGROUP = k::CLONE_INTO_CGROUP;
}

impl CloneFlags {
    /// The low byte of a legacy clone flags word: the exit signal (`CSIGNAL`).
    pub const CSIGNAL: u64 = 0xff;

    /// The union of every namespace flag ([`Namespace::ALL`]'s).
    pub const ALL_NAMESPACES: CloneFlags = {
        let mut bits = 0;
        let mut i = 0;
        while i < Namespace::ALL.len() {
            bits |= Namespace::ALL[i].flag().0;
            i += 1;
        }
        CloneFlags(bits)
    };

    /// The union of every named flag.
    pub const ALL: CloneFlags = {
        let mut all = 0;
        let mut i = 0;
        while i < NAMED.len() {
            all |= NAMED[i].0 .0;
            i += 1;
        }
        CloneFlags(all)
    };

    /// No flags.
    pub const fn empty() -> CloneFlags {
        CloneFlags(0)
    }

    /// The raw bits.
    pub const fn bits(self) -> u64 {
        self.0
    }

    /// The flags for `bits`, or `None` if a bit is set that no named flag covers.
    pub const fn from_bits(bits: u64) -> Option<CloneFlags> {
        if bits & !Self::ALL.0 == 0 {
            Some(CloneFlags(bits))
        } else {
            None
        }
    }

    /// The flags for `bits`, keeping unknown bits (the kernel will judge them).
    pub const fn from_bits_retain(bits: u64) -> CloneFlags {
        CloneFlags(bits)
    }

    /// Whether every flag of `other` is set in `self`.
    pub const fn contains(self, other: CloneFlags) -> bool {
        self.0 & other.0 == other.0
    }

    /// Whether any flag of `other` is set in `self`.
    pub const fn intersects(self, other: CloneFlags) -> bool {
        self.0 & other.0 != 0
    }

    /// Whether no flag is set.
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// `self` with the flags of `other` added (usable in `const`).
    pub const fn union(self, other: CloneFlags) -> CloneFlags {
        CloneFlags(self.0 | other.0)
    }

    /// The namespaces these flags create, in [`Namespace::ALL`] order.
    pub fn namespaces(self) -> Namespaces {
        Namespaces::new(self)
    }

    /// The bits that no named flag covers.
    pub const fn unknown_bits(self) -> u64 {
        self.0 & !Self::ALL.0
    }
}

impl From<Namespace> for CloneFlags {
    fn from(ns: Namespace) -> CloneFlags {
        ns.flag()
    }
}

impl ops::BitOr for CloneFlags {
    type Output = CloneFlags;
    fn bitor(self, rhs: CloneFlags) -> CloneFlags {
        CloneFlags(self.0 | rhs.0)
    }
}

impl ops::BitOrAssign for CloneFlags {
    fn bitor_assign(&mut self, rhs: CloneFlags) {
        self.0 |= rhs.0;
    }
}

impl ops::BitAnd for CloneFlags {
    type Output = CloneFlags;
    fn bitand(self, rhs: CloneFlags) -> CloneFlags {
        CloneFlags(self.0 & rhs.0)
    }
}

impl ops::BitAndAssign for CloneFlags {
    fn bitand_assign(&mut self, rhs: CloneFlags) {
        self.0 &= rhs.0;
    }
}

impl ops::Sub for CloneFlags {
    type Output = CloneFlags;
    fn sub(self, rhs: CloneFlags) -> CloneFlags {
        CloneFlags(self.0 & !rhs.0)
    }
}

impl ops::SubAssign for CloneFlags {
    fn sub_assign(&mut self, rhs: CloneFlags) {
        self.0 &= !rhs.0;
    }
}

impl ops::Not for CloneFlags {
    type Output = CloneFlags;
    /// The complement within the named flags.
    fn not(self) -> CloneFlags {
        CloneFlags(!self.0 & Self::ALL.0)
    }
}

/// `CLONE_NEWNS|CLONE_NEWPID|0x1000000000`: kernel names joined by `|`, unknown bits in hex,
/// `0` when empty. [`core::str::FromStr`] reads this form back.
impl fmt::Display for CloneFlags {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        let mut sep = |f: &mut fmt::Formatter<'_>| {
            let s = if first { "" } else { "|" };
            first = false;
            f.write_str(s)
        };
        for &(flag, name) in NAMED {
            if self.contains(flag) {
                sep(f)?;
                f.write_str(name)?;
            }
        }
        if self.unknown_bits() != 0 {
            sep(f)?;
            write!(f, "{:#x}", self.unknown_bits())?;
        }
        if self.is_empty() {
            f.write_str("0")?;
        }
        Ok(())
    }
}

impl fmt::Debug for CloneFlags {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CloneFlags({self})")
    }
}

// The namespace flags unshare and setns take, as the kernel's headers define them.
static_assertions::const_assert_eq!(CloneFlags::ALL_NAMESPACES.bits(), 0x7e02_0080);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_named_flag_is_one_distinct_bit_outside_the_exit_signal_but_newtime() {
        let mut seen = 0u64;
        for &(flag, name) in NAMED {
            assert_eq!(flag.bits().count_ones(), 1, "{name}");
            assert_eq!(seen & flag.bits(), 0, "{name} repeats a bit");
            seen |= flag.bits();
        }
        assert_eq!(seen & CloneFlags::CSIGNAL, CloneFlags::NEWTIME.bits());
        assert_eq!(CloneFlags::ALL.bits(), seen);
    }

    #[test]
    fn from_bits_refuses_unknown_bits_and_retain_keeps_them() {
        assert_eq!(CloneFlags::from_bits(0x20000), Some(CloneFlags::NEWNS));
        assert_eq!(CloneFlags::from_bits(0x11), None);
        assert_eq!(CloneFlags::from_bits(1 << 40), None);
        assert_eq!(
            CloneFlags::from_bits_retain(1 << 40).unknown_bits(),
            1 << 40
        );
    }

    #[test]
    fn set_operators_behave_like_sets() {
        let a = CloneFlags::NEWNS | CloneFlags::NEWPID;
        assert!(a.contains(CloneFlags::NEWNS) && !a.contains(CloneFlags::NEWNS | CloneFlags::VM));
        assert_eq!(a & CloneFlags::NEWPID, CloneFlags::NEWPID);
        assert_eq!(a - CloneFlags::NEWPID, CloneFlags::NEWNS);
        assert_eq!(!CloneFlags::ALL, CloneFlags::empty());
        assert_eq!((!a) & a, CloneFlags::empty());
        let mut b = a;
        b -= CloneFlags::NEWNS;
        b |= CloneFlags::VM;
        b &= CloneFlags::VM;
        assert_eq!(b, CloneFlags::VM);
    }

    #[test]
    fn namespaces_lists_each_namespace_flag_in_order() {
        let flags = CloneFlags::NEWTIME | CloneFlags::NEWNS | CloneFlags::VM | CloneFlags::NEWUSER;
        let mut kinds = flags.namespaces();
        assert_eq!(kinds.next(), Some(Namespace::Mount));
        assert_eq!(kinds.next(), Some(Namespace::User));
        assert_eq!(kinds.next(), Some(Namespace::Time));
        assert_eq!(kinds.next(), None);
        assert_eq!(CloneFlags::ALL_NAMESPACES.namespaces().count(), 8);
    }

    #[test]
    fn each_namespace_kind_has_its_flag_and_proc_name() {
        let names = Namespace::ALL.map(Namespace::proc_name);
        assert_eq!(
            names,
            ["mnt", "uts", "ipc", "net", "pid", "user", "cgroup", "time"]
        );
        for ns in Namespace::ALL {
            assert_eq!(CloneFlags::from(ns), ns.flag());
            assert!(CloneFlags::ALL_NAMESPACES.contains(ns.flag()));
        }
    }

    #[test]
    fn each_namespace_kind_has_util_linux_option_letter_and_name() {
        let letters = Namespace::ALL.map(Namespace::option_letter);
        assert_eq!(letters, ['m', 'u', 'i', 'n', 'p', 'U', 'C', 'T']);
        let names = Namespace::ALL.map(Namespace::option_name);
        assert_eq!(
            names,
            ["mount", "uts", "ipc", "net", "pid", "user", "cgroup", "time"]
        );
    }
}
