//! What nsrun says: errors as `nsrun: <what>: <ERRNO>: <text>`, usage and
//! version, composed in a fixed buffer (no formatting machinery, to stay small).

use crate::namespace_options::{self, Packed};
use crate::options::UsageError;
use crate::sys;
use nsclone::Errno;

const STDOUT: i32 = 1;
const STDERR: i32 = 2;

/// A line being composed; longer text is cut. Built in place through
/// `&mut` (a by-value builder would copy the buffer at every step).
pub struct Line {
    buf: [u8; 512],
    len: usize,
}

impl Line {
    pub fn new() -> Line {
        let mut line = Line {
            buf: [0; 512],
            len: 0,
        };
        line.text(b"nsrun: ");
        line
    }

    pub fn text(&mut self, text: &[u8]) -> &mut Line {
        let room = self.buf.len() - self.len;
        let take = text.len().min(room);
        self.buf[self.len..self.len + take].copy_from_slice(&text[..take]);
        self.len += take;
        self
    }

    /// A number the kernel gave (not negative), in decimal.
    fn number(&mut self, mut n: u32) -> &mut Line {
        let mut digits = [0u8; 10];
        let mut at = digits.len();
        loop {
            at -= 1;
            digits[at] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        self.text(&digits[at..])
    }

    /// `ENOENT: no such file or directory`, or `errno <n>` for a number
    /// Linux does not define.
    pub fn errno(&mut self, err: Errno) -> &mut Line {
        match err.name() {
            "EUNKNOWN" => self.text(b"errno ").number(err.raw() as u32),
            name => {
                self.text(name.as_bytes()).text(b": ");
                // The packed descriptions: 0.6 KiB less nsrun than description().
                for piece in err.description_pieces() {
                    self.text(piece.as_bytes());
                }
                self
            }
        }
    }

    /// Writes the line and a newline to stderr.
    pub fn send(&mut self) {
        self.text(b"\n");
        sys::write(STDERR, &self.buf[..self.len]);
    }
}

/// `nsrun: <what>: <ERRNO>: <text>`, then exit status 1.
pub fn fail(what: &[u8], err: Errno) -> ! {
    Line::new().text(what).text(b": ").errno(err).send();
    sys::exit_group(1)
}

/// `nsrun: <option> <problem>[ <other option>]`, then exit status 1.
pub fn usage_error(err: UsageError) -> ! {
    let mut line = Line::new();
    line.text(err.option.bytes())
        .text(b" ")
        .text(err.problem.as_bytes());
    if let Some(other) = err.other {
        line.text(b" ").text(other.bytes());
    }
    line.send();
    sys::exit_group(1)
}

/// Every option, one line each where it fits: text is much of nsrun's
/// size. The namespace options come from nsclone's table of kinds.
const HELP: [u8; HELP_HEAD.len() + namespace_options::HELP + HELP_TAIL.len()] = Packed::new()
    .push(HELP_HEAD)
    .namespace_help()
    .push(HELP_TAIL)
    .bytes;

/// The help up to the namespace options.
const HELP_HEAD: &[u8] = b"Usage: nsrun [options] [--] [program [arguments...]]

Runs a program ($SHELL or /bin/sh if none) in new namespaces, or with -t in
those of another process. nsrun reaps orphans (as PID 1 with -p, else as a
subreaper) and forwards all signals but CHLD, TTIN, TTOU and faults.

";

/// The help from what the namespace options do.
const HELP_TAIL: &[u8] = b"namespaces to create (with -t, to join: all
                             that differ if none is named)
  -t, --target PID           join the namespaces of process PID, as root of
                             its user namespace unless --preserve-credentials
  --mount-proc[=DIR]         mount a new proc on DIR (/proc); implies -m
  --propagation slave|shared|private|unchanged   mount propagation (private)
  -r, --map-root-user        map root inside to the caller; implies -U
  -c, --map-current-user     map the caller to itself; implies -U
  --map-user=UID, --map-group=GID   map the caller to these; imply -U
  --setgroups allow|deny     setgroups(2) inside (deny with a gid map)
  --hostname NAME            hostname inside; implies -u
  -R, --root DIR, -w, --wd DIR   root and directory of the program
  --kill-child[=SIG]         send SIG (KILL) to the program if nsrun dies
  --monotonic SECS, --boottime SECS   clock offsets inside; imply -T
  -f, --fork (always on), -h, --help, -V, --version

Exit status: the program's (its killing signal kills nsrun), 1 for nsrun's
errors, 127 if the program is not found, 126 if it cannot run.
";

pub fn help() -> ! {
    sys::write(STDOUT, &HELP);
    sys::exit_group(0)
}

pub fn version() -> ! {
    sys::write(
        STDOUT,
        concat!("nsrun ", env!("CARGO_PKG_VERSION"), " (nsclone)\n").as_bytes(),
    );
    sys::exit_group(0)
}
