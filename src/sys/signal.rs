//! `Signal`: a signal number the kernel accepts (1 to 64), with the names
//! of the standard ones.

use crate::sys::error_words::{debug_as_words, BadWord};
use core::ffi::c_int;
use core::fmt;
use core::num::NonZeroU8;
use core::str::FromStr;
use linux_raw_sys::general as k;

/// A signal number, 1 to 64: one of the constants (`Signal::TERM`), a
/// real-time signal ([`Signal::rt`]) or any number
/// ([`Signal::from_raw`]); [`raw`](Signal::raw) gives the number back.
///
/// Prints as its name (`SIGKILL`), or `SIGRTMIN+n` counted from the
/// kernel's first real-time signal (32).
///
/// ```
/// use nsclone::Signal;
///
/// assert_eq!(Signal::KILL.raw(), 9);
/// assert_eq!(Signal::from_raw(15), Ok(Signal::TERM));
/// assert_eq!(Signal::TERM.to_string(), "SIGTERM");
/// assert!(Signal::from_raw(0).is_err());
/// ```
#[derive(Copy, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Signal(NonZeroU8);

/// The kernel's first real-time signal (`SIGRTMIN` in its headers); a C
/// library keeps the first two or three for itself.
const KERNEL_SIGRTMIN: c_int = 32;

/// The highest signal number (`_NSIG` on x86 and arm).
pub(crate) const LAST_SIGNAL: c_int = 64;

/// Declares one constant per standard signal and [`SIGNAL_NAMES`], from
/// one table in the order of the numbers (checked at compile time).
macro_rules! signals {
    ($($name:ident = $number:ident,)*) => {
        impl Signal {
            $(
                #[doc = concat!("`", stringify!($number), "`.")]
                pub const $name: Signal = Signal::known(k::$number);
            )*
        }

        /// The names of signals 1 to 31 without their `SIG`, in the order of
        /// the numbers, each followed by a space: `"HUP INT QUIT ..."`
        /// (packed so, nsrun's parser reads them at a byte a letter).
        pub const SIGNAL_NAMES: &str = concat!($(stringify!($name), " ",)*);

        const _: () = {
            let numbers = [$(k::$number,)*];
            let mut i = 0;
            while i < numbers.len() {
                assert!(numbers[i] as usize == i + 1, "signals out of order");
                i += 1;
            }
        };
    };
}

signals! {
    HUP = SIGHUP,
    INT = SIGINT,
    QUIT = SIGQUIT,
    ILL = SIGILL,
    TRAP = SIGTRAP,
    ABRT = SIGABRT,
    BUS = SIGBUS,
    FPE = SIGFPE,
    KILL = SIGKILL,
    USR1 = SIGUSR1,
    SEGV = SIGSEGV,
    USR2 = SIGUSR2,
    PIPE = SIGPIPE,
    ALRM = SIGALRM,
    TERM = SIGTERM,
    STKFLT = SIGSTKFLT,
    CHLD = SIGCHLD,
    CONT = SIGCONT,
    STOP = SIGSTOP,
    TSTP = SIGTSTP,
    TTIN = SIGTTIN,
    TTOU = SIGTTOU,
    URG = SIGURG,
    XCPU = SIGXCPU,
    XFSZ = SIGXFSZ,
    VTALRM = SIGVTALRM,
    PROF = SIGPROF,
    WINCH = SIGWINCH,
    IO = SIGIO,
    PWR = SIGPWR,
    SYS = SIGSYS,
}

impl Signal {
    /// Signal number `raw`.
    ///
    /// ```
    /// use nsclone::Signal;
    ///
    /// assert_eq!(Signal::from_raw(9), Ok(Signal::KILL));
    /// assert_eq!(Signal::from_raw(64).unwrap().raw(), 64);
    /// ```
    ///
    /// # Errors
    ///
    /// [`InvalidSignal`] for a number outside 1 to 64: 0 is kill(2)'s
    /// "check only" and no signal, and the kernel has no signal above 64.
    pub const fn from_raw(raw: c_int) -> Result<Signal, InvalidSignal> {
        match NonZeroU8::new(raw as u8) {
            Some(number) if raw <= LAST_SIGNAL && raw > 0 => Ok(Signal(number)),
            _ => Err(InvalidSignal(raw)),
        }
    }

