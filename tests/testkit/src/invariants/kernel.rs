//! Target `kernel`: the running kernel's answer in a sacrificial process,
//! compared with `check`'s (`kernel_oracle`); any difference
//! without a documented reason panics, documented ones are reported.

use super::check::describe;
use super::FlagsInput;
use crate::kernel_oracle::{self, Verdict};
use std::os::fd::AsRawFd;

/// The shared oracle with what it needs from std: the cgroup directory it
/// keeps open.
pub struct Oracle {
    inner: kernel_oracle::Oracle,
    _cgroup: std::fs::File,
}

impl Oracle {
    // Not `Default`: it makes this process a child subreaper.
    #[allow(clippy::new_without_default)]
    pub fn new() -> Oracle {
        let cgroup = open_cgroup2();
        let inner = kernel_oracle::Oracle::new(super::shared_page(), cgroup.as_raw_fd());
        Oracle {
            inner,
            _cgroup: cgroup,
        }
    }

    /// The running kernel's (major, minor).
    pub fn kernel(&self) -> (u32, u32) {
        self.inner.kernel
    }

    /// Whether this process holds CAP_SYS_ADMIN.
    pub fn privileged(&self) -> bool {
        self.inner.privileged
    }

    /// Asks the kernel and `check` the same question and panics if they
    /// disagree without a documented reason. Documented differences are
    /// reported on stderr (first of each kind, then every 10,000th).
    pub fn compare(&mut self, input: FlagsInput) -> Verdict {
        let v = self
            .inner
            .compare(input.call, input.flags, input.exit_signal);
        let kernel = v.kernel.map_or_else(|e| e.name(), |()| "accepts");
        if v.disagrees() {
            let (major, minor) = self.kernel();
            let who = if self.privileged() {
                "CAP_SYS_ADMIN"
            } else {
                "unprivileged"
            };
            panic!(
                "the kernel and check disagree: {:?} flags {:#x} ({}) exit_signal {}: \
                 kernel {kernel}, check {} (kernel {major}.{minor}, {who})",
                v.call,
                v.flags.bits(),
                v.flags,
                v.exit_signal,
                describe(v.check),
            );
        }
        if let Some(why) = v.explained {
            let times = self.inner.times_explained(why);
            if times % 10_000 == 1 {
                eprintln!(
                    "kernel vs check: documented difference #{times} {why:?}: {:?} {:#x} ({}) \
                     exit_signal {}: kernel {kernel}, check {}",
                    v.call,
                    v.flags.bits(),
                    v.flags,
                    v.exit_signal,
                    describe(v.check)
                );
            }
        }
        v
    }
}

/// A directory of the cgroup2 hierarchy for CLONE_INTO_CGROUP (as root
/// the child may really move there), or `/` (the kernel then says EBADF).
fn open_cgroup2() -> std::fs::File {
    let mounts = std::fs::read_to_string("/proc/self/mounts").unwrap_or_default();
    let dir = mounts
        .lines()
        .map(|line| line.split(' ').collect::<Vec<_>>())
        .find(|fields| fields.len() > 2 && fields[2] == "cgroup2")
        .map_or("/", |fields| fields[1]);
    std::fs::File::open(dir)
        .or_else(|_| std::fs::File::open("/"))
        .expect("open a directory")
}
