//! Reading `CloneFlags` from text: util-linux names, `CLONE_*` names and hex.

use crate::flags::namespace::Namespace;
use crate::flags::{CloneFlags, NAMED};
use crate::sys::error_words::{debug_as_words, BadWord};
use core::{fmt, str::FromStr};

/// A word in a flags string that names no flag.
///
/// ```
/// use nsclone::CloneFlags;
///
/// let err = "net,bogus".parse::<CloneFlags>().unwrap_err();
/// assert_eq!(err.word(), "bogus");
/// assert!(err.to_string().starts_with("unknown namespace or clone flag \"bogus\""));
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct ParseFlagsError {
    word: BadWord,
}

debug_as_words!(ParseFlagsError, ParseNamespaceError);

impl ParseFlagsError {
    /// The bad word (its first 32 bytes if it was longer).
    ///
    /// ```
    /// use nsclone::CloneFlags;
    ///
    /// assert_eq!("net,,pid".parse::<CloneFlags>().unwrap_err().word(), "");
    /// ```
    pub fn word(&self) -> &str {
        self.word.as_str()
    }
}

/// Names the word and what was expected instead.
///
/// ```
/// use nsclone::CloneFlags;
///
/// assert_eq!(
///     "bogus".parse::<CloneFlags>().unwrap_err().to_string(),
///     "unknown namespace or clone flag \"bogus\" (expected mount, uts, ipc, net, pid, \
///      user, cgroup, time, a CLONE_* name or a hex number, separated by ',' or '|')",
/// );
/// ```
impl fmt::Display for ParseFlagsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown namespace or clone flag {} (expected ",
            self.word
        )?;
        for ns in Namespace::ALL {
            write!(f, "{}, ", ns.option_name())?;
        }
        f.write_str("a CLONE_* name or a hex number, separated by ',' or '|')")
    }
}

/// A string that names no kind of namespace: what [`Namespace`]'s
/// [`FromStr`] returns.
///
/// ```
/// use nsclone::Namespace;
///
/// let err = "mnt ns".parse::<Namespace>().unwrap_err();
/// assert_eq!(err.word(), "mnt ns");
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct ParseNamespaceError {
    word: BadWord,
}

impl ParseNamespaceError {
    /// The string that named no kind (its first 32 bytes if it was longer).
    ///
    /// ```
    /// use nsclone::Namespace;
    ///
    /// assert_eq!("".parse::<Namespace>().unwrap_err().word(), "");
    /// ```
    pub fn word(&self) -> &str {
        self.word.as_str()
    }
}

/// Names the string and every name a kind has.
///
/// ```
/// use nsclone::Namespace;
///
/// assert_eq!(
///     "bogus".parse::<Namespace>().unwrap_err().to_string(),
///     "unknown namespace \"bogus\" (expected one of mount, mnt, uts, ipc, net, network, \
///      pid, user, cgroup, time)",
/// );
/// ```
impl fmt::Display for ParseNamespaceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown namespace {} (expected one of ", self.word)?;
        let mut sep = "";
        for ns in Namespace::ALL {
            let names = ns.names();
            for (i, name) in names.iter().enumerate() {
                // "uts" is both the option's name and the /proc one: once.
                if !names[..i].contains(name) {
                    write!(f, "{sep}{name}")?;
                    sep = ", ";
                }
            }
        }
        f.write_str(")")
    }
}

/// Parses `"net,pid,uts"`, `"mnt"`, `"CLONE_NEWNET|CLONE_NEWPID"`, the
/// constants' names without `CLONE_` as [`CloneFlags::from_name`] and
/// [`iter_names`](CloneFlags::iter_names) have them (`"NEWNS"`, `"fs"`),
/// or the [`Display`](fmt::Display) form (`0x...` for bits without a
/// name, `0` for none). Names are case-insensitive; spaces around a word
/// are ignored.
///
/// # Errors
///
/// [`ParseFlagsError`], naming the first word that is none of these
/// (an empty string is one empty word).
///
/// ```
/// use nsclone::CloneFlags;
///
/// let flags = CloneFlags::NEWNET | CloneFlags::NEWPID;
/// assert_eq!("net, pid".parse::<CloneFlags>(), Ok(flags));
/// assert_eq!("CLONE_NEWNET|clone_newpid".parse::<CloneFlags>(), Ok(flags));
/// assert_eq!("NEWNET|newpid".parse::<CloneFlags>(), Ok(flags));
/// assert_eq!("0x60000000".parse::<CloneFlags>(), Ok(flags));
/// for (name, flag) in CloneFlags::all().iter_names() {
///     assert_eq!(name.parse::<CloneFlags>(), Ok(flag));
/// }
/// assert_eq!(flags.to_string().parse::<CloneFlags>(), Ok(flags));
/// assert!("".parse::<CloneFlags>().is_err());
/// ```
impl FromStr for CloneFlags {
    type Err = ParseFlagsError;

    fn from_str(text: &str) -> Result<CloneFlags, ParseFlagsError> {
        text.split([',', '|'])
            .try_fold(CloneFlags::empty(), |flags, word| {
                Ok(flags | parse_word(word)?)
            })
    }
}

fn parse_word(word: &str) -> Result<CloneFlags, ParseFlagsError> {
    let trimmed = word.trim();
    if let Some(ns) = namespace_named(trimmed) {
        return Ok(ns.flag());
    }
    let by_kernel_name = NAMED.iter().find(|(_, name)| {
        name.eq_ignore_ascii_case(trimmed)
            || name
                .strip_prefix("CLONE_")
                .is_some_and(|short| short.eq_ignore_ascii_case(trimmed))
    });
    if let Some(&(flag, _)) = by_kernel_name {
        return Ok(flag);
    }
    parse_number(trimmed).ok_or_else(|| ParseFlagsError {
        word: BadWord::new(word),
    })
}

