//! How the crate's errors keep and show their words: `BadWord`, text that
//! named nothing, kept in a parse error without allocating, and
//! `debug_as_words!`, a `Debug` that reads as the error's `Display`.

use core::fmt;

/// The longest bad word a parse error keeps.
const WORD_CAPACITY: usize = 32;

/// A word that named nothing, kept in the error (its first
/// [`WORD_CAPACITY`] bytes) so that the error needs no allocation.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct BadWord {
    bytes: [u8; WORD_CAPACITY],
    len: usize,
    truncated: bool,
}

impl BadWord {
    pub(crate) fn new(word: &str) -> BadWord {
        let mut len = word.len().min(WORD_CAPACITY);
        while !word.is_char_boundary(len) {
            len -= 1;
        }
        let mut bytes = [0; WORD_CAPACITY];
        bytes[..len].copy_from_slice(&word.as_bytes()[..len]);
        BadWord {
            bytes,
            len,
            truncated: len < word.len(),
        }
    }

    pub(crate) fn as_str(&self) -> &str {
        // The bytes were copied from a `&str` and cut at a char boundary.
        core::str::from_utf8(&self.bytes[..self.len]).unwrap_or("")
    }
}

/// The word in quotes, with `...` if it was cut.
impl fmt::Display for BadWord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let more = if self.truncated { "..." } else { "" };
        write!(f, "\"{}{more}\"", self.as_str())
    }
}

/// Implements `Debug` for error types as their `Display` words under the
/// type's name, `ParseFlagsError(unknown namespace ...)`: what `main`
/// returning the error prints, where a derived `Debug` would show buffers.
macro_rules! debug_as_words {
    ($($error:ident),* $(,)?) => {$(
        impl core::fmt::Debug for $error {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.debug_tuple(stringify!($error)).field(&format_args!("{self}")).finish()
            }
        }
    )*};
}
pub(crate) use debug_as_words;
