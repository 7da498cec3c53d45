//! nsrun's namespace options (`-m`, `--mount`, ...) and their lines of the
//! help, derived from nsclone's table of kinds ([`Namespace::ALL`]): a kind
//! added there is an option here. Derived when compiling, into the packed
//! byte strings a table written by hand would be: read at run time, the
//! table's string slices cost nsrun 176 bytes more (x86_64, measured).

use nsclone::Namespace;

/// The column where the descriptions start in the help (`report::HELP`).
const DESCRIPTION_COLUMN: usize = 29;

/// The help's width: options share a line while they fit 80 columns.
const WIDTH: usize = 80;

/// Bytes laid end to end when compiling. A capacity `N` too small fails the
/// build (an index out of bounds in a const); lengths are measured by
/// laying out into a roomy one ([`ROOM`]).
pub struct Packed<const N: usize> {
    pub bytes: [u8; N],
    len: usize,
}

/// Room enough to measure the namespace options' strings.
const ROOM: usize = 512;

/// The length of [`Packed::namespace_names`].
pub const NAMES: usize = Packed::<ROOM>::new().namespace_names().len;

/// The length of [`Packed::namespace_help`].
pub const HELP: usize = Packed::<ROOM>::new().namespace_help().len;

impl<const N: usize> Packed<N> {
    pub const fn new() -> Packed<N> {
        Packed {
            bytes: [0; N],
            len: 0,
        }
    }

    pub const fn push(mut self, text: &[u8]) -> Packed<N> {
        let mut at = 0;
        while at < text.len() {
            self.bytes[self.len] = text[at];
            self.len += 1;
            at += 1;
        }
        self
    }

    /// Adds every kind's option letter, in [`Namespace::ALL`] order.
    pub const fn namespace_letters(mut self) -> Packed<N> {
        let mut kind = 0;
        while kind < Namespace::ALL.len() {
            self = self.push(&[letter(Namespace::ALL[kind])]);
            kind += 1;
        }
        self
    }

    /// Adds every kind's option name, each followed by a space (a list for
    /// [`find_word`](crate::words::find_word)), in [`Namespace::ALL`] order.
    pub const fn namespace_names(mut self) -> Packed<N> {
        let mut kind = 0;
        while kind < Namespace::ALL.len() {
            let name = Namespace::ALL[kind].option_name().as_bytes();
            self = self.push(name).push(b" ");
            kind += 1;
        }
        self
    }

    /// Adds the help's lines for the namespace options (`  -m, --mount
    /// -u, --uts`), as many to a line as fit, and pads the last to the
    /// description (which goes on a line of its own if they leave no room).
    pub const fn namespace_help(mut self) -> Packed<N> {
        let mut column = 0;
        let mut kind = 0;
        while kind < Namespace::ALL.len() {
            let namespace = Namespace::ALL[kind];
            let name = namespace.option_name().as_bytes();
            let width = b"  -m, --".len() + name.len();
            if column + width > WIDTH {
                self = self.push(b"\n");
                column = 0;
            }
            self = self.push(b"  -").push(&[letter(namespace)]);
            self = self.push(b", --").push(name);
            column += width;
            kind += 1;
        }
        // At least two spaces between the options and what they do.
        if column + 2 > DESCRIPTION_COLUMN {
            self = self.push(b"\n");
            column = 0;
        }
        while column < DESCRIPTION_COLUMN {
            self = self.push(b" ");
            column += 1;
        }
        self
    }
}

/// A kind's option letter, as the byte argv holds.
const fn letter(namespace: Namespace) -> u8 {
    let letter = namespace.option_letter();
    assert!(letter.is_ascii(), "an option letter is one byte of argv");
    letter as u8
}
