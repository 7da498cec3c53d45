//! A function that reports the stack pointer's misalignment at its entry,
//! per architecture, and what the ABI says it must be: for checking the
//! alignment `clone` gives a child. `no_std`; shared by the tests and the VM
//! runner (`tests/vm`).

use core::ffi::{c_int, c_void};

/// Returns the stack pointer's offset from 16-byte alignment at entry.
#[cfg(target_arch = "x86_64")]
#[unsafe(naked)]
pub extern "C" fn sp_misalignment_at_entry(_: *mut c_void) -> c_int {
    core::arch::naked_asm!(
        "mov eax, esp", // eax = sp as the callee sees it
        "and eax, 15",  // eax = sp mod 16
        "ret",
    )
}

/// The SysV ABI: sp + 8 is 16-aligned at entry (the call pushed 8 bytes).
#[cfg(target_arch = "x86_64")]
pub const ABI_MISALIGNMENT_AT_ENTRY: i32 = 8;

/// Returns the stack pointer's offset from 16-byte alignment at entry.
#[cfg(target_arch = "aarch64")]
#[unsafe(naked)]
pub extern "C" fn sp_misalignment_at_entry(_: *mut c_void) -> c_int {
    core::arch::naked_asm!(
        "mov x0, sp",      // x0 = sp as the callee sees it
        "and x0, x0, #15", // x0 = sp mod 16
        "ret",
    )
}

/// AAPCS64: sp is always 16-aligned.
#[cfg(target_arch = "aarch64")]
pub const ABI_MISALIGNMENT_AT_ENTRY: i32 = 0;

/// Returns the stack pointer's offset from 16-byte alignment at entry.
#[cfg(target_arch = "riscv64")]
#[unsafe(naked)]
pub extern "C" fn sp_misalignment_at_entry(_: *mut c_void) -> c_int {
    core::arch::naked_asm!(
        "andi a0, sp, 15", // a0 = sp mod 16 as the callee sees it
        "ret",
    )
}

/// The RISC-V psABI: sp is always 16-aligned.
#[cfg(target_arch = "riscv64")]
pub const ABI_MISALIGNMENT_AT_ENTRY: i32 = 0;
