//! Selects the assembly for the target architecture: one `#[path]` line each.

#[cfg(target_arch = "x86_64")]
#[path = "../arch/x86_64.rs"]
mod imp;

#[cfg(target_arch = "aarch64")]
#[path = "../arch/aarch64.rs"]
mod imp;

#[cfg(target_arch = "riscv64")]
#[path = "../arch/riscv64.rs"]
mod imp;

pub(crate) use imp::{clone, clone3};
