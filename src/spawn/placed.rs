//! `Placed`: what a child runs, already on its stack with its type erased,
//! so that everything after placing the closure is compiled once per
//! binary, not once per closure type.

use super::Spawn;
use crate::error::refusal::Refusal;
use crate::error::Step;
use crate::setup::report::{ChildContext, Failure};
use crate::setup::{Setup, SetupCode};
use crate::spawn::handshake::ChildEnd;
use crate::spawn::time_ns::TimeOffsets;
use crate::sys::errno::Result;
#[cfg(feature = "std")]
use crate::sys::signals;
use crate::sys::{process, syscall};
use crate::CloneFn;
use core::ffi::{c_int, c_void};
use core::mem::{align_of, size_of};
use core::ptr::{self, NonNull};
use static_assertions::const_assert;

/// A value on top of a child's stack and the function the child calls with
/// its address; the child's stack is `below`, the bytes under the value.
#[derive(Copy, Clone)]
pub(crate) struct Placed {
    pub(crate) run: CloneFn,
    pub(crate) slot: *mut c_void,
    /// The bytes of the value at `slot`.
    size: usize,
    /// The low end and length of the stack left under `slot`.
    pub(crate) below: (*mut u8, usize),
}

/// The exit status of a child that was not prepared (it is killed and
/// reaped before anyone sees this).
const NOT_PREPARED: c_int = 127;

impl Placed {
    /// Moves `f` as high onto `stack` as its alignment allows, with
    /// [`Spawn::stack_needed_below`] bytes left under it.
    pub(crate) fn closure<F: FnOnce() -> c_int>(stack: &mut [u8], f: F) -> Result<Placed, Refusal> {
        let needed = Spawn::stack_needed_below(size_of::<F>(), align_of::<F>());
        let below = (stack.as_mut_ptr(), stack.len());
        match (top_slot(below, size_of::<F>(), align_of::<F>()), needed) {
            (Some((slot, left)), Some(needed)) if left >= needed => {
                // SAFETY: `slot` is aligned for `F` and lies inside `stack`,
                // which we borrow mutably.
                unsafe { slot.cast::<F>().write(f) };
                Ok(Placed {
                    run: run_closure::<F>,
                    slot: slot.cast(),
                    size: size_of::<F>(),
                    below: (below.0, left),
                })
            }
            _ => Err(Refusal::StackTooSmall),
        }
    }

    /// This, run after `prelude`, from a record under the slot (at most
    /// 128 bytes: it comes out of the [`Spawn::MIN_FREE_STACK`] kept for
    /// the crate's frames), with `extra` more bytes left under it for the
    /// prelude's frames.
    ///
    /// # Safety
    ///
    /// `self.below` must be memory nothing else uses while the child runs.
    pub(crate) unsafe fn after(self, prelude: Prelude, extra: usize) -> Result<Placed, Refusal> {
        let then = Then {
            prelude,
            run: self.run,
            slot: self.slot,
        };
        let (slot, left) = top_slot(self.below, size_of::<Then>(), align_of::<Then>())
            .filter(|&(_, left)| left >= extra)
            .ok_or(Refusal::StackTooSmall)?;
        // SAFETY: `slot` is aligned for `Then` and inside `self.below`,
        // which the caller lends us; `run_prelude` reads it once.
        unsafe { slot.cast::<Then>().write(then) };
        Ok(Placed {
            run: run_prelude,
            slot: slot.cast(),
            size: size_of::<Then>(),
            below: (self.below.0, left),
        })
    }

    /// Zeroes the value and the two words the trampoline stores under it
    /// (`fn` and `arg`, right below the 16-aligned top of the child's
    /// stack), so that the stack the caller gets back holds neither: a
    /// typed write leaves padding uninitialized, which the caller's safe
    /// code could then read.
    ///
    /// # Safety
    ///
    /// No child reads them any more, and the caller's `drop_in_place` of
    /// the value, if any, is done.
    pub(crate) unsafe fn clear(&self) {
        let start = (self.slot as usize & !15) - 2 * size_of::<usize>();
        let len = self.slot as usize + self.size - start;
        // SAFETY: `[start, slot + size)` lies in the stack we borrow (the
        // placement leaves `Spawn::MIN_FREE_STACK` under `slot`), and
        // nothing reads it now (the caller's promise).
        unsafe {
            ptr::write_bytes(
                self.below.0.wrapping_add(start - self.below.0 as usize),
                0,
                len,
            )
        };
    }
}

