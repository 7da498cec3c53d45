//! `Errno`: the kernel's error numbers, printed by their symbolic names.

use core::fmt;
use linux_raw_sys::errno;

/// An error number returned by the kernel (or by this crate in the kernel's words).
///
/// Prints as `EINVAL: invalid argument`, with `{}` and `{:?}` alike;
/// compares and hashes by value.
///
/// # Examples
///
/// ```
/// use nsclone::Errno;
///
/// let err = Errno::from_raw(3);
/// assert_eq!(err, Errno::ESRCH);
/// assert_eq!((err.raw(), err.name()), (3, "ESRCH"));
/// assert_eq!(err.description(), "no such process");
/// assert_eq!(err.to_string(), "ESRCH: no such process");
/// assert_eq!(format!("{err:?}"), "ESRCH: no such process");
/// // A number Linux does not define still prints.
/// assert_eq!(Errno::from_raw(41).name(), "EUNKNOWN");
/// assert_eq!(Errno::from_raw(41).to_string(), "errno 41: unknown error");
/// ```
#[derive(Copy, Clone, PartialEq, Eq, Hash)]
pub struct Errno(i32);

/// `core::result::Result` with [`Errno`] as the error unless another is named.
pub type Result<T, E = Errno> = core::result::Result<T, E>;

mod packed;

/// Declares one associated constant per errno, and the tables its name and
/// description are read from: one string of names and one of descriptions,
/// and a length byte per number in each, where a match arm per number took
/// more code than the text itself.
macro_rules! errnos {
    ($($name:ident = $text:literal;)*) => {
        impl Errno {
            $(
                #[doc = concat!("`", stringify!($name), "`: ", $text, ".")]
                pub const $name: Errno = Errno(errno::$name as i32);
            )*
        }

        /// Every name, in the order of the numbers: `EPERMENOENT...`.
        const NAMES: &str = concat!($(stringify!($name),)*);

        /// Every description, in the order of the numbers:
        /// `operation not permittedno such file...`.
        const DESCRIPTIONS: &str = concat!($($text,)*);

        /// Every number, name and description, in the order of [`NAMES`]
        /// (used at compile time only).
        const ENTRIES: &[(u32, &str, &str)] = &[$((errno::$name, stringify!($name), $text),)*];
    };
}

/// One past the largest number.
const END: usize = ENTRIES[ENTRIES.len() - 1].0 as usize + 1;

/// The length of each number's name in [`NAMES`]; 0 for a number Linux
/// does not define.
const NAME_LENGTHS: [u8; END] = lengths(true);

/// The length of each number's description in [`DESCRIPTIONS`].
const DESCRIPTION_LENGTHS: [u8; END] = lengths(false);

/// The length of every entry's name (or description), by number.
const fn lengths(of_names: bool) -> [u8; END] {
    let mut lengths = [0; END];
    let mut i = 0;
    while i < ENTRIES.len() {
        let (number, name, text) = ENTRIES[i];
        // The strings hold them in this order, so the numbers must ascend.
        assert!(i == 0 || number > ENTRIES[i - 1].0, "errnos out of order");
        assert!(text.len() <= u8::MAX as usize, "an errno text is too long");
        lengths[number as usize] = if of_names { name.len() } else { text.len() } as u8;
        i += 1;
    }
    lengths
}

