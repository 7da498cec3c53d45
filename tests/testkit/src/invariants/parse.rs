//! Target `parse`: `CloneFlags::from_str` and `Signal::from_str` against
//! models of their grammars, and every printed form reading back to the
//! same value.

use super::kbits;
use nsclone::{CloneFlags, Namespace, Signal};

/// The util-linux names, with their flags.
const UTIL_LINUX: &[(&str, u64)] = &[
    ("mount", 0x2_0000),
    ("mnt", 0x2_0000),
    ("uts", 0x400_0000),
    ("ipc", 0x800_0000),
    ("net", 0x4000_0000),
    ("network", 0x4000_0000),
    ("pid", 0x2000_0000),
    ("user", 0x1000_0000),
    ("cgroup", 0x200_0000),
    ("time", 0x80),
];

/// The model: what one word between separators means, or `None`.
/// Spaces around it are ignored, names are case-insensitive (a kernel
/// name with or without its `CLONE_`), numbers are `0` or `0x`/`0X` and
/// hex digits that fit in 64 bits.
pub fn model_word(word: &str) -> Option<u64> {
    let word = word.trim();
    let mut named = UTIL_LINUX.iter().chain(kbits::NAMED);
    let names = |n: &str| {
        n.eq_ignore_ascii_case(word)
            || n.strip_prefix("CLONE_")
                .is_some_and(|short| short.eq_ignore_ascii_case(word))
    };
    if let Some(&(_, bits)) = named.find(|(n, _)| names(n)) {
        return Some(bits);
    }
    if word == "0" {
        return Some(0);
    }
    let hex = word
        .strip_prefix("0x")
        .or_else(|| word.strip_prefix("0X"))?;
    let digits = hex.trim_start_matches('0');
    let all_hex = !hex.is_empty() && hex.bytes().all(|b| b.is_ascii_hexdigit());
    (all_hex && digits.len() <= 16).then(|| {
        digits.bytes().fold(0, |n, b| {
            n << 4 | u64::from((b as char).to_digit(16).unwrap())
        })
    })
}

/// The longest prefix of `word` of at most `max` bytes that ends on a char boundary.
fn prefix(word: &str, max: usize) -> &str {
    let mut len = word.len().min(max);
    while !word.is_char_boundary(len) {
        len -= 1;
    }
    &word[..len]
}

/// Checks one input: any bytes, read as (lossy) UTF-8, as flags and as a
/// signal.
pub fn check(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let text = text.as_ref();
    check_signal(text);
    let words: Vec<&str> = text.split([',', '|']).collect();
    let model: Option<u64> = words
        .iter()
        .try_fold(0, |bits, word| Some(bits | model_word(word)?));
    match text.parse::<CloneFlags>() {
        Ok(flags) => {
            assert_eq!(
                Some(flags.bits()),
                model,
                "{text:?} parses to {flags:?}, the grammar says {model:?}"
            );
            round_trips(text, flags);
        }
        Err(err) => {
            assert_eq!(model, None, "{text:?} fails ({err}), the grammar reads it");
            // The error names the first bad word, cut to 32 bytes.
            let bad = words.iter().find(|w| model_word(w).is_none()).unwrap();
            let shown = prefix(bad, 32);
            assert_eq!(err.word(), shown, "{text:?}: {err}");
            let message = err.to_string();
            let cut = shown.len() < bad.len();
            assert_eq!(
                message.contains(&format!("\"{shown}...\"")),
                cut,
                "{message}"
            );
            assert!(message.contains(&format!("\"{shown}")), "{message}");
            let _ = format!("{err:?}");
        }
    }
}

