//! Target `parse`: `CloneFlags::from_str` against a model of its grammar,
//! and every printed form reading back to the same bits.

use super::kbits;
use nsclone::{CloneFlags, Namespace};

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

/// Checks one input: any bytes, read as (lossy) UTF-8.
pub fn check(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let text = text.as_ref();
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
