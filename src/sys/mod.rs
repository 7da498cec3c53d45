//! The kernel, below everything else: the raw syscalls and the clone
//! trampolines, errno, file descriptors, signal numbers and masks, `/proc`
//! paths, decimal text, the words errors keep and show, and the ABI facts
//! pinned at compile time. Uses nothing else of the crate.
//!
//! Public here: the raw calls the crate's own programs (nsrun, the VM
//! runner, `tiny-init`) and tests share with it, for `no_std` binaries
//! without a libc; [`entry_point!`](crate::entry_point),
//! [`libc_shims!`](crate::libc_shims) and
//! [`Errno::from_syscall`](crate::Errno::from_syscall) go with them. For
//! everything else, rustix is the crate to use.

mod abi;
pub(crate) mod arch;
pub(crate) mod decimal;
pub(crate) mod errno;
pub(crate) mod error_words;
pub(crate) mod fd;
pub(crate) mod fd_passing;
pub(crate) mod fd_table;
pub(crate) mod fs;
mod libc_shims;
pub(crate) mod proc_path;
pub(crate) mod process;
pub(crate) mod seccomp;
pub(crate) mod signal;
pub(crate) mod signals;
pub(crate) mod syscall;

pub use proc_path::ProcPath;
pub use process::{set_gid, set_uid, setgroups};
pub use seccomp::SockFilter;
pub use signal::SIGNAL_NAMES;
pub use signals::{set_default_action, set_mask, SigSet, ALL_SIGNALS};
pub use syscall::{
    chdir, chroot, dup3, effective_capabilities, effective_ids, exit_group, getpid, kill,
    mmap_anonymous, mount, open, power_off, read, read_file, sethostname, syscall, uname, wait4,
    write, write_all, Utsname,
};