/// The highest address in `(low, len)` for `size` bytes aligned to `align`,
/// and the bytes left under it; `None` if they do not fit.
fn top_slot((low, len): (*mut u8, usize), size: usize, align: usize) -> Option<(*mut u8, usize)> {
    let start = low as usize;
    let slot = start.checked_add(len)?.checked_sub(size)? & !(align - 1);
    let left = slot.checked_sub(start)?;
    // Derive the pointer from `low` to keep its provenance.
    Some((low.wrapping_add(left), left))
}

/// What a child does before its closure: the steps between its parent
/// creating it and letting it run.
#[derive(Copy, Clone)]
pub(crate) struct Prelude {
    /// The parent-death signal to ask for before waiting (0 for none).
    pub(crate) death_signal: c_int,
    /// Where to wait for the parent's go-ahead (its ID maps written, and
    /// proof that it is alive), if at all.
    pub(crate) go_ahead: Option<ChildEnd>,
    /// A new time namespace to enter.
    pub(crate) time: Option<TimeOffsets>,
    /// The setup to run before the closure, and its code; it outlives the
    /// child's use (the parent waits for the report).
    pub(crate) setup: Option<(NonNull<Setup<'static>>, &'static SetupCode)>,
    /// Where to report how the time namespace and the setup went (and
    /// where the parent's idmapped mounts come).
    pub(crate) report: Option<ChildEnd>,
}

/// A prelude and the placed value it leads to.
#[derive(Copy, Clone)]
struct Then {
    prelude: Prelude,
    run: CloneFn,
    slot: *mut c_void,
}

// What `after` promises of its record.
const_assert!(size_of::<Then>() <= 128);

/// A child's entry through a [`Prelude`]: the steps, then the closure
/// (unless the parent gave up on it or a step failed).
extern "C" fn run_prelude(arg: *mut c_void) -> c_int {
    // SAFETY: `arg` is the `Then` that `after` wrote on this child's stack.
    let then = unsafe { ptr::read(arg.cast::<Then>()) };
    let prelude = then.prelude;
    if prelude.death_signal != 0 {
        // The signal was checked: prctl cannot refuse it.
        let _ = process::set_parent_death_signal(prelude.death_signal);
    }
    if !prelude.go_ahead.is_none_or(ChildEnd::wait) {
        syscall::exit_group(NOT_PREPARED);
    }
    if let Some(report) = prelude.report {
        let mut context = ChildContext::new(report.into_report_fd(), None, false);
        let outcome = prelude
            .time
            .map_or(Ok(()), |offsets| {
                Failure::of(Step::TimeNamespace, 0, offsets.enter_new())
            })
            .and_then(|()| {
                // SAFETY: the parent keeps the setup alive until it has
                // read this child's report (and the child has a copy).
                prelude.setup.map_or(Ok(()), |(setup, code)| {
                    (code.run)(unsafe { setup.as_ref() }, &mut context)
                })
            });
        context.report(outcome);
        if outcome.is_err() {
            syscall::exit_group(NOT_PREPARED);
        }
    }
    (then.run)(then.slot)
}

/// The child's entry for a closure: runs it and ends the child process,
/// all its threads, with its return value.
extern "C" fn run_closure<F: FnOnce() -> c_int>(arg: *mut c_void) -> c_int {
    syscall::exit_group(run_to_the_end(|| {
        // SAFETY: `arg` is the slot `Placed::closure` wrote an `F` to; the
        // child reads it exactly once, here. Taking it off the stack here,
        // not in a caller, keeps to the copies `stack_needed_below` counts.
        let f = unsafe { ptr::read(arg.cast::<F>()) };
        f()
    }))
}

/// Runs `run`; a panic ends the child with `SIGABRT` after its message,
/// raised with raw syscalls (the C library's `abort` may signal the
/// parent's thread: see [`Spawn::spawn`]).
#[cfg(feature = "std")]
fn run_to_the_end(run: impl FnOnce() -> c_int) -> c_int {
    match std::panic::catch_unwind(core::panic::AssertUnwindSafe(run)) {
        Ok(status) => status,
        Err(payload) => {
            // Its drop would run code of the closure's in a dying child.
            core::mem::forget(payload);
            signals::abort_self()
        }
    }
}

