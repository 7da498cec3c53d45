//! Linux namespaces through an assembly `clone` path: `no_std`, no allocation, no libc.
//!
//! ```
//! use nsclone::{spawn, CloneFlags, ExitStatus, MmapStack};
//!
//! let mut stack = MmapStack::new(64 * 1024)?;
//! let answer = 42;
//! // SAFETY: the child only returns a number it captured.
//! let child = unsafe { spawn(CloneFlags::empty(), stack.as_mut_slice(), move || answer) }?;
//! assert_eq!(child.wait()?, ExitStatus::Exited(42));
//! # Ok::<(), nsclone::Error>(())
//! ```
//!
//! Running caller code in a child is `unsafe` ([`Spawn::spawn`] says why and
//! what may run there); starting a program with [`Spawn::exec`] is safe from
//! any parent, threads included, as the child runs only the crate's code.
//!
//! The data path reads top-down: [`CloneFlags`] → [`CloneFlags::check`] →
//! the closure placed on the child stack ([`Spawn`]) → the per-architecture
//! trampoline behind [`clone`] → the child runs and exits → [`Child::wait`].
#![no_std]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![deny(unsafe_op_in_unsafe_fn)]
#![warn(missing_docs)]

#[cfg(feature = "std")]
extern crate std;

mod abi;
mod arch;
mod check;
mod child;
mod clone;
mod clone3;
mod decimal;
mod errno;
mod error;
mod exec;
mod fd;
mod flags;
mod handshake;
mod id_map;
mod namespace;
mod ns_file;
mod parse;
mod pidfd;
mod proc_path;
mod signals;
mod spawn;
mod stack;
#[cfg(feature = "std")]
mod std_interop;
mod syscall;
mod time_ns;
mod unshare;
mod userns_refusal;

pub use check::{FlagError, Rule, Syscall};
pub use child::{Child, ExitStatus};
pub use clone::{clone, CloneFn};
pub use errno::{Errno, Result};
pub use error::{Error, Step, StepError};
pub use exec::{execve, CStrArray, EXEC_STACK};
pub use fd::{BorrowedFd, OwnedFd};
pub use flags::CloneFlags;
pub use id_map::{check_id_map, write_id_maps, IdMap, SetGroups, MAX_ID_MAP_LINES};
pub use namespace::{Namespace, Namespaces};
pub use ns_file::{ns_id, open_ns};
pub use parse::ParseFlagsError;
pub use pidfd::pidfd_open;
pub use spawn::{spawn, Spawn};
pub use stack::{MmapStack, StaticStack};
pub use time_ns::TimeOffset;
pub use unshare::{check_unshare, setns, unshare, unshare_unchecked};
pub use userns_refusal::user_namespace_refusal_cause;

/// A process or thread ID, as the kernel's `pid_t`.
#[allow(non_camel_case_types)]
pub type pid_t = core::ffi::c_int;
