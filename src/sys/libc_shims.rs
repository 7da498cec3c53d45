//! `libc_shims!`: the few functions a libc would provide that compiled
//! Rust calls (memory and string functions, and `getauxval` on aarch64),
//! for a `no_std` binary without a libc.

/// Defines, in the calling crate, the memory and string functions that the
/// compiler, `core` and `compiler_builtins` call and a libc would provide
/// (`memcpy`, `memmove`, `memset`, `memcmp`, `bcmp`, `strlen`, and
/// `getauxval` on aarch64). For a `#![no_std]`, `#![no_main]` binary that
/// links no libc, beside [`entry_point!`](crate::entry_point); never in one
/// that links a libc (the symbols would clash).
///
/// Byte by byte through volatile accesses, so the compiler cannot turn the
/// loops back into calls to themselves: fit for the small buffers such
/// binaries move, not for bulk copies.
#[macro_export]
macro_rules! libc_shims {
    () => {
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
                unsafe {
                    ::core::ptr::write_volatile(
                        dest.add(at),
                        ::core::ptr::read_volatile(src.add(at)),
                    )
                };
            }
            dest
        }

        /// # Safety
        ///
        /// `dest` must be valid for `n` bytes.
        #[unsafe(no_mangle)]
        unsafe extern "C" fn memset(dest: *mut u8, byte: ::core::ffi::c_int, n: usize) -> *mut u8 {
            for i in 0..n {
                // SAFETY: `i < n`, inside the range.
                unsafe { ::core::ptr::write_volatile(dest.add(i), byte as u8) };
            }
            dest
        }

        /// # Safety
        ///
        /// `a` and `b` must be valid for `n` bytes.
        #[unsafe(no_mangle)]
        unsafe extern "C" fn memcmp(a: *const u8, b: *const u8, n: usize) -> ::core::ffi::c_int {
            for i in 0..n {
                // SAFETY: `i < n`, inside both ranges.
                let (x, y) = unsafe {
                    (
                        ::core::ptr::read_volatile(a.add(i)),
                        ::core::ptr::read_volatile(b.add(i)),
                    )
                };
                if x != y {
                    return ::core::ffi::c_int::from(x) - ::core::ffi::c_int::from(y);
                }
            }
            0
        }

        /// # Safety
        ///
        /// `a` and `b` must be valid for `n` bytes.
        #[unsafe(no_mangle)]
        unsafe extern "C" fn bcmp(a: *const u8, b: *const u8, n: usize) -> ::core::ffi::c_int {
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
            while unsafe { ::core::ptr::read_volatile(s.add(len)) } != 0 {
                len += 1;
            }
            len
        }

        /// Asked by compiler_builtins' aarch64 atomics setup, which runs from
        /// `.init_array` (nsrun's `_start` runs no constructors): answers "no such
        /// entry", so the portable atomics are used.
        #[cfg(target_arch = "aarch64")]
        #[unsafe(no_mangle)]
        extern "C" fn getauxval(_kind: ::core::ffi::c_ulong) -> ::core::ffi::c_ulong {
            0
        }
    };
}