/// Parses any name util-linux takes for a kind, as [`CloneFlags`]'s
/// [`FromStr`] does for one word, without spaces around it: its option name
/// (`"mount"`), its `/proc` name (`"mnt"`, what [`Display`](fmt::Display)
/// prints) and others (`"network"`), in any case. `CLONE_NEW*` names are
/// flags': [`CloneFlags`] reads them.
///
/// # Errors
///
/// [`ParseNamespaceError`] if `text` is none of these names.
///
/// ```
/// use nsclone::Namespace;
///
/// assert_eq!("mount".parse::<Namespace>(), Ok(Namespace::Mount));
/// assert_eq!("mnt".parse::<Namespace>(), Ok(Namespace::Mount));
/// assert_eq!("NETWORK".parse::<Namespace>(), Ok(Namespace::Net));
/// assert!("CLONE_NEWNET".parse::<Namespace>().is_err());
/// for ns in Namespace::ALL {
///     assert_eq!(ns.to_string().parse::<Namespace>(), Ok(ns));
/// }
/// ```
impl FromStr for Namespace {
    type Err = ParseNamespaceError;

    fn from_str(text: &str) -> Result<Namespace, ParseNamespaceError> {
        namespace_named(text).ok_or_else(|| ParseNamespaceError {
            word: BadWord::new(text),
        })
    }
}

/// The kind one of whose names util-linux takes is `name`, in any case.
fn namespace_named(name: &str) -> Option<Namespace> {
    Namespace::ALL
        .into_iter()
        .find(|ns| ns.names().iter().any(|n| n.eq_ignore_ascii_case(name)))
}

/// `0`, or a hex number with a `0x` prefix, as [`CloneFlags`]'s Display prints unknown bits.
fn parse_number(word: &str) -> Option<CloneFlags> {
    if word == "0" {
        return Some(CloneFlags::empty());
    }
    let hex = word
        .strip_prefix("0x")
        .or_else(|| word.strip_prefix("0X"))?;
    if hex.is_empty() || hex.starts_with('+') {
        return None;
    }
    u64::from_str_radix(hex, 16)
        .ok()
        .map(CloneFlags::from_bits_retain)
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use std::string::ToString;

    #[test]
    fn util_linux_names_parse_to_their_flags() {
        let flags: CloneFlags = "net,pid,uts".parse().unwrap();
        assert_eq!(
            flags,
            CloneFlags::NEWNET | CloneFlags::NEWPID | CloneFlags::NEWUTS
        );
        assert_eq!("mnt".parse::<CloneFlags>(), Ok(CloneFlags::NEWNS));
        assert_eq!("mount".parse::<CloneFlags>(), Ok(CloneFlags::NEWNS));
        assert_eq!("network".parse::<CloneFlags>(), Ok(CloneFlags::NEWNET));
        assert_eq!(
            "user, cgroup ,time,ipc".parse::<CloneFlags>(),
            Ok(CloneFlags::NEWUSER
                | CloneFlags::NEWCGROUP
                | CloneFlags::NEWTIME
                | CloneFlags::NEWIPC)
        );
    }

    #[test]
    fn kernel_names_and_pipes_parse() {
        assert_eq!(
            "CLONE_NEWNET|CLONE_NEWPID".parse::<CloneFlags>(),
            Ok(CloneFlags::NEWNET | CloneFlags::NEWPID)
        );
        assert_eq!(
            "clone_into_cgroup".parse::<CloneFlags>(),
            Ok(CloneFlags::INTO_CGROUP)
        );
    }

    #[test]
    fn a_bad_word_is_named_in_the_error() {
        let err = "net,bogus,pid".parse::<CloneFlags>().unwrap_err();
        assert_eq!(err.word(), "bogus");
        assert_eq!(
            err.to_string(),
            "unknown namespace or clone flag \"bogus\" (expected mount, uts, ipc, net, pid, \
             user, cgroup, time, a CLONE_* name or a hex number, separated by ',' or '|')"
        );
        assert_eq!("net,,pid".parse::<CloneFlags>().unwrap_err().word(), "");
        assert_eq!("".parse::<CloneFlags>().unwrap_err().word(), "");
        assert_eq!("0x".parse::<CloneFlags>().unwrap_err().word(), "0x");
        assert_eq!("0x+1".parse::<CloneFlags>().unwrap_err().word(), "0x+1");
    }

    #[test]
    fn a_long_bad_word_is_cut_at_a_char_boundary() {
        let word = "é".repeat(40);
        let err = word.parse::<CloneFlags>().unwrap_err();
        assert_eq!(err.word(), "é".repeat(16));
        assert!(err.to_string().contains("...\""));
    }

    #[test]
    fn display_reads_back_to_the_same_bits() {
        for bits in [0, 0x7e020080, 0x1_0000_0000, 0x3f_0000_0011, u64::MAX] {
            let flags = CloneFlags::from_bits_retain(bits);
            let text = flags.to_string();
            assert_eq!(text.parse::<CloneFlags>(), Ok(flags), "{text}");
        }
        assert_eq!(CloneFlags::empty().to_string(), "0");
        assert_eq!(
            (CloneFlags::NEWNS | CloneFlags::NEWPID).to_string(),
            "CLONE_NEWNS|CLONE_NEWPID"
        );
    }
}
