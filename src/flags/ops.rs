//! `CloneFlags` as a set: bitflags 2's set methods and their operators.
//! Only the complement keeps to the named flags; the others keep unknown bits.

use crate::flags::CloneFlags;
use core::ops;

impl CloneFlags {
    /// The flags set in `self` or in `other` (`|`; usable in `const`).
    ///
    /// ```
    /// use nsclone::CloneFlags;
    ///
    /// const FLAGS: CloneFlags = CloneFlags::NEWNS.union(CloneFlags::NEWPID);
    /// assert_eq!(FLAGS, CloneFlags::NEWNS | CloneFlags::NEWPID);
    /// ```
    #[must_use]
    pub const fn union(self, other: CloneFlags) -> CloneFlags {
        CloneFlags(self.0 | other.0)
    }

    /// The flags set in both `self` and `other` (`&`).
    ///
    /// ```
    /// use nsclone::CloneFlags;
    ///
    /// let flags = CloneFlags::NEWNS | CloneFlags::NEWPID;
    /// assert_eq!(flags.intersection(CloneFlags::NEWPID | CloneFlags::VM), CloneFlags::NEWPID);
    /// ```
    #[must_use]
    pub const fn intersection(self, other: CloneFlags) -> CloneFlags {
        CloneFlags(self.0 & other.0)
    }

    /// The flags set in `self` but not in `other` (`-`). It keeps `self`'s
    /// unknown bits that `other` lacks, which `self & !other` drops, as `!`
    /// keeps to the named flags.
    ///
    /// ```
    /// use nsclone::CloneFlags;
    ///
    /// let flags = CloneFlags::NEWNS | CloneFlags::NEWPID;
    /// assert_eq!(flags.difference(CloneFlags::NEWPID), CloneFlags::NEWNS);
    /// ```
    #[must_use]
    pub const fn difference(self, other: CloneFlags) -> CloneFlags {
        CloneFlags(self.0 & !other.0)
    }

    /// The flags set in exactly one of `self` and `other` (`^`).
    ///
    /// ```
    /// use nsclone::CloneFlags;
    ///
    /// let flags = CloneFlags::NEWNS | CloneFlags::NEWPID;
    /// assert_eq!(
    ///     flags.symmetric_difference(CloneFlags::NEWPID | CloneFlags::NEWNET),
    ///     CloneFlags::NEWNS | CloneFlags::NEWNET,
    /// );
    /// ```
    #[must_use]
    pub const fn symmetric_difference(self, other: CloneFlags) -> CloneFlags {
        CloneFlags(self.0 ^ other.0)
    }

    /// The named flags not set in `self` (`!`): [`CloneFlags::all`] minus
    /// `self`, so unknown bits are never in it.
    ///
    /// ```
    /// use nsclone::CloneFlags;
    ///
    /// assert_eq!(CloneFlags::empty().complement(), CloneFlags::all());
    /// assert_eq!(CloneFlags::from_bits_retain(1 << 40).complement(), CloneFlags::all());
    /// assert!(!CloneFlags::NEWNS.complement().contains(CloneFlags::NEWNS));
    /// ```
    #[must_use]
    pub const fn complement(self) -> CloneFlags {
        CloneFlags::from_bits_truncate(!self.0)
    }

    /// Sets the flags of `other` in `self` (`|=`).
    ///
    /// ```
    /// use nsclone::CloneFlags;
    ///
    /// let mut flags = CloneFlags::NEWNS;
    /// flags.insert(CloneFlags::NEWPID);
    /// assert_eq!(flags, CloneFlags::NEWNS | CloneFlags::NEWPID);
    /// ```
    pub fn insert(&mut self, other: CloneFlags) {
        *self = self.union(other);
    }

    /// Clears the flags of `other` in `self` (`-=`); see
    /// [`difference`](CloneFlags::difference) for how it differs from `&= !other`.
    ///
    /// ```
    /// use nsclone::CloneFlags;
    ///
    /// let mut flags = CloneFlags::NEWNS | CloneFlags::NEWPID;
    /// flags.remove(CloneFlags::NEWPID);
    /// assert_eq!(flags, CloneFlags::NEWNS);
    /// ```
    pub fn remove(&mut self, other: CloneFlags) {
        *self = self.difference(other);
    }

    /// Flips the flags of `other` in `self` (`^=`).
    ///
    /// ```
    /// use nsclone::CloneFlags;
    ///
    /// let mut flags = CloneFlags::NEWNS;
    /// flags.toggle(CloneFlags::NEWNS | CloneFlags::NEWPID);
    /// assert_eq!(flags, CloneFlags::NEWPID);
    /// ```
    pub fn toggle(&mut self, other: CloneFlags) {
        *self = self.symmetric_difference(other);
    }

