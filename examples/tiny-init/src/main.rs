//! A tiny static init built with nsclone alone: no libc, no std, no
//! allocation. It mounts /proc, starts a child in new PID, UTS, mount and
//! IPC namespaces on a static stack, reaps every child until that one has
//! ended, reports, and then powers the machine off if it is the machine's
//! init (pid 1), or exits with the child's status otherwise.
//!
//! ```sh
//! cargo build --release --manifest-path examples/tiny-init/Cargo.toml
//! # --target aarch64-unknown-linux-gnu or riscv64gc-unknown-linux-gnu likewise
//! ```
//!
//! `scripts/test-vm.sh` boots it as `/init` of each test machine.
#![no_std]
#![no_main]

use core::ffi::c_int;
use linux_raw_sys::general as k;
use nsclone::sys::{exit_group, getpid, mount, power_off, sethostname, wait4, write_all};
use nsclone::{spawn, BorrowedFd, CloneFlags, Errno, ExitStatus, StaticStack};

nsclone::entry_point!(main);
// memcpy, memset and friends, which compiled Rust calls and a libc would provide.
nsclone::libc_shims!();

/// The child's stack: static, so no allocation and no mmap.
static CHILD_STACK: StaticStack<{ 64 * 1024 }> = StaticStack::new();

const HOSTNAME: &[u8] = b"tiny";

extern "C" fn main(_sp: *const usize) -> ! {
    let is_init = getpid() == 1;
    // An init finds no /proc; elsewhere it is already there (EBUSY is fine).
    let _ = mount(Some(c"proc"), c"/proc", Some(c"proc"), 0, None);
    let flags = CloneFlags::NEWPID | CloneFlags::NEWUTS | CloneFlags::NEWNS | CloneFlags::NEWIPC;
    // SAFETY: no C library is linked and `child` makes raw syscalls only,
    // a few frames deep on a 64 KiB stack.
    let status = CHILD_STACK
        .take()
        .ok_or(Errno::EBUSY)
        .and_then(|stack| unsafe { spawn(flags, stack, child) }.map_err(|err| err.errno()))
        .and_then(|mut child| child.wait());
    reap_orphans();
    let code = match status {
        Ok(ExitStatus::Exited(0)) => {
            say(&[b"tiny-init: the child exited with status 0"]);
            0
        }
        Ok(_) => {
            say(&[b"tiny-init: the child failed"]);
            1
        }
        Err(err) => {
            say(&[b"tiny-init: spawn failed: ", err.name().as_bytes()]);
            1
        }
    };
    if is_init {
        let _ = power_off();
    }
    exit_group(code)
}

/// Pid 1 of its own PID namespace, with a hostname of its own.
fn child() -> c_int {
    if getpid() != 1 || sethostname(HOSTNAME).is_err() {
        return 1;
    }
    say(&[
        b"tiny-init: the child is pid 1 of a new PID namespace, hostname ",
        HOSTNAME,
    ]);
    0
}

/// Writes the pieces and a newline to stdout (the console, for an init).
fn say(pieces: &[&[u8]]) {
    // SAFETY: fd 1 stays open for the whole run; nothing closes it.
    let stdout = unsafe { BorrowedFd::borrow_raw(1) };
    for piece in pieces.iter().chain([&b"\n"[..]].iter()) {
        let _ = write_all(stdout, piece);
    }
}

/// What an init does all day: collect orphans that have ended.
fn reap_orphans() {
    while let Ok((1.., _)) = wait4(-1, k::WNOHANG | k::__WALL) {}
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    say(&[b"tiny-init: panic"]);
    exit_group(101)
}

/// Named by core's prebuilt objects in unoptimized builds; never called
/// (panic = "abort").
#[unsafe(no_mangle)]
extern "C" fn rust_eh_personality() {}