    /// Real-time signal `SIGRTMIN + n`, counted from the kernel's
    /// `SIGRTMIN`, 32: `rt(0)` is 32 and `rt(32)` is 64. A C library keeps
    /// the first few for itself and counts its `SIGRTMIN` after them
    /// (glibc's is 34, musl's 35): glibc's `SIGRTMIN+1` is `rt(3)`.
    ///
    /// ```
    /// use nsclone::Signal;
    ///
    /// assert_eq!(Signal::rt(8).unwrap().raw(), 40);
    /// assert_eq!(Signal::rt(8).unwrap().to_string(), "SIGRTMIN+8");
    /// assert!(Signal::rt(33).is_err());
    /// ```
    ///
    /// # Errors
    ///
    /// [`InvalidSignal`] for `n` above 32.
    #[doc(alias = "SIGRTMIN")]
    pub const fn rt(n: u8) -> Result<Signal, InvalidSignal> {
        Signal::from_raw(KERNEL_SIGRTMIN + n as c_int)
    }

    /// The signal's number, as kill(2) takes it.
    ///
    /// ```
    /// assert_eq!(nsclone::Signal::TERM.raw(), 15);
    /// ```
    pub const fn raw(self) -> c_int {
        self.0.get() as c_int
    }

    /// A signal of the kernel's headers (which are all in range).
    const fn known(number: u32) -> Signal {
        match Signal::from_raw(number as c_int) {
            Ok(signal) => signal,
            Err(_) => panic!("no such signal"),
        }
    }

    /// The name without `SIG` (`"KILL"`) of a standard signal (1 to 31),
    /// read from [`SIGNAL_NAMES`].
    pub(crate) fn short_name(self) -> Option<&'static str> {
        SIGNAL_NAMES
            .split_terminator(' ')
            .nth(usize::from(self.0.get()) - 1)
    }
}

impl fmt::Display for Signal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.short_name() {
            Some(name) => write!(f, "SIG{name}"),
            None => write!(f, "SIGRTMIN+{}", self.raw() - KERNEL_SIGRTMIN),
        }
    }
}

/// As [`Display`](fmt::Display): the name reads better than the number
/// in `assert_eq!` output.
impl fmt::Debug for Signal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// Parses what [`Display`](fmt::Display) prints and what kill(1) takes:
/// a standard name with or without `SIG`, in any case (`TERM`, `sigterm`),
/// `RTMIN`, `RTMIN+n` and `RTMAX-n` counted as [`Signal::rt`] counts (from
/// the kernel's 32, up to 64), or a number from 1 to 64.
///
/// ```
/// use nsclone::Signal;
///
/// assert_eq!("TERM".parse(), Ok(Signal::TERM));
/// assert_eq!("sigkill".parse(), Ok(Signal::KILL));
/// assert_eq!("10".parse(), Ok(Signal::USR1));
/// assert_eq!("SIGRTMIN+8".parse(), Signal::rt(8).map_err(|_| unreachable!()));
/// assert_eq!("RTMAX".parse::<Signal>().map(Signal::raw), Ok(64));
/// for signal in (1..=64).filter_map(|n| Signal::from_raw(n).ok()) {
///     assert_eq!(signal.to_string().parse(), Ok(signal));
/// }
/// ```
///
/// # Errors
///
/// [`ParseSignalError`], naming the text, for anything else (`0`, `65`,
/// `RTMIN+33`, an unknown name).
impl FromStr for Signal {
    type Err = ParseSignalError;

    fn from_str(text: &str) -> Result<Signal, ParseSignalError> {
        let error = ParseSignalError {
            word: BadWord::new(text),
        };
        if let Some(number) = small_number(text) {
            return Signal::from_raw(number).map_err(|_| error);
        }
        let name = match text.get(..3) {
            Some(sig) if sig.eq_ignore_ascii_case("SIG") => &text[3..],
            _ => text,
        };
        let number = if let Some(position) = SIGNAL_NAMES
            .split_terminator(' ')
            .position(|known| known.eq_ignore_ascii_case(name))
        {
            position as c_int + 1
        } else {
            real_time(name).ok_or(error)?
        };
        Signal::from_raw(number).map_err(|_| error)
    }
}

/// The number `RTMIN`, `RTMIN+n`, `RTMAX` or `RTMAX-n` names, in the
/// kernel's count (from 32 to 64).
fn real_time(name: &str) -> Option<c_int> {
    let (base, rest) = name.split_at_checked(5)?;
    let (origin, sign) = if base.eq_ignore_ascii_case("RTMIN") {
        (KERNEL_SIGRTMIN, '+')
    } else if base.eq_ignore_ascii_case("RTMAX") {
        (LAST_SIGNAL, '-')
    } else {
        return None;
    };
    if rest.is_empty() {
        return Some(origin);
    }
    let n = small_number(rest.strip_prefix(sign)?)?;
    if n > LAST_SIGNAL - KERNEL_SIGRTMIN {
        return None;
    }
    Some(if sign == '+' { origin + n } else { origin - n })
}

