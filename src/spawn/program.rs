//! The program a child runs: `argv` and `envp` as execve(2) takes them,
//! built without allocating (an environment composed from another, with
//! variables set and unset), and the exec itself, searching `PATH` as
//! execvpe(3) does.

use crate::sys::errno::{Errno, Result};
use crate::sys::syscall;
use core::ffi::{c_char, CStr};
use core::ptr;

/// A null-terminated array of C-string pointers, as execve(2) takes `argv`
/// and `envp`, borrowed for `'a` and built without allocating.
///
/// # Examples
///
/// ```
/// use nsclone::{CStrArray, Errno};
///
/// let mut argv_buf = [core::ptr::null(); 3];
/// let argv = CStrArray::new(&[c"ls", c"-l"], &mut argv_buf)?;
/// assert!(argv.iter().eq([c"ls", c"-l"]));
///
/// let mut base_buf = [core::ptr::null(); 4];
/// let base = CStrArray::new(&[c"PATH=/bin", c"HOME=/root", c"TERM=dumb"], &mut base_buf)?;
/// let mut envp_buf = [core::ptr::null(); 4];
/// let envp = CStrArray::environment(base, &[c"HOME=/tmp"], &[b"TERM"], &mut envp_buf)?;
/// assert!(envp.iter().eq([c"PATH=/bin", c"HOME=/tmp"]));
/// assert_eq!(envp.var(b"HOME"), Some(b"/tmp".as_slice()));
/// assert_eq!(envp.var(b"TERM"), None);
///
/// assert_eq!(CStrArray::empty().iter().count(), 0);
/// // No room for the final null.
/// let mut short = [core::ptr::null(); 2];
/// assert_eq!(CStrArray::new(&[c"ls", c"-l"], &mut short).unwrap_err(), Errno::E2BIG);
/// # Ok::<(), nsclone::Errno>(())
/// ```
#[derive(Copy, Clone, Debug)]
pub struct CStrArray<'a> {
    ptrs: &'a [*const c_char],
}

impl<'a> CStrArray<'a> {
    /// Points the first `strings.len() + 1` slots of `buf` at `strings` and a
    /// final null; [example](Self#examples).
    ///
    /// # Errors
    ///
    /// `E2BIG` if `buf` is too short.
    pub fn new(strings: &[&'a CStr], buf: &'a mut [*const c_char]) -> Result<CStrArray<'a>> {
        let slots = buf.get_mut(..=strings.len()).ok_or(Errno::E2BIG)?;
        for (slot, string) in slots.iter_mut().zip(strings) {
            *slot = string.as_ptr();
        }
        slots[strings.len()] = ptr::null();
        Ok(CStrArray { ptrs: slots })
    }

    /// An environment made from `base` (`NAME=value` strings): without the
    /// variables named in `unset` or set again in `set`, then with `set`
    /// (the last of two with one name wins), pointed at from `buf`. An
    /// empty `base` starts from a cleared environment;
    /// [example](Self#examples).
    ///
    /// # Errors
    ///
    /// `E2BIG` if `buf` is too short.
    pub fn environment(
        base: CStrArray<'a>,
        set: &[&'a CStr],
        unset: &[&[u8]],
        buf: &'a mut [*const c_char],
    ) -> Result<CStrArray<'a>> {
        let mut len = 0;
        let later_sets = |i: usize| set[i + 1..].iter().map(|s| name(s.to_bytes()));
        let kept_base = base.iter().filter(|entry| {
            let own = name(entry.to_bytes());
            !unset.contains(&own) && !set.iter().any(|s| name(s.to_bytes()) == own)
        });
        let kept_set = set
            .iter()
            .enumerate()
            .filter(|&(i, s)| !later_sets(i).any(|later| later == name(s.to_bytes())))
            .map(|(_, s)| *s);
        for entry in kept_base.chain(kept_set) {
            *buf.get_mut(len).ok_or(Errno::E2BIG)? = entry.as_ptr();
            len += 1;
        }
        *buf.get_mut(len).ok_or(Errno::E2BIG)? = ptr::null();
        Ok(CStrArray { ptrs: &buf[..=len] })
    }

