//! The clone trampolines and entry point, in assembly: one file per
//! architecture, selected here by one `cfg` each.

#[cfg(target_arch = "x86_64")]
#[path = "x86_64.rs"]
mod imp;

#[cfg(target_arch = "aarch64")]
#[path = "aarch64.rs"]
mod imp;

#[cfg(target_arch = "riscv64")]
#[path = "riscv64.rs"]
mod imp;

pub(crate) use imp::{clone, clone3};

/// The function a [`clone`](crate::clone) child runs; its return value is
/// the child's exit status.
pub type CloneFn = extern "C" fn(arg: *mut core::ffi::c_void) -> core::ffi::c_int;
