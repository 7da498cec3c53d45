//! `Placed`: what a child runs, already on its stack with its type erased,
//! so that everything after placing the closure is compiled once per
//! binary, not once per closure type.

use super::Spawn;
use crate::errno::{Errno, Result};
use crate::handshake::ChildEnd;
use crate::time_ns::TimeOffsets;
use crate::CloneFn;
use core::ffi::{c_int, c_void};
use core::mem::{align_of, size_of};
use core::ptr;
use static_assertions::const_assert;

/// A value on top of a child's stack and the function the child calls with
/// its address; the child's stack is `below`, the bytes under the value.
#[derive(Copy, Clone)]
pub(crate) struct Placed {
    pub(crate) run: CloneFn,
    pub(crate) slot: *mut c_void,
    /// The low end and length of the stack left under `slot`.
    pub(crate) below: (*mut u8, usize),
}

/// The exit status of a child that was not prepared (it is killed and
/// reaped before anyone sees this).
const NOT_PREPARED: c_int = 127;

impl Placed {
    /// Moves `f` as high onto `stack` as its alignment allows, with
    /// [`Spawn::stack_needed_below`] bytes left under it; `ENOMEM` otherwise.
    pub(crate) fn closure<F: FnOnce() -> c_int>(stack: &mut [u8], f: F) -> Result<Placed> {
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
                    below: (below.0, left),
                })
            }
            _ => Err(Errno::ENOMEM),
        }
    }

    /// This, run after `prelude`, from a record under the slot (under a
    /// hundred bytes: it comes out of the [`Spawn::MIN_FREE_STACK`] kept for
    /// the crate's frames).
    ///
    /// # Safety
    ///
    /// `self.below` must be memory nothing else uses while the child runs.
    pub(crate) unsafe fn after(self, prelude: Prelude) -> Result<Placed> {
        let then = Then {
            prelude,
            run: self.run,
            slot: self.slot,
        };
        let (slot, left) =
            top_slot(self.below, size_of::<Then>(), align_of::<Then>()).ok_or(Errno::ENOMEM)?;
        // SAFETY: `slot` is aligned for `Then` and inside `self.below`,
        // which the caller lends us; `run_prelude` reads it once.
        unsafe { slot.cast::<Then>().write(then) };
        Ok(Placed {
            run: run_prelude,
            slot: slot.cast(),
            below: (self.below.0, left),
        })
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
    /// Where to wait for the parent's go-ahead (its ID maps written), if at all.
    pub(crate) go_ahead: Option<ChildEnd>,
    /// A new time namespace to enter, and where to report how that went.
    pub(crate) time: Option<(TimeOffsets, ChildEnd)>,
}

/// A prelude and the placed value it leads to.
#[derive(Copy, Clone)]
struct Then {
    prelude: Prelude,
    run: CloneFn,
    slot: *mut c_void,
}

// What `after` promises of its record.
const_assert!(size_of::<Then>() < 100);

/// A child's entry through a [`Prelude`]: the steps, then the closure
/// (unless the parent gave up on it or a step failed).
extern "C" fn run_prelude(arg: *mut c_void) -> c_int {
    // SAFETY: `arg` is the `Then` that `after` wrote on this child's stack.
    let then = unsafe { ptr::read(arg.cast::<Then>()) };
    let prelude = then.prelude;
    if !prelude.go_ahead.is_none_or(ChildEnd::wait) {
        return NOT_PREPARED;
    }
    if let Some((offsets, report)) = prelude.time {
        let entered = offsets.enter_new();
        report.report(entered);
        if entered.is_err() {
            return NOT_PREPARED;
        }
    }
    (then.run)(then.slot)
}

/// The child's entry for a closure: takes it off its stack and runs it.
extern "C" fn run_closure<F: FnOnce() -> c_int>(arg: *mut c_void) -> c_int {
    // SAFETY: `arg` is the slot `Placed::closure` wrote an `F` to; the child
    // reads it exactly once, here.
    let f = unsafe { ptr::read(arg.cast::<F>()) };
    f()
}
