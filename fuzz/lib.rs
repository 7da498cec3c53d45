//! libFuzzer's extra counters: features a target reports besides its code
//! coverage, so the fuzzer keeps inputs that reach new ones. The kernel's
//! answers and the child's behaviour happen in other processes, whose
//! coverage libFuzzer never sees; these counters carry them back.

use core::sync::atomic::{AtomicU8, Ordering};

const LEN: usize = 1 << 16;

/// libFuzzer finds this section through `__start_`/`__stop_` symbols and
/// clears it before each input. `#[used]`: only libFuzzer reads it, so the
/// optimizer would otherwise drop the stores and the section.
#[used]
#[link_section = "__libfuzzer_extra_counters"]
static COUNTERS: [AtomicU8; LEN] = [const { AtomicU8::new(0) }; LEN];

/// Marks the feature `key` as reached for this input (hashed into the counters).
pub fn hit(key: u64) {
    let i = (key.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 48) as usize;
    COUNTERS[i % LEN].store(1, Ordering::Relaxed);
}