    /// An array that is already null-terminated.
    ///
    /// # Safety
    ///
    /// Every pointer before the null must point to a NUL-terminated string
    /// that stays valid for `'a`.
    ///
    /// # Errors
    ///
    /// `EINVAL` if its last pointer is not null.
    ///
    /// # Examples
    ///
    /// ```
    /// use nsclone::{CStrArray, Errno};
    ///
    /// let ptrs = [c"sh".as_ptr(), core::ptr::null()];
    /// // SAFETY: the pointer before the null is a static string's.
    /// let argv = unsafe { CStrArray::from_ptrs(&ptrs) }?;
    /// assert!(argv.iter().eq([c"sh"]));
    /// // SAFETY: as above.
    /// assert_eq!(unsafe { CStrArray::from_ptrs(&ptrs[..1]) }.unwrap_err(), Errno::EINVAL);
    /// # Ok::<(), nsclone::Errno>(())
    /// ```
    pub unsafe fn from_ptrs(ptrs: &'a [*const c_char]) -> Result<CStrArray<'a>> {
        match ptrs.last() {
            Some(last) if last.is_null() => Ok(CStrArray { ptrs }),
            _ => Err(Errno::EINVAL),
        }
    }

    /// The empty array (just the null), e.g. for an empty environment;
    /// [example](Self#examples).
    pub const fn empty() -> CStrArray<'static> {
        const NULL: &[*const c_char] = &[ptr::null()];
        CStrArray { ptrs: NULL }
    }

    /// The strings, in order; [example](Self#examples).
    pub fn iter(&self) -> impl Iterator<Item = &'a CStr> + 'a {
        let ptrs: &'a [*const c_char] = self.ptrs;
        ptrs.iter()
            .take_while(|ptr| !ptr.is_null())
            // SAFETY: every pointer before the null is a NUL-terminated
            // string valid for 'a (how the array was made).
            .map(|&ptr| unsafe { CStr::from_ptr(ptr) })
    }

    /// The value of variable `name` in an environment (`PATH` in
    /// `PATH=/bin`), if set; [example](Self#examples).
    pub fn var(&self, name: &[u8]) -> Option<&'a [u8]> {
        self.iter()
            .map(CStr::to_bytes)
            .find(|entry| self::name(entry) == name)
            .map(|entry| &entry[(name.len() + 1).min(entry.len())..])
    }

    fn as_ptr(&self) -> *const *const c_char {
        self.ptrs.as_ptr()
    }

    fn len(&self) -> usize {
        self.ptrs.len() - 1
    }
}

/// The name of a `NAME=value` entry (all of it without a `=`).
fn name(entry: &[u8]) -> &[u8] {
    entry.split(|&b| b == b'=').next().unwrap_or(entry)
}

/// Replaces the calling process's program (execve(2)); returns only on failure.
///
/// Safe to call in any child this crate creates: it is a single raw syscall.
///
/// # Errors
///
/// The errno it returns: `ENOENT`, `EACCES`, `ENOEXEC`, `E2BIG`, `ENOMEM`,
/// `ETXTBSY`, ...
///
/// # Examples
///
/// ```
/// use nsclone::{execve, spawn, CStrArray, CloneFlags, ExitStatus, MmapStack};
///
/// let mut argv_buf = [core::ptr::null(); 4];
/// let argv = CStrArray::new(&[c"sh", c"-c", c"exit 3"], &mut argv_buf)?;
/// let mut stack = MmapStack::new(64 * 1024)?;
/// // SAFETY: the child execs, or returns the errno.
/// let mut child = unsafe {
///     spawn(CloneFlags::empty(), stack.as_mut_slice(), || {
///         execve(c"/bin/sh", argv, CStrArray::empty()).raw()
///     })
/// }?;
/// assert_eq!(child.wait()?, ExitStatus::Exited(3));
/// # Ok::<(), nsclone::Error>(())
/// ```
pub fn execve(path: &CStr, argv: CStrArray<'_>, envp: CStrArray<'_>) -> Errno {
    // SAFETY: both arrays are null-terminated arrays of NUL-terminated
    // strings, alive across the call.
    unsafe { syscall::execve(path, argv.as_ptr().cast(), envp.as_ptr().cast()) }
}

/// Where [`execvpe`] looks without a `PATH` (glibc's `_CS_PATH`).
pub const DEFAULT_PATH: &[u8] = b"/bin:/usr/bin";

/// The most arguments [`execvpe`] passes on when it runs a script without
/// a `#!` line through `/bin/sh` (the new array is on the child's stack).
pub const MAX_SCRIPT_ARGS: usize = 256;

