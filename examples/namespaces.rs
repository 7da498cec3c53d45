//! Shows a new PID + UTS + mount namespace from inside and from outside.
//!
//! Run as root, or as any user where the kernel allows unprivileged user
//! namespaces (a user namespace is then added to the request).

use nsclone::{spawn, CloneFlags, MmapStack, Namespace};
use std::io::Write;
use std::{fs, io, process};

fn describe(who: &str) {
    let hostname = fs::read_to_string("/proc/sys/kernel/hostname").unwrap_or_default();
    let ns = |kind: Namespace| {
        let link = fs::read_link(format!("/proc/self/ns/{}", kind.proc_name()));
        link.map(|l| l.display().to_string())
            .unwrap_or_else(|e| e.to_string())
    };
    // Errors are ignored, not panicked on: see the safety comment in main.
    let _ = writeln!(
        io::stdout(),
        "{who:>8}: pid {:<6} hostname {:<14} {}  {}  {}",
        process::id(),
        hostname.trim(),
        ns(Namespace::Pid),
        ns(Namespace::Uts),
        ns(Namespace::Mount),
    );
}

/// mount(2) with NUL-terminated strings.
fn mount(source: &[u8], target: &[u8], fstype: &[u8], flags: u32) -> bool {
    // SAFETY: every argument is a NUL-terminated string.
    let ret = unsafe {
        sc::syscall5(
            linux_raw_sys::general::__NR_mount as usize,
            source.as_ptr() as usize,
            target.as_ptr() as usize,
            fstype.as_ptr() as usize,
            flags as usize,
            0,
        )
    };
    ret == 0
}

/// Mounts a fresh /proc for the new PID namespace (after making every mount
/// private, so nothing leaks out) and lists the pids it shows.
fn visible_pids() -> String {
    use linux_raw_sys::general::{MS_PRIVATE, MS_REC};
    if !mount(b"none\0", b"/\0", b"\0", MS_REC | MS_PRIVATE)
        || !mount(b"proc\0", b"/proc\0", b"proc\0", 0)
    {
        return "(mounting /proc failed)".into();
    }
    let mut pids: Vec<u32> = fs::read_dir("/proc")
        .map(|dir| {
            dir.flatten()
                .filter_map(|e| e.file_name().to_str()?.parse().ok())
                .collect()
        })
        .unwrap_or_default();
    pids.sort();
    format!("{pids:?}")
}

fn main() -> Result<(), nsclone::Error> {
    let mut flags = CloneFlags::NEWPID | CloneFlags::NEWUTS | CloneFlags::NEWNS;
    if euid() != 0 {
        // Unprivileged: a new user namespace grants the rights for the others.
        flags |= CloneFlags::NEWUSER;
    }
    println!("creating a child with {flags}\n");
    describe("outside");
    let mut stack = MmapStack::new(1024 * 1024)?;
    // SAFETY: the example is single-threaded, so the child may use std's
    // locks and allocator; it cannot panic (write errors are ignored), and
    // calls none of the C library's functions that act on "the current
    // thread" by a cached ID, which would reach this process's thread.
    let child = unsafe {
        spawn(flags, stack.as_mut_slice(), || {
            sethostname(b"nsclone-demo");
            describe("inside");
            let pids = visible_pids();
            let _ = writeln!(
                io::stdout(),
                "{:>8}: a fresh /proc lists pids {pids}",
                "inside"
            );
            0
        })
    }?;
    let status = child.wait()?;
    describe("outside");
    println!("\nthe child ended: {status:?}");
    Ok(())
}

/// sethostname(2): needs CAP_SYS_ADMIN in the UTS namespace's user namespace
/// (which the child has), unlike writing /proc/sys/kernel/hostname.
fn sethostname(name: &[u8]) {
    // SAFETY: the kernel reads `name.len()` bytes of `name`.
    unsafe {
        sc::syscall2(
            linux_raw_sys::general::__NR_sethostname as usize,
            name.as_ptr() as usize,
            name.len(),
        )
    };
}

/// The effective uid, straight from the kernel.
fn euid() -> u32 {
    // SAFETY: geteuid has no arguments.
    unsafe { sc::syscall0(linux_raw_sys::general::__NR_geteuid as usize) as u32 }
}
