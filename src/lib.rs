//! Linux namespaces through an assembly `clone` path: `no_std`, no allocation, no libc.
//!
//! Start a program in new namespaces, as root or unprivileged (a new user
//! namespace maps the caller to root inside): safe from any parent, threads
//! included, as the child runs only the crate's code until execve.
//!
//! ```no_run
//! use nsclone::{CStrArray, CloneFlags, ExitStatus, Mount, Setup, Spawn, EXEC_STACK};
//!
//! let flags = CloneFlags::NEWUSER | CloneFlags::NEWPID | CloneFlags::NEWNS | CloneFlags::NEWUTS;
//! // What the child does before the program: data, run by the crate's child code.
//! let mounts = [Mount::private(c"/"), Mount::proc(c"/proc")];
//! let setup = Setup::new().hostname(b"inside").mounts(&mounts);
//! let (mut argv_buf, mut envp_buf) = ([core::ptr::null(); 4], [core::ptr::null(); 2]);
//! let argv = CStrArray::new(&[c"sh", c"-c", c"hostname; echo $$"], &mut argv_buf)?;
//! let envp = CStrArray::new(&[c"PATH=/usr/bin:/bin"], &mut envp_buf)?;
//! let mut stack = [0u8; EXEC_STACK];
//! let mut child = Spawn::new(flags)
//!     .map_root_user()
//!     .setup(&setup)
//!     .exec(&mut stack, c"sh", argv, envp)?; // prints "inside" and "1"
//! assert_eq!(child.wait()?, ExitStatus::Exited(0));
//! # Ok::<(), nsclone::Error>(())
//! ```
//!
//! Or run a closure in the child, on a stack the caller gives (no `Box`):
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
//! what may run there); [`Spawn::exec`] is safe.
//!
//! # What the child has
//!
//! - **Descriptors:** every one the caller has that is not close-on-exec,
//!   as after fork; [`Setup::fds`] gives it chosen ones (copies, opened
//!   files) and [`Setup::close_other_fds`] closes the rest.
//! - **Directory, root, umask, limits, IDs:** the caller's, unless the
//!   [`Setup`] changes them (with `CLONE_FS` they stay shared).
//! - **Signals:** an exec child starts its program with every handler at its
//!   default and an empty mask, as `std::process::Command` leaves them
//!   ([`Setup::keep_signals`] keeps the ignored ones and the mask); a closure's
//!   child has the caller's handlers and mask, as after fork, unless it is
//!   given a [`Setup`].
//! - **Environment:** what `envp` says ([`CStrArray::environment`] composes
//!   one from the caller's).
//!
//! # Threads in the parent
//!
//! [`Spawn::exec`] and everything that runs only the crate's code in the
//! child ([`Setup`], ID maps, time offsets) are safe from a threaded parent.
//! A closure's child is a copy of the calling thread alone: what another
//! thread held (a lock of the allocator, of stdio) stays held there, which
//! is why [`Spawn::spawn`] is `unsafe` and lists what a closure must not do.
//!
//! # Feature `std`
//!
//! The crate is `no_std` either way; with `std` its descriptor types and
//! traits ([`OwnedFd`], [`BorrowedFd`], [`AsFd`], [`AsRawFd`], ...) are
//! std's own, as rustix's are, so std's and rustix's descriptors go to its
//! functions (which take `impl AsFd`) and its descriptors to theirs as
//! they are; without it they are a polyfill with the same names, methods
//! and traits. `std` also adds conversions to `std::io::Error`,
//! `std::error::Error` for every
//! error, `Errno::kind`, `CStrings` to build argument arrays from
//! `OsStr` and `Path`, and a closure's panic ended in its child by a raw
//! `SIGABRT`. Items that need it are marked on docs.rs.
//!
//! # Where to start
//!
//! - `examples/namespaces.rs`: a closure in each kind of namespace;
//! - `examples/sandbox.rs` and `examples/container.rs`: a program in an
//!   unprivileged sandbox and a container, from [`Setup`] alone;
//! - `examples/join.rs`: `nsenter`-like, through a pidfd ([`setns`]);
//! - `examples/tiny-init`: a static init without libc; `nsrun`, the
//!   launcher built on the crate (`src/bin/nsrun`).
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

// The README's Rust examples, compiled and run as doc tests (not shown).
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeExamples;

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
pub use sys::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, IntoRawFd, OwnedFd, RawFd};
pub use sys::seccomp::SockFilter;
pub use sys::signal::{InvalidSignal, ParseSignalError, Signal};

/// A process or thread ID, as the kernel's `pid_t`.
#[allow(non_camel_case_types)]
pub type pid_t = core::ffi::c_int;