/// Runs `name` as execvpe(3) does: a name with a `/` is the path; a bare
/// one is tried in each directory of `envp`'s `PATH` (or
/// [`DEFAULT_PATH`]), an empty entry being the working directory, until
/// one runs. A file the kernel cannot run (`ENOEXEC`: a script without a
/// `#!` line) is run by `/bin/sh`, as glibc does. Returns only on failure.
///
/// # Errors
///
/// `ENOENT` for an empty name or one found nowhere, `EACCES` if some
/// candidate was not executable, or the first other error.
///
/// # Examples
///
/// ```
/// use nsclone::{execvpe, spawn, CStrArray, CloneFlags, Errno, ExitStatus, MmapStack};
///
/// let mut argv_buf = [core::ptr::null(); 4];
/// let argv = CStrArray::new(&[c"sh", c"-c", c"exit 3"], &mut argv_buf)?;
/// let mut envp_buf = [core::ptr::null(); 2];
/// let envp = CStrArray::new(&[c"PATH=/nonexistent:/usr/bin:/bin"], &mut envp_buf)?;
/// let mut stack = MmapStack::new(64 * 1024)?;
/// // SAFETY: the child execs, or returns a number.
/// let mut child = unsafe {
///     spawn(CloneFlags::empty(), stack.as_mut_slice(), || {
///         if execvpe(c"no-such-program", argv, envp) != Errno::ENOENT {
///             return 1;
///         }
///         execvpe(c"sh", argv, envp).raw()
///     })
/// }?;
/// assert_eq!(child.wait()?, ExitStatus::Exited(3));
/// # Ok::<(), nsclone::Error>(())
/// ```
pub fn execvpe(name: &CStr, argv: CStrArray<'_>, envp: CStrArray<'_>) -> Errno {
    let bytes = name.to_bytes();
    if bytes.is_empty() {
        return Errno::ENOENT;
    }
    // contains() would link core's memchr into nsrun.
    #[allow(clippy::manual_contains)]
    if bytes.iter().any(|&b| b == b'/') {
        return exec_or_script(name, argv, envp);
    }
    let mut result = Errno::ENOENT;
    let mut buf = [0u8; 4096];
    for dir in envp
        .var(b"PATH")
        .unwrap_or(DEFAULT_PATH)
        .split(|&b| b == b':')
    {
        let dir = if dir.is_empty() { b".".as_slice() } else { dir };
        let len = dir.len() + 1 + bytes.len();
        if len >= buf.len() {
            result = Errno::ENAMETOOLONG;
            continue;
        }
        buf[..dir.len()].copy_from_slice(dir);
        buf[dir.len()] = b'/';
        buf[dir.len() + 1..len].copy_from_slice(bytes);
        buf[len] = 0;
        // SAFETY: `buf[len]` is 0 and comes after `dir` and the name, which
        // hold no NUL (they come from C strings).
        let candidate = unsafe { CStr::from_bytes_with_nul_unchecked(&buf[..=len]) };
        match exec_or_script(candidate, argv, envp) {
            Errno::EACCES => result = Errno::EACCES,
            Errno::ENOENT | Errno::ENOTDIR | Errno::ESTALE | Errno::ENODEV | Errno::ETIMEDOUT => {}
            other => return other,
        }
    }
    result
}

/// execve(2) of `path`, then, if the kernel cannot run it (`ENOEXEC`),
/// `/bin/sh path args...`.
fn exec_or_script(path: &CStr, argv: CStrArray<'_>, envp: CStrArray<'_>) -> Errno {
    let err = execve(path, argv, envp);
    if err != Errno::ENOEXEC || argv.len() + 2 > MAX_SCRIPT_ARGS {
        return err;
    }
    let mut script = [ptr::null::<c_char>(); MAX_SCRIPT_ARGS];
    script[0] = c"/bin/sh".as_ptr();
    script[1] = path.as_ptr();
    // argv[1..] and its null.
    let rest = argv.ptrs.get(1..).unwrap_or(&[]);
    script[2..2 + rest.len()].copy_from_slice(rest);
    let script = CStrArray {
        ptrs: &script[..2 + rest.len().max(1)],
    };
    match execve(c"/bin/sh", script, envp) {
        // No shell: the program's own answer.
        Errno::ENOENT => Errno::ENOEXEC,
        other => other,
    }
}
