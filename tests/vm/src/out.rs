//! Console output: whole lines, each in one write(2), so lines from the
//! runner and its children do not interleave on the serial port.

use crate::sys;
use core::fmt::{self, Write};

/// A line of at most `Line::CAPACITY` bytes; longer text is cut.
pub struct Line {
    buf: [u8; Line::CAPACITY],
    len: usize,
}

impl Line {
    const CAPACITY: usize = 480;

    pub fn new(args: fmt::Arguments<'_>) -> Line {
        let mut line = Line {
            buf: [0; Line::CAPACITY],
            len: 0,
        };
        let _ = line.write_fmt(args);
        line
    }

    pub fn as_str(&self) -> &str {
        // Cut only at char boundaries (see write_str), so always UTF-8.
        core::str::from_utf8(&self.buf[..self.len]).unwrap_or("?")
    }
}

impl Write for Line {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let mut take = s.len().min(Line::CAPACITY - self.len);
        while !s.is_char_boundary(take) {
            take -= 1;
        }
        self.buf[self.len..self.len + take].copy_from_slice(&s.as_bytes()[..take]);
        self.len += take;
        Ok(())
    }
}

/// Writes one line (a newline is added) to the console.
pub fn say(args: fmt::Arguments<'_>) {
    let line = Line::new(args);
    let mut bytes = [0; Line::CAPACITY + 1];
    bytes[..line.len].copy_from_slice(&line.buf[..line.len]);
    bytes[line.len] = b'\n';
    sys::console(&bytes[..=line.len]);
}

/// `say!("format", args...)`: one line on the console.
#[macro_export]
macro_rules! say {
    ($($arg:tt)*) => {
        $crate::out::say(format_args!($($arg)*))
    };
}
