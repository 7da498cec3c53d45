//! The crate's own test binaries (`cargo test`'s, built static for this
//! architecture), when the driver packed them: `/tests/list` names them,
//! one per line, and each must exit 0. On aarch64 and riscv64 this is the
//! suite qemu-user runs with namespaces, clone3, pidfds and vfork skipped,
//! now with all of them on a real kernel.

use crate::cases::{expect_status, Tally};
use crate::programs::{run_program, Program};
use crate::{fail, sys};
use core::ffi::CStr;
use nsclone::ExitStatus;

pub fn run(tally: &mut Tally) {
    let mut buf = [0u8; 2048];
    let Ok(len) = sys::read_file(c"/tests/list", &mut buf) else {
        return;
    };
    let list = &buf[..len];
    for name in list.split(|&b| b == b'\n').filter(|name| !name.is_empty()) {
        let shown = core::str::from_utf8(name).unwrap_or("?");
        tally.run(format_args!("cargo test binary {shown}"), || {
            let mut path = [0u8; 256];
            let Some(path) = test_path(name, &mut path) else {
                fail!("name too long")
            };
            let argv = [path, c"--test-threads=1", c"-q"];
            expect_status(run_program(&Program::new(&argv)), ExitStatus::Exited(0))
        });
    }
}

/// `/tests/<name>` as a C string in `buf`.
fn test_path<'b>(name: &[u8], buf: &'b mut [u8; 256]) -> Option<&'b CStr> {
    const DIR: &[u8] = b"/tests/";
    let end = DIR.len() + name.len();
    if end >= buf.len() || name.contains(&0) {
        return None;
    }
    buf[..DIR.len()].copy_from_slice(DIR);
    buf[DIR.len()..end].copy_from_slice(name);
    buf[end] = 0;
    CStr::from_bytes_with_nul(&buf[..=end]).ok()
}
