//! Shows a new PID + UTS + mount namespace from inside and from outside.
//!
//! Run as root, or as any user where the kernel allows unprivileged user
//! namespaces (a user namespace is then added to the request).

use nsclone::sys::{effective_ids, mount, sethostname};
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

/// Mounts a fresh /proc for the new PID namespace (after making every mount
/// private, so nothing leaks out) and lists the pids it shows.
fn visible_pids() -> String {
    use linux_raw_sys::general::{MS_PRIVATE, MS_REC};
    if mount(Some(c"none"), c"/", None, MS_REC | MS_PRIVATE, None).is_err()
        || mount(Some(c"proc"), c"/proc", Some(c"proc"), 0, None).is_err()
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
    if effective_ids().0 != 0 {
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
    let mut child = unsafe {
        spawn(flags, stack.as_mut_slice(), || {
            // sethostname(2) needs CAP_SYS_ADMIN in the UTS namespace's
            // user namespace (which the child has), unlike writing
            // /proc/sys/kernel/hostname.
            let _ = sethostname(b"nsclone-demo");
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
