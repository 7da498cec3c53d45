//! Iterating over a `CloneFlags`: its named flags in bit order, as bitflags 2's
//! `iter` and `iter_names` do, then (`iter` only) its unknown bits as one value.

use crate::flags::{constant_name, CloneFlags, NAMED};

impl CloneFlags {
    /// Each named flag set in `self`, in bit order, then the unknown bits as
    /// one value if there are any; collecting them gives back `self`.
    ///
    /// ```
    /// use nsclone::CloneFlags;
    ///
    /// let flags = CloneFlags::NEWPID | CloneFlags::NEWNS | CloneFlags::from_bits_retain(1 << 40);
    /// let each: Vec<CloneFlags> = flags.iter().collect();
    /// assert_eq!(
    ///     each,
    ///     [CloneFlags::NEWNS, CloneFlags::NEWPID, CloneFlags::from_bits_retain(1 << 40)],
    /// );
    /// assert_eq!(flags.iter().collect::<CloneFlags>(), flags);
    /// ```
    pub const fn iter(&self) -> CloneFlagsIter {
        CloneFlagsIter {
            names: self.iter_names(),
        }
    }

    /// Each named flag set in `self` with its constant's name (`"NEWNS"`),
    /// in bit order; unknown bits are left in
    /// [`remaining`](CloneFlagsIterNames::remaining).
    ///
    /// ```
    /// use nsclone::CloneFlags;
    ///
    /// let flags = CloneFlags::NEWUSER | CloneFlags::NEWNS;
    /// let names: Vec<&str> = flags.iter_names().map(|(name, _)| name).collect();
    /// assert_eq!(names, ["NEWNS", "NEWUSER"]);
    /// ```
    pub const fn iter_names(&self) -> CloneFlagsIterNames {
        CloneFlagsIterNames {
            next: 0,
            remaining: *self,
        }
    }
}

/// `for flag in flags` visits what [`CloneFlags::iter`] yields.
///
/// ```
/// use nsclone::CloneFlags;
///
/// let mut count = 0;
/// for flag in CloneFlags::NEWNS | CloneFlags::NEWPID {
///     assert_eq!(flag.bits().count_ones(), 1);
///     count += 1;
/// }
/// assert_eq!(count, 2);
/// ```
impl IntoIterator for CloneFlags {
    type Item = CloneFlags;
    type IntoIter = CloneFlagsIter;

    fn into_iter(self) -> CloneFlagsIter {
        self.iter()
    }
}

/// The iterator of [`CloneFlags::iter`]: named flags, then unknown bits.
///
/// ```
/// use nsclone::CloneFlags;
///
/// let mut flags = CloneFlags::from_bits_retain(0x11).iter();
/// assert_eq!(flags.next(), Some(CloneFlags::from_bits_retain(0x11)));
/// assert_eq!(flags.next(), None);
/// ```
#[derive(Clone, Debug)]
pub struct CloneFlagsIter {
    names: CloneFlagsIterNames,
}

impl Iterator for CloneFlagsIter {
    type Item = CloneFlags;

    fn next(&mut self) -> Option<CloneFlags> {
        if let Some((_, flag)) = self.names.next() {
            return Some(flag);
        }
        // The named flags are done: what is left is unknown bits, yielded once.
        let unknown = core::mem::take(&mut self.names.remaining);
        (!unknown.is_empty()).then_some(unknown)
    }
}

/// The iterator of [`CloneFlags::iter_names`]: named flags with their names.
///
/// ```
/// use nsclone::CloneFlags;
///
/// let mut names = CloneFlags::NEWNET.iter_names();
/// assert_eq!(names.next(), Some(("NEWNET", CloneFlags::NEWNET)));
/// assert_eq!(names.next(), None);
/// ```
#[derive(Clone, Debug)]
pub struct CloneFlagsIterNames {
    /// The index in [`NAMED`] to look at next.
    next: usize,
    /// The bits not yet yielded.
    remaining: CloneFlags,
}

impl CloneFlagsIterNames {
    /// The bits not yet yielded: once the iterator is done, the unknown bits.
    ///
    /// ```
    /// use nsclone::CloneFlags;
    ///
    /// let mut names = (CloneFlags::NEWNS | CloneFlags::from_bits_retain(1 << 40)).iter_names();
    /// assert_eq!(names.remaining().bits(), 1 << 40 | CloneFlags::NEWNS.bits());
    /// names.by_ref().for_each(drop);
    /// assert_eq!(names.remaining().bits(), 1 << 40);
    /// ```
    pub const fn remaining(&self) -> &CloneFlags {
        &self.remaining
    }
}

impl Iterator for CloneFlagsIterNames {
    type Item = (&'static str, CloneFlags);

    fn next(&mut self) -> Option<(&'static str, CloneFlags)> {
        while let Some(&(flag, kernel_name)) = NAMED.get(self.next) {
            self.next += 1;
            if self.remaining.contains(flag) {
                self.remaining.remove(flag);
                return Some((constant_name(kernel_name), flag));
            }
        }
        None
    }
}
