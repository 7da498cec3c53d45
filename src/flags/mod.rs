//! Flags and their rules: `CloneFlags`, the kernel's `CLONE_*` bits as a
//! typed set (here; its set algebra in `ops.rs`, its iterators in `iter.rs`),
//! the namespace kinds, the kernel's validation rules and parsing. Uses `sys`.

pub(crate) mod check;
pub(crate) mod iter;
pub(crate) mod namespace;
mod ops;
pub(crate) mod parse;

use crate::flags::namespace::{Namespace, Namespaces};
use core::fmt;
use linux_raw_sys::general as k;

/// A set of `CLONE_*` flags, as a `u64` so clone3's upper bits fit.
///
/// The low byte of a legacy `clone` flags word is the exit signal, not a flag;
/// `CloneFlags` never carries it (see [`crate::Spawn::exit_signal`]). Its one
/// exception is [`CloneFlags::NEWTIME`] (0x80), which the kernel placed inside
/// that byte, so only clone3, unshare and setns can carry it.
///
/// It has the API of a [bitflags 2](https://docs.rs/bitflags/2) type, with
/// the same names and meanings: the *known* bits are the named flags'
/// ([`CloneFlags::all`]); bits outside them are kept by
/// [`from_bits_retain`](CloneFlags::from_bits_retain), by `|`, `&`, `^`, `-`
/// and the methods named after them, and dropped by `!`,
/// [`complement`](CloneFlags::complement) and
/// [`from_bits_truncate`](CloneFlags::from_bits_truncate). A flag's name in
/// [`from_name`](CloneFlags::from_name) and
/// [`iter_names`](CloneFlags::iter_names) is its constant's (`"NEWNS"`);
/// [`Display`](fmt::Display) and [`FromStr`](core::str::FromStr) use the
/// kernel's (`CLONE_NEWNS`) and util-linux's (`mount`).
///
/// ```
/// use nsclone::CloneFlags;
///
/// let mut flags = CloneFlags::NEWUSER | CloneFlags::NEWPID;
/// flags.insert(CloneFlags::NEWNS);
/// flags.remove(CloneFlags::NEWPID);
/// assert_eq!(flags.to_string(), "CLONE_NEWNS|CLONE_NEWUSER");
/// assert_eq!("mount,user".parse::<CloneFlags>(), Ok(flags));
/// assert_eq!(format!("{flags:#x}"), "0x10020000");
/// ```
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

/// The prefix of every kernel name in [`NAMED`], which constant names lack.
const KERNEL_PREFIX: &str = "CLONE_";

