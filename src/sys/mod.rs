//! The kernel, below everything else: the raw syscalls and the clone
//! trampolines, errno, file descriptors, signal masks, `/proc` paths,
//! decimal text and the ABI facts pinned at compile time. Uses nothing
//! else of the crate.

mod abi;
pub(crate) mod arch;
pub(crate) mod decimal;
pub(crate) mod errno;
pub(crate) mod fd;
mod libc_shims;
pub(crate) mod proc_path;
pub(crate) mod signals;
pub(crate) mod syscall;