errnos! {
EPERM = "operation not permitted";
ENOENT = "no such file or directory";
ESRCH = "no such process";
EINTR = "interrupted system call";
EIO = "input/output error";
ENXIO = "no such device or address";
E2BIG = "argument list too long";
ENOEXEC = "exec format error";
EBADF = "bad file descriptor";
ECHILD = "no child processes";
EAGAIN = "resource temporarily unavailable";
ENOMEM = "cannot allocate memory";
EACCES = "permission denied";
EFAULT = "bad address";
ENOTBLK = "block device required";
EBUSY = "device or resource busy";
EEXIST = "file exists";
EXDEV = "invalid cross-device link";
ENODEV = "no such device";
ENOTDIR = "not a directory";
EISDIR = "is a directory";
EINVAL = "invalid argument";
ENFILE = "too many open files in system";
EMFILE = "too many open files";
ENOTTY = "inappropriate ioctl for device";
ETXTBSY = "text file busy";
EFBIG = "file too large";
ENOSPC = "no space left on device";
ESPIPE = "illegal seek";
EROFS = "read-only file system";
EMLINK = "too many links";
EPIPE = "broken pipe";
EDOM = "numerical argument out of domain";
ERANGE = "numerical result out of range";
EDEADLK = "resource deadlock avoided";
ENAMETOOLONG = "file name too long";
ENOLCK = "no locks available";
ENOSYS = "function not implemented";
ENOTEMPTY = "directory not empty";
ELOOP = "too many levels of symbolic links";
ENOMSG = "no message of desired type";
EIDRM = "identifier removed";
ECHRNG = "channel number out of range";
EL2NSYNC = "level 2 not synchronized";
EL3HLT = "level 3 halted";
EL3RST = "level 3 reset";
ELNRNG = "link number out of range";
EUNATCH = "protocol driver not attached";
ENOCSI = "no CSI structure available";
EL2HLT = "level 2 halted";
EBADE = "invalid exchange";
EBADR = "invalid request descriptor";
EXFULL = "exchange full";
ENOANO = "no anode";
EBADRQC = "invalid request code";
EBADSLT = "invalid slot";
EBFONT = "bad font file format";
ENOSTR = "device not a stream";
ENODATA = "no data available";
ETIME = "timer expired";
ENOSR = "out of streams resources";
ENONET = "machine is not on the network";
ENOPKG = "package not installed";
EREMOTE = "object is remote";
ENOLINK = "link has been severed";
EADV = "advertise error";
ESRMNT = "srmount error";
ECOMM = "communication error on send";
EPROTO = "protocol error";
EMULTIHOP = "multihop attempted";
EDOTDOT = "RFS specific error";
EBADMSG = "bad message";
EOVERFLOW = "value too large for defined data type";
ENOTUNIQ = "name not unique on network";
EBADFD = "file descriptor in bad state";
EREMCHG = "remote address changed";
ELIBACC = "can not access a needed shared library";
ELIBBAD = "accessing a corrupted shared library";
ELIBSCN = ".lib section in a.out corrupted";
ELIBMAX = "attempting to link in too many shared libraries";
ELIBEXEC = "cannot exec a shared library directly";
EILSEQ = "invalid or incomplete multibyte or wide character";
ERESTART = "interrupted system call should be restarted";
ESTRPIPE = "streams pipe error";
EUSERS = "too many users";
ENOTSOCK = "socket operation on non-socket";
EDESTADDRREQ = "destination address required";
EMSGSIZE = "message too long";
EPROTOTYPE = "protocol wrong type for socket";
ENOPROTOOPT = "protocol not available";
EPROTONOSUPPORT = "protocol not supported";
ESOCKTNOSUPPORT = "socket type not supported";
EOPNOTSUPP = "operation not supported";
EPFNOSUPPORT = "protocol family not supported";
EAFNOSUPPORT = "address family not supported by protocol";
EADDRINUSE = "address already in use";
EADDRNOTAVAIL = "cannot assign requested address";
ENETDOWN = "network is down";
ENETUNREACH = "network is unreachable";
ENETRESET = "network dropped connection on reset";
ECONNABORTED = "software caused connection abort";
ECONNRESET = "connection reset by peer";
ENOBUFS = "no buffer space available";
EISCONN = "transport endpoint is already connected";
ENOTCONN = "transport endpoint is not connected";
ESHUTDOWN = "cannot send after transport endpoint shutdown";
ETOOMANYREFS = "too many references: cannot splice";
ETIMEDOUT = "connection timed out";
ECONNREFUSED = "connection refused";
EHOSTDOWN = "host is down";
EHOSTUNREACH = "no route to host";
EALREADY = "operation already in progress";
EINPROGRESS = "operation now in progress";
ESTALE = "stale file handle";
EUCLEAN = "structure needs cleaning";
ENOTNAM = "not a XENIX named type file";
ENAVAIL = "no XENIX semaphores available";
EISNAM = "is a named type file";
EREMOTEIO = "remote I/O error";
EDQUOT = "disk quota exceeded";
ENOMEDIUM = "no medium found";
EMEDIUMTYPE = "wrong medium type";
ECANCELED = "operation canceled";
ENOKEY = "required key not available";
EKEYEXPIRED = "key has expired";
EKEYREVOKED = "key has been revoked";
EKEYREJECTED = "key was rejected by service";
EOWNERDEAD = "owner died";
ENOTRECOVERABLE = "state not recoverable";
ERFKILL = "operation not possible due to RF-kill";
EHWPOISON = "memory page has hardware error";
}

