//! argv and envp as the kernel laid them out at `_start`: NUL-terminated
//! strings that live as long as the process, read without copying.

use core::ffi::{c_char, CStr};

/// A NUL-terminated string from argv or envp (or a static one), alive for
/// the whole process.
#[derive(Copy, Clone)]
pub struct CStrRef(&'static CStr);

impl CStrRef {
    pub const fn from_static(text: &'static CStr) -> CStrRef {
        CStrRef(text)
    }

    /// # Safety
    ///
    /// `ptr` must be a NUL-terminated string that lives until the process ends.
    unsafe fn from_ptr(ptr: *const c_char) -> CStrRef {
        // SAFETY: the caller's promise.
        CStrRef(unsafe { CStr::from_ptr(ptr) })
    }

    /// The bytes, without the NUL.
    pub fn bytes(self) -> &'static [u8] {
        self.0.to_bytes()
    }

    pub fn as_cstr(self) -> &'static CStr {
        self.0
    }

    /// The part after byte `at` (still NUL-terminated).
    pub fn suffix(self, at: usize) -> CStrRef {
        let at = at.min(self.bytes().len());
        // SAFETY: `at` is inside the string or at its NUL, so what starts
        // there is NUL-terminated and lives as long.
        unsafe { CStrRef::from_ptr(self.0.as_ptr().add(at)) }
    }
}

/// The process's arguments and environment.
pub struct Args {
    argc: usize,
    argv: *const *const c_char,
    envp: *const *const c_char,
}

impl Args {
    /// Reads the initial stack the kernel built: `argc`, then argv's
    /// pointers and a null, then envp's pointers and a null.
    ///
    /// # Safety
    ///
    /// `sp` must be the stack pointer `_start` received.
    pub unsafe fn from_initial_stack(sp: *const usize) -> Args {
        // SAFETY: the kernel's layout of the initial stack.
        unsafe {
            let argc = *sp;
            let argv = sp.add(1).cast::<*const c_char>();
            Args {
                argc,
                argv,
                envp: argv.add(argc + 1),
            }
        }
    }

    /// Argument `index` (0 is the program name).
    pub fn get(&self, index: usize) -> Option<CStrRef> {
        // SAFETY: argv has `argc` valid pointers, each to a string that lives
        // as long as the process.
        (index < self.argc).then(|| unsafe { CStrRef::from_ptr(*self.argv.add(index)) })
    }

    /// argv from `index` on: the null-terminated array execve takes.
    pub fn argv_from(&self, index: usize) -> &'static [*const c_char] {
        let index = index.min(self.argc);
        // SAFETY: argv has `argc` pointers and then a null, all alive for the process.
        unsafe { core::slice::from_raw_parts(self.argv.add(index), self.argc - index + 1) }
    }

    /// The environment as execve takes it.
    pub fn envp(&self) -> &'static [*const c_char] {
        let mut len = 0;
        // SAFETY: envp is null-terminated; every entry lives for the process.
        unsafe {
            while !(*self.envp.add(len)).is_null() {
                len += 1;
            }
            core::slice::from_raw_parts(self.envp, len + 1)
        }
    }

    /// The value of environment variable `name`.
    pub fn env(&self, name: &[u8]) -> Option<CStrRef> {
        let envp = self.envp();
        envp[..envp.len() - 1].iter().find_map(|&entry| {
            // SAFETY: a non-null envp entry is a string that lives for the process.
            let entry = unsafe { CStrRef::from_ptr(entry) };
            let bytes = entry.bytes();
            let matches =
                bytes.len() > name.len() && bytes.starts_with(name) && bytes[name.len()] == b'=';
            matches.then(|| entry.suffix(name.len() + 1))
        })
    }
}
