//! `CloneFlags` from text: never panics, names the bad word on error, and
//! whatever parses prints (Display) back to text that parses to the same bits.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nsclone::CloneFlags;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = core::str::from_utf8(data) else {
        return;
    };
    match text.parse::<CloneFlags>() {
        Ok(flags) => {
            let shown = flags.to_string();
            let again: CloneFlags = shown
                .parse()
                .unwrap_or_else(|e| panic!("{text:?} printed as {shown:?}, which fails: {e}"));
            assert_eq!(
                again.bits(),
                flags.bits(),
                "{text:?} printed as {shown:?} reads back as other bits"
            );
        }
        Err(e) => {
            // The error quotes (a prefix of) a word of the input.
            assert!(text.contains(e.word()), "{text:?}: {e}");
            let _ = e.to_string();
        }
    }
});