impl Errno {
    /// The symbolic name (`"EINVAL"`), or `"EUNKNOWN"` for a number Linux
    /// does not define; [example](Self#examples).
    pub const fn name(self) -> &'static str {
        match self.index() {
            Some(index) => entry(NAMES, &NAME_LENGTHS, index),
            None => "EUNKNOWN",
        }
    }

    /// The description glibc's `strerror` gives (`"invalid argument"`);
    /// [example](Self#examples).
    pub const fn description(self) -> &'static str {
        match self.index() {
            Some(index) => entry(DESCRIPTIONS, &DESCRIPTION_LENGTHS, index),
            None => "unknown error",
        }
    }

    /// The [`description`](Self::description) in pieces to be written one
    /// after another, read from a copy of the descriptions in which common
    /// words take one byte each: a binary that prints descriptions this way
    /// and never calls `description` holds 0.75 KiB less text.
    ///
    /// ```
    /// use nsclone::Errno;
    ///
    /// // A no_std program writes each piece as it comes; joined, they are the description.
    /// let text: String = Errno::ENOENT.description_pieces().collect();
    /// assert_eq!(text, "no such file or directory");
    /// let unknown: String = Errno::from_raw(41).description_pieces().collect();
    /// assert_eq!(unknown, Errno::from_raw(41).description());
    /// ```
    pub fn description_pieces(self) -> impl Iterator<Item = &'static str> {
        packed::pieces(self.index())
    }

    /// The number as an index of the length tables; `None` for a number
    /// Linux does not define.
    const fn index(self) -> Option<usize> {
        let raw = self.0 as usize;
        if self.0 <= 0 || raw >= END || NAME_LENGTHS[raw] == 0 {
            return None;
        }
        Some(raw)
    }

    /// `EWOULDBLOCK` is the same number as `EAGAIN`.
    pub const EWOULDBLOCK: Errno = Errno::EAGAIN;
    /// `EDEADLOCK` is the same number as `EDEADLK`.
    pub const EDEADLOCK: Errno = Errno::EDEADLK;

    /// The error number as the kernel gives it (positive);
    /// [example](Self#examples).
    pub const fn raw(self) -> i32 {
        self.0
    }

    /// Wraps a positive error number; [example](Self#examples).
    pub const fn from_raw(raw: i32) -> Errno {
        Errno(raw)
    }

    /// Decodes a raw syscall's return value as the kernel gives it (and the
    /// `sc` crate returns it): -4095..=-1 is `-errno`, anything else the
    /// call's value.
    ///
    /// ```
    /// use nsclone::Errno;
    ///
    /// // close(-1)'s answer, -EBADF, as it comes back in the return register.
    /// assert_eq!(Errno::from_syscall(-9isize as usize), Err(Errno::EBADF));
    /// // Anything outside the window is a value, however large.
    /// assert_eq!(Errno::from_syscall(3), Ok(3));
    /// assert_eq!(Errno::from_syscall(-4096isize as usize), Ok(-4096isize as usize));
    /// ```
    ///
    /// # Errors
    ///
    /// The errno, for a return value in -4095..=-1.
    pub const fn from_syscall(ret: usize) -> Result<usize> {
        if ret > (-4096isize) as usize {
            Err(Errno(-(ret as isize) as i32))
        } else {
            Ok(ret)
        }
    }
}

/// As [`Display`](fmt::Display), `ESRCH: no such process`: what `main`
/// returning the error prints after `Error: `, and what `assert_eq!` shows.
impl fmt::Debug for Errno {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl fmt::Display for Errno {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            "EUNKNOWN" => write!(f, "errno {}: unknown error", self.0),
            name => write!(f, "{name}: {}", self.description()),
        }
    }
}

/// Entry `index` of `text`, which holds every entry in order, each as long
/// as `lengths` says; empty if out of range (never, for a defined number).
const fn entry(text: &'static str, lengths: &[u8; END], index: usize) -> &'static str {
    let mut start = 0;
    let mut below = 0;
    while below < index {
        start += lengths[below] as usize;
        below += 1;
    }
    match text.split_at_checked(start) {
        Some((_, rest)) => match rest.split_at_checked(lengths[index] as usize) {
            Some((entry, _)) => entry,
            None => "",
        },
        None => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errno_prints_its_name_and_description() {
        extern crate std;
        use std::string::ToString;
        assert_eq!(Errno::EINVAL.to_string(), "EINVAL: invalid argument");
        assert_eq!(Errno::from_raw(1).name(), "EPERM");
        assert_eq!(
            Errno::EHWPOISON.to_string(),
            "EHWPOISON: memory page has hardware error"
        );
        assert_eq!(Errno::from_raw(41).to_string(), "errno 41: unknown error");
        assert_eq!(Errno::from_raw(-1).name(), "EUNKNOWN");
        assert_eq!(
            Errno::from_raw(4000).to_string(),
            "errno 4000: unknown error"
        );
        assert_eq!(std::format!("{:?}", Errno::ESRCH), "ESRCH: no such process");
    }

    #[test]
    fn every_number_linux_defines_has_a_name() {
        // 41 and 58 are the two holes in Linux's numbering.
        for raw in (1..=133).filter(|raw| ![41, 58].contains(raw)) {
            assert_ne!(Errno::from_raw(raw).name(), "EUNKNOWN", "errno {raw}");
        }
    }

    #[test]
    fn syscall_returns_in_the_error_window_decode_as_errno() {
        assert_eq!(Errno::from_syscall(-22isize as usize), Err(Errno::EINVAL));
        assert_eq!(
            Errno::from_syscall(-4095isize as usize),
            Err(Errno::from_raw(4095))
        );
        assert_eq!(
            Errno::from_syscall(-4096isize as usize),
            Ok(-4096isize as usize)
        );
        assert_eq!(Errno::from_syscall(7), Ok(7));
    }
}
