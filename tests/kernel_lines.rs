//! The kernel lines the crate depends on (`common::kernel_lines`), each
//! with this kernel's side as its probe finds it: printed, so that a run
//! names the kernel's features (`scripts/test-native.sh` shows them), and
//! consistent with the kernel's history.

mod common;

use common::kernel_line;
use common::kernel_lines::{Side, CLONE3_NEWTIME, LINES};

#[test]
fn a_kernel_with_a_line_has_every_older_one_but_backports() {
    skip_if!(
        common::under_qemu_user(),
        "qemu-user hides clone3 (ENOSYS) but passes newer calls to the host"
    );
    let uts = nsclone::sys::uname();
    eprintln!("kernel {}", String::from_utf8_lossy(uts.release()));
    let sides = LINES.map(|line| kernel_line(&line));
    // LINES is oldest first; a backported line says nothing of older ones.
    for (newer, line) in LINES.iter().enumerate() {
        if sides[newer] != Side::Has || line.since == CLONE3_NEWTIME.since {
            continue;
        }
        for older in 0..newer {
            assert_eq!(
                sides[older],
                Side::Has,
                "{} ({}) without {} ({})",
                line.feature,
                line.since,
                LINES[older].feature,
                LINES[older].since
            );
        }
    }
}
