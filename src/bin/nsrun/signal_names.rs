//! Signal names and numbers, for `--kill-child=SIG`.

use crate::options::number;
use crate::words::find_word;
use nsclone::sys::SIGNAL_NAMES;

/// `KILL`, `SIGKILL`, `kill` or `9`: the signal's number, if it is one (1..=64).
pub fn signal_number(text: &[u8]) -> Option<i32> {
    if let Some(n) = number(text) {
        return (1..=64).contains(&n).then_some(n as i32);
    }
    // Room for the longest name, SIGSTKFLT; a longer word is no signal.
    let mut upper = [0u8; 10];
    let upper = upper.get_mut(..text.len())?;
    for (to, from) in upper.iter_mut().zip(text) {
        *to = from.to_ascii_uppercase();
    }
    let name = upper.strip_prefix(b"SIG").unwrap_or(upper);
    find_word(SIGNAL_NAMES.as_bytes(), name).map(|at| at as i32 + 1)
}