/// The name of a flag's constant (`"NEWNS"`) from its kernel name in [`NAMED`].
fn constant_name(kernel_name: &'static str) -> &'static str {
    &kernel_name[KERNEL_PREFIX.len()..]
}

impl CloneFlags {
    /// The low byte of a legacy clone flags word: the exit signal (`CSIGNAL`).
    ///
    /// ```
    /// use nsclone::CloneFlags;
    ///
    /// let word = (CloneFlags::NEWPID.bits() as u32) | 17; // SIGCHLD
    /// assert_eq!(u64::from(word) & CloneFlags::CSIGNAL, 17);
    /// ```
    pub const CSIGNAL: u64 = 0xff;

    /// The union of every namespace flag ([`Namespace::ALL`]'s).
    ///
    /// ```
    /// use nsclone::{CloneFlags, Namespace};
    ///
    /// assert!(CloneFlags::ALL_NAMESPACES.contains(CloneFlags::NEWUSER));
    /// assert_eq!(CloneFlags::ALL_NAMESPACES.namespaces().count(), Namespace::ALL.len());
    /// ```
    pub const ALL_NAMESPACES: CloneFlags = {
        let mut bits = 0;
        let mut i = 0;
        while i < Namespace::ALL.len() {
            bits |= Namespace::ALL[i].flag().0;
            i += 1;
        }
        CloneFlags(bits)
    };

    /// The union of every named flag: the value of [`CloneFlags::all`].
    ///
    /// ```
    /// use nsclone::CloneFlags;
    ///
    /// assert_eq!(CloneFlags::ALL, CloneFlags::all());
    /// assert_eq!(CloneFlags::ALL.unknown_bits(), 0);
    /// ```
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
    ///
    /// ```
    /// use nsclone::CloneFlags;
    ///
    /// assert!(CloneFlags::empty().is_empty());
    /// assert_eq!(CloneFlags::empty().bits(), 0);
    /// ```
    pub const fn empty() -> CloneFlags {
        CloneFlags(0)
    }

    /// Every named flag (the known bits); bits no flag names are not in it.
    ///
    /// ```
    /// use nsclone::CloneFlags;
    ///
    /// assert!(CloneFlags::all().contains(CloneFlags::NEWTIME | CloneFlags::INTO_CGROUP));
    /// assert_eq!(CloneFlags::all().bits() & 0x7f, 0); // the exit signal's bits but NEWTIME
    /// ```
    pub const fn all() -> CloneFlags {
        CloneFlags::ALL
    }

    /// The raw bits, unknown ones included.
    ///
    /// ```
    /// use nsclone::CloneFlags;
    ///
    /// assert_eq!((CloneFlags::NEWNS | CloneFlags::NEWPID).bits(), 0x2002_0000);
    /// ```
    pub const fn bits(self) -> u64 {
        self.0
    }

    /// The flags for `bits`, or `None` if a bit is set that no named flag covers.
    ///
    /// ```
    /// use nsclone::CloneFlags;
    ///
    /// assert_eq!(CloneFlags::from_bits(0x2_0000), Some(CloneFlags::NEWNS));
    /// assert_eq!(CloneFlags::from_bits(0x2_0011), None); // 0x11: an exit signal
    /// ```
    pub const fn from_bits(bits: u64) -> Option<CloneFlags> {
        if bits & !Self::ALL.0 == 0 {
            Some(CloneFlags(bits))
        } else {
            None
        }
    }

    /// The flags for `bits`, dropping the bits no named flag covers.
    ///
    /// ```
    /// use nsclone::CloneFlags;
    ///
    /// assert_eq!(CloneFlags::from_bits_truncate(0x2_0011), CloneFlags::NEWNS);
    /// ```
    pub const fn from_bits_truncate(bits: u64) -> CloneFlags {
        CloneFlags(bits & Self::ALL.0)
    }

    /// The flags for `bits`, keeping unknown bits (the kernel will judge them).
    ///
    /// ```
    /// use nsclone::CloneFlags;
    ///
    /// let flags = CloneFlags::from_bits_retain(1 << 40 | 0x2_0000);
    /// assert_eq!(flags.bits(), 1 << 40 | 0x2_0000);
    /// assert_eq!(flags.unknown_bits(), 1 << 40);
    /// ```
    pub const fn from_bits_retain(bits: u64) -> CloneFlags {
        CloneFlags(bits)
    }

    /// The flag whose constant is named `name`, exactly (`"NEWNS"`, not
    /// `"CLONE_NEWNS"` nor `"newns"`), or `None`. [`FromStr`](core::str::FromStr)
    /// reads kernel and util-linux names.
    ///
    /// ```
    /// use nsclone::CloneFlags;
    ///
    /// assert_eq!(CloneFlags::from_name("NEWNS"), Some(CloneFlags::NEWNS));
    /// assert_eq!(CloneFlags::from_name("CLONE_NEWNS"), None);
    /// assert_eq!(CloneFlags::from_name(""), None);
    /// ```
    pub fn from_name(name: &str) -> Option<CloneFlags> {
        NAMED
            .iter()
            .find(|&&(_, kernel_name)| constant_name(kernel_name) == name)
            .map(|&(flag, _)| flag)
    }

    /// Whether every flag of `other` is set in `self`.
    ///
    /// ```
    /// use nsclone::CloneFlags;
    ///
    /// let flags = CloneFlags::NEWNS | CloneFlags::NEWPID;
    /// assert!(flags.contains(CloneFlags::NEWNS));
    /// assert!(!flags.contains(CloneFlags::NEWNS | CloneFlags::NEWNET));
    /// ```
    pub const fn contains(self, other: CloneFlags) -> bool {
        self.0 & other.0 == other.0
    }

    /// Whether any flag of `other` is set in `self`.
    ///
    /// ```
    /// use nsclone::CloneFlags;
    ///
    /// let flags = CloneFlags::NEWNS | CloneFlags::NEWPID;
    /// assert!(flags.intersects(CloneFlags::NEWNS | CloneFlags::NEWNET));
    /// assert!(!flags.intersects(CloneFlags::NEWNET));
    /// ```
    pub const fn intersects(self, other: CloneFlags) -> bool {
        self.0 & other.0 != 0
    }

    /// Whether no bit is set, known or not.
    ///
    /// ```
    /// use nsclone::CloneFlags;
    ///
    /// assert!(CloneFlags::empty().is_empty());
    /// assert!(!CloneFlags::from_bits_retain(1 << 40).is_empty());
    /// ```
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// Whether every named flag is set (unknown bits may be set too).
    ///
    /// ```
    /// use nsclone::CloneFlags;
    ///
    /// assert!(CloneFlags::all().is_all());
    /// assert!(!CloneFlags::ALL_NAMESPACES.is_all());
    /// ```
    pub const fn is_all(&self) -> bool {
        self.0 & Self::ALL.0 == Self::ALL.0
    }

    /// The namespaces these flags create, in [`Namespace::ALL`] order.
    ///
    /// ```
    /// use nsclone::{CloneFlags, Namespace};
    ///
    /// let kinds: Vec<Namespace> = (CloneFlags::NEWUSER | CloneFlags::NEWNS).namespaces().collect();
    /// assert_eq!(kinds, [Namespace::Mount, Namespace::User]);
    /// ```
    pub fn namespaces(self) -> Namespaces {
        Namespaces::new(self)
    }

    /// The bits that no named flag covers.
    ///
    /// ```
    /// use nsclone::CloneFlags;
    ///
    /// assert_eq!(CloneFlags::from_bits_retain(0x2_0011).unknown_bits(), 0x11);
    /// ```
    pub const fn unknown_bits(self) -> u64 {
        self.0 & !Self::ALL.0
    }
}

/// A namespace kind's `CLONE_NEW*` flag.
///
/// ```
/// use nsclone::{CloneFlags, Namespace};
///
/// assert_eq!(CloneFlags::from(Namespace::Net), CloneFlags::NEWNET);
/// ```
impl From<Namespace> for CloneFlags {
    fn from(ns: Namespace) -> CloneFlags {
        ns.flag()
    }
}

/// `CLONE_NEWNS|CLONE_NEWPID|0x1000000000`: kernel names joined by `|`, unknown bits in hex,
/// `0` when empty. [`core::str::FromStr`] reads this form back.
///
/// ```
/// use nsclone::CloneFlags;
///
/// let flags = CloneFlags::NEWNS | CloneFlags::NEWPID | CloneFlags::from_bits_retain(1 << 36);
/// assert_eq!(flags.to_string(), "CLONE_NEWNS|CLONE_NEWPID|0x1000000000");
/// assert_eq!(CloneFlags::empty().to_string(), "0");
/// ```
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

/// The [`Display`](fmt::Display) form in `CloneFlags(...)`.
///
/// ```
/// use nsclone::CloneFlags;
///
/// assert_eq!(format!("{:?}", CloneFlags::NEWUTS), "CloneFlags(CLONE_NEWUTS)");
/// ```
impl fmt::Debug for CloneFlags {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CloneFlags({self})")
    }
}

/// Formats the raw bits as a `u64` does, for each of bitflags' number formats.
macro_rules! format_bits {
    ($($trait:ident, $example:literal, $text:literal;)*) => {$(
        #[doc = concat!("The raw bits, as `u64`'s `", stringify!($trait), "` writes them.")]
        ///
        /// ```
        /// use nsclone::CloneFlags;
        ///
        #[doc = concat!("assert_eq!(format!(", $example, ", CloneFlags::NEWNS | CloneFlags::NEWPID), ", $text, ");")]
        /// ```
        impl fmt::$trait for CloneFlags {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::$trait::fmt(&self.0, f)
            }
        }
    )*};
}

format_bits! {
    LowerHex, "\"{:#x}\"", "\"0x20020000\"";
    UpperHex, "\"{:X}\"", "\"20020000\"";
    Octal, "\"{:o}\"", "\"4000400000\"";
    Binary, "\"{:b}\"", "\"100000000000100000000000000000\"";
}

// The namespace flags unshare and setns take, as the kernel's headers define them.
static_assertions::const_assert_eq!(CloneFlags::ALL_NAMESPACES.bits(), 0x7e02_0080);

#[cfg(test)]
mod tests;
