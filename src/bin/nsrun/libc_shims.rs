//! The few functions a libc would provide that the compiler, core and
//! compiler_builtins call: memory and string functions, and getauxval.
//! Byte by byte through volatile accesses, so the compiler cannot turn the
//! loops back into calls to themselves; nsrun only moves small buffers.

use core::ffi::c_int;
use core::ptr::{read_volatile, write_volatile};

/// # Safety
///
/// `dest` and `src` must be valid for `n` bytes and must not overlap.
#[unsafe(no_mangle)]
unsafe extern "C" fn memcpy(dest: *mut u8, src: *const u8, n: usize) -> *mut u8 {
    // SAFETY: the caller's contract; a forward copy suits non-overlapping ranges.
    unsafe { memmove(dest, src, n) }
}

/// # Safety
///
/// `dest` and `src` must be valid for `n` bytes; they may overlap.
#[unsafe(no_mangle)]
unsafe extern "C" fn memmove(dest: *mut u8, src: *const u8, n: usize) -> *mut u8 {
    // Copy away from the overlap: backwards when `dest` lies above `src`.
    let backwards = (dest as usize) > (src as usize);
    for i in 0..n {
        let at = if backwards { n - 1 - i } else { i };
        // SAFETY: `at < n`, inside both ranges.
        unsafe { write_volatile(dest.add(at), read_volatile(src.add(at))) };
    }
    dest
}

/// # Safety
///
/// `dest` must be valid for `n` bytes.
#[unsafe(no_mangle)]
unsafe extern "C" fn memset(dest: *mut u8, byte: c_int, n: usize) -> *mut u8 {
    for i in 0..n {
        // SAFETY: `i < n`, inside the range.
        unsafe { write_volatile(dest.add(i), byte as u8) };
    }
    dest
}

/// # Safety
///
/// `a` and `b` must be valid for `n` bytes.
#[unsafe(no_mangle)]
unsafe extern "C" fn memcmp(a: *const u8, b: *const u8, n: usize) -> c_int {
    for i in 0..n {
        // SAFETY: `i < n`, inside both ranges.
        let (x, y) = unsafe { (read_volatile(a.add(i)), read_volatile(b.add(i))) };
        if x != y {
            return c_int::from(x) - c_int::from(y);
        }
    }
    0
}

/// # Safety
///
/// `a` and `b` must be valid for `n` bytes.
#[unsafe(no_mangle)]
unsafe extern "C" fn bcmp(a: *const u8, b: *const u8, n: usize) -> c_int {
    // SAFETY: the same contract.
    unsafe { memcmp(a, b, n) }
}

/// # Safety
///
/// `s` must point to a NUL-terminated string.
#[unsafe(no_mangle)]
unsafe extern "C" fn strlen(s: *const u8) -> usize {
    let mut len = 0;
    // SAFETY: every byte up to the NUL belongs to the string.
    while unsafe { read_volatile(s.add(len)) } != 0 {
        len += 1;
    }
    len
}

/// Asked by compiler_builtins' aarch64 atomics setup, which runs from
/// `.init_array` (nsrun's `_start` runs no constructors): answers "no such
/// entry", so the portable atomics are used.
#[cfg(target_arch = "aarch64")]
#[unsafe(no_mangle)]
extern "C" fn getauxval(_kind: core::ffi::c_ulong) -> core::ffi::c_ulong {
    0
}
