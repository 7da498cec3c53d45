//! Reading `CloneFlags` from text: util-linux names, `CLONE_*` names and hex.

use crate::flags::namespace::Namespace;
use crate::flags::{CloneFlags, NAMED};
use core::{fmt, str::FromStr};

/// The longest bad word a [`ParseFlagsError`] keeps.
const WORD_CAPACITY: usize = 32;

/// A word in a flags string that names no flag.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct ParseFlagsError {
    word: [u8; WORD_CAPACITY],
    len: usize,
    truncated: bool,
}

impl ParseFlagsError {
    fn new(word: &str) -> ParseFlagsError {
        let mut len = word.len().min(WORD_CAPACITY);
        while !word.is_char_boundary(len) {
            len -= 1;
        }
        let mut buf = [0; WORD_CAPACITY];
        buf[..len].copy_from_slice(&word.as_bytes()[..len]);
        ParseFlagsError {
            word: buf,
            len,
            truncated: len < word.len(),
        }
    }

    /// The bad word (its first 32 bytes if it was longer).
    pub fn word(&self) -> &str {
        // The bytes were copied from a `&str` and cut at a char boundary.
        core::str::from_utf8(&self.word[..self.len]).unwrap_or("")
    }
}

impl fmt::Display for ParseFlagsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let more = if self.truncated { "..." } else { "" };
        write!(
            f,
            "unknown namespace or clone flag \"{}{more}\" (expected ",
            self.word()
        )?;
        for ns in Namespace::ALL {
            write!(f, "{}, ", ns.option_name())?;
        }
        f.write_str("a CLONE_* name or a hex number, separated by ',' or '|')")
    }
}

impl fmt::Debug for ParseFlagsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ParseFlagsError")
            .field("word", &self.word())
            .finish()
    }
}

/// Parses `"net,pid,uts"`, `"mnt"`, `"CLONE_NEWNET|CLONE_NEWPID"` or the
/// [`Display`](fmt::Display) form (`0x...` for bits without a name, `0` for none).
/// Names are case-insensitive; spaces around a word are ignored.
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
    let by_name = Namespace::ALL
        .iter()
        .flat_map(|ns| ns.names().iter().map(|&name| (ns.flag(), name)))
        .chain(NAMED.iter().copied())
        .find(|(_, name)| name.eq_ignore_ascii_case(trimmed));
    if let Some((flag, _)) = by_name {
        return Ok(flag);
    }
    parse_number(trimmed).ok_or_else(|| ParseFlagsError::new(word))
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