/// `text` as a number if it is one to three decimal digits.
fn small_number(text: &str) -> Option<c_int> {
    if text.is_empty() || text.len() > 3 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// Text that names no signal, refused by [`Signal`]'s [`FromStr`].
///
/// # Examples
///
/// ```
/// let err = "SIGBOGUS".parse::<nsclone::Signal>().unwrap_err();
/// assert_eq!(err.word(), "SIGBOGUS");
/// assert_eq!(
///     err.to_string(),
///     "unknown signal \"SIGBOGUS\" (expected a name such as TERM or SIGTERM, \
///      RTMIN+n, RTMAX-n, or a number from 1 to 64)",
/// );
/// ```
#[derive(Copy, Clone, PartialEq, Eq)]
pub struct ParseSignalError {
    word: BadWord,
}

impl ParseSignalError {
    /// The text that named no signal (its first 32 bytes if it was
    /// longer); [example](ParseSignalError#examples).
    pub fn word(&self) -> &str {
        self.word.as_str()
    }
}

impl fmt::Display for ParseSignalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown signal {} (expected a name such as TERM or SIGTERM, RTMIN+n, RTMAX-n, \
             or a number from 1 to 64)",
            self.word
        )
    }
}

/// A number that is no signal, refused by [`Signal::from_raw`] and
/// [`Signal::rt`]. Prints as `0 is not a signal number (1 to 64)`.
///
/// ```
/// let err = nsclone::Signal::from_raw(65).unwrap_err();
/// assert_eq!(err.raw(), 65);
/// assert_eq!(err.to_string(), "65 is not a signal number (1 to 64)");
/// ```
#[derive(Copy, Clone, PartialEq, Eq, Hash)]
pub struct InvalidSignal(c_int);

debug_as_words!(ParseSignalError, InvalidSignal);

impl InvalidSignal {
    /// The number that was refused.
    ///
    /// ```
    /// assert_eq!(nsclone::Signal::from_raw(-1).unwrap_err().raw(), -1);
    /// ```
    pub const fn raw(self) -> c_int {
        self.0
    }
}

impl fmt::Display for InvalidSignal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} is not a signal number (1 to 64)", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    extern crate std;
    use std::string::ToString;

    #[test]
    fn every_standard_signal_is_named_and_the_rest_count_from_sigrtmin() {
        assert_eq!(SIGNAL_NAMES.split_whitespace().count(), 31);
        assert_eq!(Signal::HUP.to_string(), "SIGHUP");
        assert_eq!(Signal::SYS.to_string(), "SIGSYS");
        assert_eq!(Signal::from_raw(32).unwrap().to_string(), "SIGRTMIN+0");
        assert_eq!(Signal::from_raw(64).unwrap().to_string(), "SIGRTMIN+32");
        assert_eq!(std::format!("{:?}", Signal::USR1), "SIGUSR1");
    }

    #[test]
    fn names_numbers_and_real_time_offsets_parse_and_nothing_else() {
        assert_eq!("HUP".parse(), Ok(Signal::HUP));
        assert_eq!("SigSys".parse(), Ok(Signal::SYS));
        assert_eq!(
            "64".parse(),
            Signal::from_raw(64).map_err(|_| unreachable!())
        );
        assert_eq!("RTMIN".parse::<Signal>().map(Signal::raw), Ok(32));
        assert_eq!("rtmax-32".parse::<Signal>().map(Signal::raw), Ok(32));
        for bad in [
            "",
            "0",
            "65",
            "0064",
            "+9",
            "SIG",
            "SIG9",
            "KILL ",
            "RTMIN+",
            "RTMIN+33",
            "RTMIN-1",
            "RTMAX+1",
            "RTMAX-33",
            "RTMID",
            "SIGSIGKILL",
            "é",
            "RTMIN++3",
        ] {
            assert_eq!(
                bad.parse::<Signal>().map_err(|e| e.word().len()),
                Err(bad.len()),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn zero_negative_and_numbers_above_64_are_no_signals() {
        for raw in [0, -1, 65, c_int::MAX] {
            assert_eq!(Signal::from_raw(raw), Err(InvalidSignal(raw)));
        }
        assert_eq!(Signal::rt(32).map(Signal::raw), Ok(64));
        assert_eq!(Signal::rt(33), Err(InvalidSignal(65)));
    }
}