/// Runs `run` (without `std`, a panic cannot be caught).
#[cfg(not(feature = "std"))]
fn run_to_the_end(run: impl FnOnce() -> c_int) -> c_int {
    run()
}

#[cfg(test)]
mod tests {
    extern crate std;

    use crate::sys::{fd::BorrowedFd, syscall};
    use crate::{spawn, CloneFlags, Error, ExitStatus, MmapStack, Refusal, Spawn};
    use core::ffi::c_int;
    use core::mem::{align_of_val, size_of_val};
    use linux_raw_sys::general as k;
    use std::boxed::Box;
    use std::io::{Read, Write};
    use std::os::fd::AsRawFd;
    use std::string::String;

    // With feature `std` the child catches the unwind and raises SIGABRT by
    // raw syscalls; without it the unwinder finds no handler ("failed to
    // initiate panic") and the C library's abort ends the child, which on
    // musl would signal the parent's thread instead.
    #[test]
    fn a_panicking_closure_ends_its_child_with_sigabrt_after_its_message() {
        let (mut read, write) = std::io::pipe().unwrap();
        let mut stack = MmapStack::new(256 * 1024).unwrap();
        let write_fd = write.as_raw_fd();
        let panic_in_the_child = move || {
            // SAFETY: the write end stays open in the child until it
            // ends; fd 2 is the child's copy, nothing else uses it there.
            if unsafe { syscall::dup3(BorrowedFd::borrow_raw(write_fd), 2) }.is_err() {
                return 100;
            }
            // The harness captures the default hook's output: print to fd 2.
            std::panic::set_hook(Box::new(|info| {
                let _ = std::writeln!(std::io::stderr(), "{info}");
            }));
            std::panic!("the closure's own message")
        };
        // SAFETY: a glibc test process, whose abort signals the calling
        // thread by its real ID; the hook and the panic touch only the
        // child's copy of this process.
        let child = unsafe {
            spawn(
                CloneFlags::empty(),
                stack.as_mut_slice(),
                panic_in_the_child,
            )
        };
        let mut child = child.unwrap();
        drop(write);
        let status = child.wait();
        let mut said = String::new();
        read.read_to_string(&mut said).unwrap();
        let sigabrt = ExitStatus::Signaled(k::SIGABRT as i32);
        assert_eq!(status, Ok(sigabrt), "{said}");
        assert!(said.contains("the closure's own message"), "{said}");
        if cfg!(feature = "std") {
            assert!(!said.contains("failed to initiate panic"), "{said}");
        } else {
            std::eprintln!(
                "SKIPPED {}: the unwind is caught with feature std",
                module_path!()
            );
        }
    }

    /// Runs `f` on the shortest stack `spawn` accepts, at the low end of an
    /// `MmapStack` so that a child that runs past it dies with `SIGSEGV`.
    fn on_the_smallest_stack(f: impl FnOnce() -> c_int + Copy) -> ExitStatus {
        let mut stack = MmapStack::new(256 * 1024).unwrap();
        let needed = Spawn::stack_needed_below(size_of_val(&f), align_of_val(&f)).unwrap();
        for len in needed..needed + size_of_val(&f) + 2 * align_of_val(&f) + 64 {
            // SAFETY: the closure only reads its copy of what it captured.
            match unsafe { spawn(CloneFlags::empty(), &mut stack.as_mut_slice()[..len], f) } {
                Ok(mut child) => return child.wait().unwrap(),
                Err(err) => assert_eq!(err, Error::Refused(Refusal::StackTooSmall)),
            }
        }
        panic!("no stack length accepted")
    }

    #[test]
    fn the_smallest_stack_spawn_accepts_holds_the_child() {
        let small = 7u8;
        let exit_small = move || c_int::from(core::hint::black_box(small) != 7);
        assert_eq!(on_the_smallest_stack(exit_small), ExitStatus::Exited(0));
        let payload = [7u8; 4096];
        let sum_payload = move || {
            let sum: u32 = payload.iter().map(|&b| u32::from(b)).sum();
            c_int::from(sum != 7 * 4096)
        };
        assert_eq!(on_the_smallest_stack(sum_payload), ExitStatus::Exited(0));
    }
}
