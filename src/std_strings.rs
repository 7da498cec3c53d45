//! `CStrings`, with feature `std`: a program's arguments or environment
//! from std's strings (`OsStr`, `Path`), owned by the parent, for
//! [`Spawn::exec`](crate::Spawn::exec)'s `argv` and `envp`. Building them
//! allocates, in the parent; the child only reads the array.

use crate::CStrArray;
use core::ffi::c_char;
use std::ffi::{CString, NulError, OsStr};
use std::os::unix::ffi::OsStrExt;
use std::vec::Vec;

/// Owned C strings and the null-terminated array of pointers to them that
/// execve(2) takes, as `std::process::Command` builds its own.
///
/// # Examples
///
/// ```
/// use nsclone::{CStrArray, CStrings, CloneFlags, ExitStatus, Spawn, EXEC_STACK};
///
/// let argv = CStrings::new(["sh", "-c", r#"test "$GREETING" = hello"#])?;
/// assert_eq!(argv.strings()[0].as_bytes(), b"sh");
/// // The caller's environment, with one variable more.
/// let env = CStrings::current_environment();
/// let mut envp_buf = vec![core::ptr::null(); env.strings().len() + 2];
/// let envp = CStrArray::environment(env.as_array(), &[c"GREETING=hello"], &[], &mut envp_buf)?;
/// let mut stack = [0u8; EXEC_STACK];
/// let mut child = Spawn::new(CloneFlags::empty()).exec(&mut stack, c"sh", argv.as_array(), envp)?;
/// assert_eq!(child.wait()?, ExitStatus::Exited(0));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct CStrings {
    strings: Vec<CString>,
    /// Pointers into `strings` (whose heap buffers do not move), then null.
    ptrs: Vec<*const c_char>,
}

impl CStrings {
    /// The strings of `items` (`"sh"`, `Path::new("/bin")`, an `OsString`);
    /// [example](Self#examples).
    ///
    /// # Errors
    ///
    /// The first string with a NUL byte inside.
    pub fn new<I, S>(items: I) -> Result<CStrings, NulError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let strings = items
            .into_iter()
            .map(|item| CString::new(item.as_ref().as_bytes()))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(CStrings::from_strings(strings))
    }

    /// This process's environment (`std::env::vars_os`), as `NAME=value`
    /// strings; variables with a NUL byte (none can come from the kernel)
    /// are left out; [example](Self#examples).
    pub fn current_environment() -> CStrings {
        let strings = std::env::vars_os()
            .filter_map(|(name, value)| {
                let mut entry = name.as_bytes().to_vec();
                entry.push(b'=');
                entry.extend_from_slice(value.as_bytes());
                CString::new(entry).ok()
            })
            .collect();
        CStrings::from_strings(strings)
    }

    fn from_strings(strings: Vec<CString>) -> CStrings {
        let ptrs = strings
            .iter()
            .map(|string| string.as_ptr())
            .chain([core::ptr::null()])
            .collect();
        CStrings { strings, ptrs }
    }

    /// The array execve takes, borrowed; [example](Self#examples).
    ///
    /// # Panics
    ///
    /// Never: the array is made with its final null.
    pub fn as_array(&self) -> CStrArray<'_> {
        // SAFETY: every pointer before the final null points into a
        // `CString` of `self.strings`, alive and unmoved while `self` is
        // borrowed.
        unsafe { CStrArray::from_ptrs(&self.ptrs) }.expect("the array ends with a null")
    }

    /// The strings; [example](Self#examples).
    pub fn strings(&self) -> &[CString] {
        &self.strings
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn arguments_and_the_environment_come_from_std_strings() {
        let args = CStrings::new([OsStr::new("ls"), Path::new("/proc/self").as_os_str()]).unwrap();
        let seen: Vec<&[u8]> = args.as_array().iter().map(|s| s.to_bytes()).collect();
        assert_eq!(seen, [b"ls".as_slice(), b"/proc/self"]);
        assert!(CStrings::new(["a\0b"]).is_err());
        let env = CStrings::current_environment();
        let path = std::env::var_os("PATH").map(|p| p.as_bytes().to_vec());
        assert_eq!(env.as_array().var(b"PATH").map(<[u8]>::to_vec), path);
    }
}
