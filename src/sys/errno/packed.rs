//! The errno descriptions packed for binaries that count their bytes
//! (nsrun): the commonest words each stand for one control byte, which
//! makes the text a quarter smaller. Packed at compile time from
//! [`DESCRIPTIONS`], so there is still one list to edit.

use super::{entry, DESCRIPTIONS, DESCRIPTION_LENGTHS, END};

/// The words control bytes 1, 2, ... stand for, longest first, as packing
/// tries them in this order (chosen for the bytes they save).
const WORDS: [&str; 31] = [
    "interrupted system call",
    "transport endpoint ",
    " shared library",
    "not supported",
    " out of range",
    "connection ",
    " descriptor",
    "operation ",
    "available",
    "too many ",
    "directory",
    " too long",
    "invalid ",
    "protocol",
    "resource",
    "argument",
    "required",
    "address",
    "network",
    " error",
    "device",
    "socket",
    " type",
    "level",
    "not ",
    "file",
    "link",
    "no ",
    "is ",
    "on ",
    "or ",
];

/// The first byte that is text rather than the code of a word.
const FIRST_TEXT: u8 = WORDS.len() as u8 + 1;

/// Every word after its code: `\x01interrupted system call\x02transport...`.
const DICTIONARY: &str = {
    const LEN: usize = {
        let (mut len, mut k) = (0, 0);
        while k < WORDS.len() {
            len += 1 + WORDS[k].len();
            k += 1;
        }
        len
    };
    const BYTES: [u8; LEN] = {
        let mut bytes = [0; LEN];
        let (mut at, mut k) = (0, 0);
        while k < WORDS.len() {
            bytes[at] = k as u8 + 1;
            at = copy(WORDS[k].as_bytes(), &mut bytes, at + 1);
            k += 1;
        }
        bytes
    };
    utf8(&BYTES)
};

/// The packed length of every description, as [`DESCRIPTION_LENGTHS`] has
/// the others. (Separate consts, so that neither drags the other along.)
const PACKED_LENGTHS: [u8; END] = PACKED.1;

/// Every description packed, in the order of the numbers.
const PACKED_TEXT: &str = {
    const BYTES: [u8; PACKED_LEN] = PACKED.0;
    utf8(&BYTES)
};

/// The packed text and lengths, made in one pass.
const PACKED: ([u8; PACKED_LEN], [u8; END]) = {
    let mut text = [0; PACKED_LEN];
    let mut lengths = [0; END];
    pack(&mut text, &mut lengths);
    (text, lengths)
};

/// The packed text's length: a pass that stores nothing.
const PACKED_LEN: usize = pack(&mut [], &mut [0; END]);

/// Packs [`DESCRIPTIONS`] into `out` (as much as fits) and the length of
/// each packed description into `lengths`; returns the whole packed length.
const fn pack(out: &mut [u8], lengths: &mut [u8; END]) -> usize {
    let text = DESCRIPTIONS.as_bytes();
    let (mut from, mut to, mut index) = (0, 0, 0);
    while index < END {
        let end = from + DESCRIPTION_LENGTHS[index] as usize;
        let first = to;
        while from < end {
            let (byte, len) = code_at(text, from, end);
            if to < out.len() {
                out[to] = byte;
            }
            to += 1;
            from += len;
        }
        lengths[index] = (to - first) as u8;
        index += 1;
    }
    to
}

/// The first of [`WORDS`] that `text[at..end]` starts with: its code and
/// length; otherwise the byte at `at` itself.
const fn code_at(text: &[u8], at: usize, end: usize) -> (u8, usize) {
    assert!(
        text[at] >= FIRST_TEXT && text[at].is_ascii(),
        "a description holds a control byte or is not ASCII"
    );
    let mut k = 0;
    while k < WORDS.len() {
        let word = WORDS[k].as_bytes();
        let mut i = 0;
        while i < word.len() && at + i < end && text[at + i] == word[i] {
            i += 1;
        }
        if i == word.len() {
            return (k as u8 + 1, word.len());
        }
        k += 1;
    }
    (text[at], 1)
}

/// Copies `from` into `to` at `at`; returns where it ends.
const fn copy(from: &[u8], to: &mut [u8], at: usize) -> usize {
    let mut i = 0;
    while i < from.len() {
        to[at + i] = from[i];
        i += 1;
    }
    at + from.len()
}

/// `bytes` as text, at compile time.
const fn utf8(bytes: &'static [u8]) -> &'static str {
    match core::str::from_utf8(bytes) {
        Ok(text) => text,
        Err(_) => panic!("packed errno text is not UTF-8"),
    }
}

/// The pieces of description `index` (or of "unknown error" for `None`).
pub(super) fn pieces(index: Option<usize>) -> Pieces {
    let rest = match index {
        Some(index) => entry(PACKED_TEXT, &PACKED_LENGTHS, index),
        None => "unknown error",
    };
    Pieces {
        rest: rest.as_bytes(),
    }
}

/// Unpacks a description: runs of text as they are, and the word of each code.
pub(super) struct Pieces {
    rest: &'static [u8],
}

impl Iterator for Pieces {
    type Item = &'static str;

    fn next(&mut self) -> Option<&'static str> {
        let (&first, after) = self.rest.split_first()?;
        let (piece, rest) = if first < FIRST_TEXT {
            let dictionary = DICTIONARY.as_bytes();
            let at = dictionary.iter().position(|&b| b == first).unwrap_or(0);
            (text_run(dictionary.split_at(at + 1).1).0, after)
        } else {
            text_run(self.rest)
        };
        self.rest = rest;
        // SAFETY: the packed text and the dictionary are ASCII (`code_at`
        // refuses other bytes; the words are literals): any run is UTF-8.
        // Slicing them as str would link core's 300-byte boundary report.
        Some(unsafe { core::str::from_utf8_unchecked(piece) })
    }
}

/// `text` split before its first code.
fn text_run(text: &'static [u8]) -> (&'static [u8], &'static [u8]) {
    let end = text.iter().position(|&b| b < FIRST_TEXT);
    text.split_at(end.unwrap_or(text.len()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Errno;

    #[test]
    fn packed_descriptions_unpack_to_the_descriptions() {
        extern crate std;
        use std::string::String;
        for raw in -1..=END as i32 {
            let errno = Errno::from_raw(raw);
            let unpacked: String = errno.description_pieces().collect();
            assert_eq!(unpacked, errno.description(), "errno {raw}");
        }
    }

    #[test]
    fn packing_saves_a_quarter_of_the_text() {
        assert!(PACKED_TEXT.len() + DICTIONARY.len() < DESCRIPTIONS.len() * 3 / 4);
    }
}
