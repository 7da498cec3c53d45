//! What nsrun says: errors as `nsrun: <what>: <ERRNO>: <text>`, usage and
//! version, composed in a fixed buffer (no formatting machinery, to stay small).

use crate::options::UsageError;
use crate::sys;
use nsclone::Errno;

const STDOUT: i32 = 1;
const STDERR: i32 = 2;

/// A line being composed; longer text is cut.
pub struct Line {
    buf: [u8; 512],
    len: usize,
}

impl Line {
    pub fn new() -> Line {
        Line {
            buf: [0; 512],
            len: 0,
        }
        .text(b"nsrun: ")
    }

    pub fn text(mut self, text: &[u8]) -> Line {
        let room = self.buf.len() - self.len;
        let take = text.len().min(room);
        self.buf[self.len..self.len + take].copy_from_slice(&text[..take]);
        self.len += take;
        self
    }

    pub fn number(self, n: i64) -> Line {
        let mut digits = [0u8; 20];
        let mut at = digits.len();
        let mut rest = n.unsigned_abs();
        loop {
            at -= 1;
            digits[at] = b'0' + (rest % 10) as u8;
            rest /= 10;
            if rest == 0 {
                break;
            }
        }
        let line = if n < 0 { self.text(b"-") } else { self };
        line.text(&digits[at..])
    }

    pub fn errno(self, err: Errno) -> Line {
        match err.name() {
            "EUNKNOWN" => self.text(b"errno ").number(err.raw().into()),
            name => self
                .text(name.as_bytes())
                .text(b": ")
                .text(err.description().as_bytes()),
        }
    }

    /// Writes the line and a newline to stderr.
    pub fn send(self) {
        let line = self.text(b"\n");
        sys::write(STDERR, &line.buf[..line.len]);
    }
}

/// `nsrun: <what>: <ERRNO>: <text>`, then exit status 1.
pub fn fail(what: &[u8], err: Errno) -> ! {
    Line::new().text(what).text(b": ").errno(err).send();
    sys::exit(1)
}

/// `nsrun: <option> <problem>`, then exit status 1.
pub fn usage_error(err: UsageError) -> ! {
    Line::new()
        .text(err.option.bytes())
        .text(b" ")
        .text(err.problem.as_bytes())
        .send();
    sys::exit(1)
}

const HELP: &[u8] = b"Usage: nsrun [options] [--] [program [arguments...]]

Run a program in new namespaces, or (with -t) in those of another process.
Without a program, runs $SHELL or /bin/sh.

Namespaces (create; with -t, join; -t alone joins all that differ):
  -m, --mount             mount namespace
  -u, --uts               UTS namespace (hostname)
  -i, --ipc               System V IPC namespace
  -n, --net               network namespace
  -p, --pid               PID namespace (nsrun stays PID 1 inside: it reaps
                          orphans and forwards TERM INT HUP QUIT USR1 USR2)
  -U, --user              user namespace
  -C, --cgroup            cgroup namespace
  -T, --time              time namespace

Options:
  -f, --fork              accepted for unshare(1) compatibility (always on)
  -t, --target PID        join the namespaces of process PID
      --mount-proc[=DIR]  mount a fresh proc on DIR (default /proc); implies -m
      --propagation slave|shared|private|unchanged
                          mount propagation of the new mount namespace (private)
  -r, --map-root-user     map root inside to the current user; implies -U
  -c, --map-current-user  map the current user to itself; implies -U
      --map-user=UID      map the current user to UID inside; implies -U
      --map-group=GID     map the current group to GID inside; implies -U
      --setgroups allow|deny
                          whether setgroups(2) is allowed inside (deny when mapping)
      --hostname NAME     set the hostname inside; implies -u
  -R, --root DIR          run the program with DIR as its root
  -w, --wd DIR            run the program in directory DIR
      --kill-child[=SIG]  send SIG (default KILL) to the child when nsrun dies
      --monotonic SECS    offset of CLOCK_MONOTONIC inside; implies -T
      --boottime SECS     offset of CLOCK_BOOTTIME inside; implies -T
  -h, --help              show this help
  -V, --version           show the version

The exit status is the program's; if a signal killed it, nsrun dies of the
same signal. nsrun's own errors exit with 1, a program that cannot be run
with 127 (not found) or 126.
";

pub fn help() -> ! {
    sys::write(STDOUT, HELP);
    sys::exit(0)
}

pub fn version() -> ! {
    sys::write(
        STDOUT,
        concat!("nsrun ", env!("CARGO_PKG_VERSION"), " (nsclone)\n").as_bytes(),
    );
    sys::exit(0)
}