    /// [`insert`](CloneFlags::insert)s `other` if `value`, else
    /// [`remove`](CloneFlags::remove)s it.
    ///
    /// ```
    /// use nsclone::CloneFlags;
    ///
    /// let mut flags = CloneFlags::empty();
    /// flags.set(CloneFlags::NEWNET, true);
    /// assert_eq!(flags, CloneFlags::NEWNET);
    /// flags.set(CloneFlags::NEWNET, false);
    /// assert!(flags.is_empty());
    /// ```
    pub fn set(&mut self, other: CloneFlags, value: bool) {
        if value {
            self.insert(other);
        } else {
            self.remove(other);
        }
    }
}

/// Implements a binary operator and its assigning form with a set method.
macro_rules! set_operator {
    ($($op:ident $op_fn:ident, $assign:ident $assign_fn:ident => $method:ident, $symbol:literal;)*) => {$(
        #[doc = concat!("`a ", $symbol, " b` is [`a.", stringify!($method), "(b)`](CloneFlags::", stringify!($method), ").")]
        ///
        /// ```
        /// use nsclone::CloneFlags;
        ///
        /// let (a, b) = (CloneFlags::NEWNS | CloneFlags::NEWPID, CloneFlags::NEWPID | CloneFlags::VM);
        #[doc = concat!("assert_eq!(a ", $symbol, " b, a.", stringify!($method), "(b));")]
        /// ```
        impl ops::$op for CloneFlags {
            type Output = CloneFlags;
            fn $op_fn(self, rhs: CloneFlags) -> CloneFlags {
                self.$method(rhs)
            }
        }

        #[doc = concat!("`a ", $symbol, "= b` is `a = a ", $symbol, " b`.")]
        ///
        /// ```
        /// use nsclone::CloneFlags;
        ///
        /// let mut flags = CloneFlags::NEWNS | CloneFlags::NEWPID;
        #[doc = concat!("flags ", $symbol, "= CloneFlags::NEWPID;")]
        #[doc = concat!("assert_eq!(flags, (CloneFlags::NEWNS | CloneFlags::NEWPID) ", $symbol, " CloneFlags::NEWPID);")]
        /// ```
        impl ops::$assign for CloneFlags {
            fn $assign_fn(&mut self, rhs: CloneFlags) {
                *self = self.$method(rhs);
            }
        }
    )*};
}

set_operator! {
    BitOr bitor, BitOrAssign bitor_assign => union, "|";
    BitAnd bitand, BitAndAssign bitand_assign => intersection, "&";
    BitXor bitxor, BitXorAssign bitxor_assign => symmetric_difference, "^";
    Sub sub, SubAssign sub_assign => difference, "-";
}

/// `!a` is [`a.complement()`](CloneFlags::complement): the complement
/// within the named flags.
///
/// ```
/// use nsclone::CloneFlags;
///
/// assert_eq!(!CloneFlags::all(), CloneFlags::empty());
/// assert_eq!(!CloneFlags::empty(), CloneFlags::all());
/// ```
impl ops::Not for CloneFlags {
    type Output = CloneFlags;
    fn not(self) -> CloneFlags {
        self.complement()
    }
}

/// Inserts each item's flags.
///
/// ```
/// use nsclone::CloneFlags;
///
/// let mut flags = CloneFlags::NEWNS;
/// flags.extend([CloneFlags::NEWPID, CloneFlags::NEWNET]);
/// assert_eq!(flags, CloneFlags::NEWNS | CloneFlags::NEWPID | CloneFlags::NEWNET);
/// ```
impl Extend<CloneFlags> for CloneFlags {
    fn extend<I: IntoIterator<Item = CloneFlags>>(&mut self, items: I) {
        for flags in items {
            self.insert(flags);
        }
    }
}

/// The union of the items' flags; collecting [`CloneFlags::iter`] gives
/// back the same bits.
///
/// ```
/// use nsclone::{CloneFlags, Namespace};
///
/// let flags: CloneFlags = [Namespace::User, Namespace::Pid].into_iter().map(CloneFlags::from).collect();
/// assert_eq!(flags, CloneFlags::NEWUSER | CloneFlags::NEWPID);
/// ```
impl FromIterator<CloneFlags> for CloneFlags {
    fn from_iter<I: IntoIterator<Item = CloneFlags>>(items: I) -> CloneFlags {
        let mut flags = CloneFlags::empty();
        flags.extend(items);
        flags
    }
}
