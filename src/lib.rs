//! Linux namespaces through an assembly `clone` path: `no_std`, no allocation, no libc.
//!
//! ```
//! use nsclone::{spawn, CloneFlags, ExitStatus, MmapStack};
//!
//! let mut stack = MmapStack::new(64 * 1024)?;
//! let answer = 42;
//! // SAFETY: the child only returns a number it captured.
//! let mut child = unsafe { spawn(CloneFlags::empty(), stack.as_mut_slice(), move || answer) }?;
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

// The layers (ARCHITECTURE.md), from the kernel up: `sys` uses nothing of
// the crate; `flags` uses `sys`; `error` both; `setup` `sys` and `error`;
// `spawn` and `ns` what is below them; `std_interop` all.
mod error;
mod flags;
mod ns;
mod setup;
mod spawn;
#[cfg(feature = "std")]
mod std_interop;
#[cfg(feature = "std")]
mod std_strings;
pub mod sys;

pub use error::refusal::Refusal;
pub use error::{Error, Step, StepError};
pub use flags::check::{FlagError, Rule, Syscall};
pub use flags::iter::{CloneFlagsIter, CloneFlagsIterNames};
pub use flags::namespace::{Namespace, Namespaces};
pub use flags::parse::{ParseFlagsError, ParseNamespaceError};
pub use flags::CloneFlags;
pub use ns::ns_file::{ns_id, open_ns};
pub use ns::pidfd::pidfd_open;
pub use ns::unshare::{check_unshare, setns, unshare, unshare_unchecked};
pub use ns::userns_refusal::user_namespace_refusal_cause;
pub use setup::{Capabilities, Fd, Limit, Mount, Resource, Setup, MAX_FDS};
pub use spawn::child::{Child, ExitStatus};
pub use spawn::clone::clone;
pub use spawn::exec::{Held, EXEC_STACK};
pub use spawn::id_map::{check_id_map, write_id_maps, IdMap, SetGroups, MAX_ID_MAP_LINES};
pub use spawn::program::{execve, execvpe, CStrArray, DEFAULT_PATH, MAX_SCRIPT_ARGS};
pub use spawn::stack::{MmapStack, StaticStack};
pub use spawn::time_ns::TimeOffset;
pub use spawn::{spawn, Spawn};
#[cfg(feature = "std")]
pub use std_strings::CStrings;
pub use sys::arch::CloneFn;
pub use sys::errno::{Errno, Result};
pub use sys::fd::{BorrowedFd, OwnedFd};
pub use sys::seccomp::SockFilter;
pub use sys::signal::{InvalidSignal, Signal};

/// A process or thread ID, as the kernel's `pid_t`.
#[allow(non_camel_case_types)]
pub type pid_t = core::ffi::c_int;
