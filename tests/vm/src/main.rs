//! The VM tier's runner: `/init` of a QEMU machine booting a real kernel.
//! It checks, on that kernel, what qemu-user cannot show: every namespace
//! kind observed from inside (legacy clone and clone3), pidfds, time
//! offsets, `nsrun` as a PID-namespace init, `CloneFlags::check` against
//! the kernel, and then runs the crate's own test binaries (the `clone`
//! contract and CLONE_VM|CLONE_VFORK among them). One
//! line per case on the console (`PASS name` or `FAIL name: why`), then a
//! summary line that `scripts/test-vm.sh` reads, then it powers off.
#![no_std]
#![no_main]
// No allocator: a failed case carries its message by value, once per case.
#![allow(clippy::result_large_err)]

mod cases;
mod out;
mod programs;
mod setup;
mod sys;

use cases::Tally;

nsclone::entry_point!(main);
nsclone::libc_shims!();

extern "C" fn main(_sp: *const usize) -> ! {
    say!("nsclone-vm: runner started as pid {}", sys::getpid());
    let start = sys::monotonic_ns();
    let mut tally = Tally::default();
    tally.run(
        format_args!("setup: mounts, cgroup, loopback, IPC queue"),
        setup::machine,
    );
    cases::run_all(&mut tally);
    let ms = (sys::monotonic_ns() - start) / 1_000_000;
    say!("nsclone-vm: the cases took {ms} ms");
    say!(
        "nsclone-vm: {} passed, {} failed",
        tally.passed,
        tally.failed
    );
    sys::power_off()
}

#[panic_handler]
fn panic(info: &core::panic::PanicInfo<'_>) -> ! {
    // In a child this ends the child (its parent reports the status); in
    // the runner itself the kernel panics and QEMU exits (-no-reboot):
    // either way the summary line never comes, and the driver fails.
    say!("PANIC in pid {}: {info}", sys::getpid());
    sys::exit_group(101)
}

/// Named by core's prebuilt objects in unoptimized builds; never called,
/// since the runner never unwinds (panic = "abort").
#[unsafe(no_mangle)]
extern "C" fn rust_eh_personality() {}