/// Display, lowercase Display and the util-linux form read back to `flags`.
pub fn round_trips(text: &str, flags: CloneFlags) {
    let shown = flags.to_string();
    let reads_back = |form: &str, what: &str| {
        let again = form
            .parse::<CloneFlags>()
            .unwrap_or_else(|e| panic!("{text:?}: {what} {form:?} fails to parse: {e}"));
        assert_eq!(
            again, flags,
            "{text:?}: {what} {form:?} reads back as other bits"
        );
    };
    reads_back(&shown, "Display");
    reads_back(&shown.to_lowercase(), "lowercase Display");
    reads_back(&format!("{shown}|{shown}"), "Display twice");
    let debug = format!("{flags:?}");
    assert!(
        debug.contains(&shown),
        "Debug {debug:?} hides Display {shown:?}"
    );
    // The form util-linux prints, for namespace flags only.
    if !flags.is_empty() && flags.bits() & !kbits::NAMESPACES == 0 {
        let names: Vec<&str> = flags.namespaces().map(Namespace::proc_name).collect();
        assert_eq!(names.len(), flags.bits().count_ones() as usize, "{text:?}");
        reads_back(&names.join(","), "util-linux names");
    }
}

/// Signals 1 to 31 by number, from signal(7) (the generic numbering x86_64,
/// aarch64 and riscv64 share).
const SIGNALS: [&str; 31] = [
    "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE", "KILL", "USR1", "SEGV", "USR2",
    "PIPE", "ALRM", "TERM", "STKFLT", "CHLD", "CONT", "STOP", "TSTP", "TTIN", "TTOU", "URG",
    "XCPU", "XFSZ", "VTALRM", "PROF", "WINCH", "IO", "PWR", "SYS",
];

/// One to three decimal digits, as a number.
fn digits(text: &str) -> Option<i32> {
    let all = (1..=3).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_digit());
    all.then(|| text.bytes().fold(0, |n, b| n * 10 + i32::from(b - b'0')))
}

/// The model: the signal number `text` names, or `None`. A number 1 to 64;
/// a standard name with or without `SIG`, in any case; `RTMIN`, `RTMIN+n`
/// (32 + n), `RTMAX`, `RTMAX-n` (64 - n), n at most 32.
pub fn model_signal(text: &str) -> Option<i32> {
    if let Some(n) = digits(text) {
        return (1..=64).contains(&n).then_some(n);
    }
    let name = match text.get(..3) {
        Some(sig) if sig.eq_ignore_ascii_case("sig") => &text[3..],
        _ => text,
    };
    if let Some(i) = SIGNALS.iter().position(|s| s.eq_ignore_ascii_case(name)) {
        return Some(i as i32 + 1);
    }
    let upper = name.to_ascii_uppercase();
    // Some(answer) once `upper` starts with `prefix`.
    let real_time = |prefix: &str, sign: char, base: i32, step: i32| {
        let rest = upper.strip_prefix(prefix)?;
        Some(match rest {
            "" => Some(base),
            _ => rest
                .strip_prefix(sign)
                .and_then(digits)
                .filter(|&n| n <= 32)
                .map(|n| base + step * n),
        })
    };
    real_time("RTMIN", '+', 32, 1)
        .or_else(|| real_time("RTMAX", '-', 64, -1))
        .flatten()
}

/// `Signal::from_str` reads what the model reads, names the text on
/// failure, and a parsed signal's `Display` reads back to it.
pub fn check_signal(text: &str) {
    match text.parse::<Signal>() {
        Ok(signal) => {
            assert_eq!(
                Some(signal.raw()),
                model_signal(text),
                "{text:?} parses to {signal}"
            );
            let shown = signal.to_string();
            assert_eq!(
                shown.parse(),
                Ok(signal),
                "{text:?}: {shown} reads back otherwise"
            );
            assert_eq!(
                shown.to_lowercase().parse(),
                Ok(signal),
                "{text:?}: lowercase {shown}"
            );
        }
        Err(err) => {
            assert_eq!(
                model_signal(text),
                None,
                "{text:?} fails ({err}), the model reads it"
            );
            assert_eq!(err.word(), prefix(text, 32), "{text:?}: {err}");
        }
    }
}
