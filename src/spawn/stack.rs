//! Child stacks: `StaticStack` (in place, no syscall) and `MmapStack` (mapped, guarded).

use crate::sys::errno::{Errno, Result};
use crate::sys::syscall;
use core::cell::UnsafeCell;
use core::sync::atomic::{AtomicBool, Ordering};
use linux_raw_sys::general as k;

/// `N` bytes of child stack, 16-aligned, that live wherever the value lives:
/// on the caller's stack, in a struct, or in a `static`.
///
/// As a local, hand it out with [`as_mut_slice`](Self::as_mut_slice); as a
/// `static`, [`take`](Self::take) hands it out once.
///
/// # Examples
///
/// ```
/// use nsclone::{spawn, CloneFlags, ExitStatus, StaticStack};
///
/// let mut stack = StaticStack::<{ 32 * 1024 }>::new();
/// // SAFETY: the child only returns a number.
/// let mut child = unsafe { spawn(CloneFlags::empty(), stack.as_mut_slice(), || 7) }?;
/// assert_eq!(child.wait()?, ExitStatus::Exited(7));
///
/// static STACK: StaticStack<{ 64 * 1024 }> = StaticStack::new();
/// assert_eq!(STACK.take().map(|bytes| bytes.len()), Some(64 * 1024));
/// assert!(STACK.take().is_none());
/// # Ok::<(), nsclone::Error>(())
/// ```
#[repr(C, align(16))]
pub struct StaticStack<const N: usize> {
    bytes: UnsafeCell<[u8; N]>,
    taken: AtomicBool,
}

// SAFETY: the bytes are only reachable through `&mut self` or through the one
// successful `take`, so no two threads ever reach them at once.
unsafe impl<const N: usize> Sync for StaticStack<N> {}

impl<const N: usize> StaticStack<N> {
    /// A zeroed stack; `const` so it can initialize a `static`;
    /// [example](Self#examples).
    pub const fn new() -> Self {
        StaticStack {
            bytes: UnsafeCell::new([0; N]),
            taken: AtomicBool::new(false),
        }
    }

    /// The stack's bytes; [example](Self#examples).
    pub fn as_mut_slice(&mut self) -> &mut [u8] {
        self.bytes.get_mut()
    }

    /// The stack's bytes for the whole program, the first time only; `None`
    /// after; [example](Self#examples).
    #[allow(clippy::mut_from_ref)] // The flag makes the one `&mut` unique, which the lint cannot see.
    pub fn take(&'static self) -> Option<&'static mut [u8]> {
        if self.taken.swap(true, Ordering::AcqRel) {
            return None;
        }
        // SAFETY: the flag was false, so this is the only reference ever made.
        Some(unsafe { &mut *self.bytes.get() })
    }
}

impl<const N: usize> Default for StaticStack<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> AsMut<[u8]> for StaticStack<N> {
    fn as_mut(&mut self) -> &mut [u8] {
        self.as_mut_slice()
    }
}

/// A child stack mapped with `mmap(MAP_STACK)`, with an inaccessible guard
/// region below it, so a child that overflows dies with `SIGSEGV` instead of
/// writing over other memory. Unmapped on drop.
///
/// # Examples
///
/// ```
/// use nsclone::{spawn, CloneFlags, ExitStatus, MmapStack, Signal};
///
/// let mut stack = MmapStack::new(64 * 1024)?;
/// assert_eq!(stack.as_mut_slice().len(), 64 * 1024);
/// // SAFETY: the child only recurses; past its stack it meets the guard.
/// let mut child = unsafe { spawn(CloneFlags::empty(), stack.as_mut_slice(), || deeper(0)) }?;
/// assert_eq!(child.wait()?, ExitStatus::Signaled(Signal::SEGV.raw()));
///
/// fn deeper(depth: u64) -> i32 {
///     if depth == u64::MAX {
///         return 0;
///     }
///     // Kept across the call, so each level takes its own 512 bytes.
///     let frame = [depth; 64];
///     deeper(depth + 1) + core::hint::black_box(&frame)[0] as i32
/// }
/// # Ok::<(), nsclone::Error>(())
/// ```
pub struct MmapStack {
    base: *mut u8,
    mapped: usize,
}

impl MmapStack {
    /// The guard below the stack: 64 KiB, a whole number of pages for 4, 16
    /// and 64 KiB pages alike, so no page-size query is needed.
    pub const GUARD: usize = 64 * 1024;

    /// Maps at least `len` usable bytes (rounded up to [`Self::GUARD`]) above a
    /// `PROT_NONE` guard. See mmap(2) and mprotect(2);
    /// [example](Self#examples).
    ///
    /// # Errors
    ///
    /// `ENOMEM`, or `EINVAL` for a zero or overflowing `len`.
    pub fn new(len: usize) -> Result<MmapStack> {
        let usable = len
            .checked_next_multiple_of(Self::GUARD)
            .filter(|&usable| usable != 0)
            .ok_or(Errno::EINVAL)?;
        let mapped = usable.checked_add(Self::GUARD).ok_or(Errno::EINVAL)?;
        let base = syscall::mmap_anonymous(
            mapped,
            k::PROT_READ | k::PROT_WRITE,
            k::MAP_PRIVATE | k::MAP_STACK,
        )?;
        let stack = MmapStack { base, mapped };
        // SAFETY: the guard is the low end of our own fresh mapping, unused yet.
        unsafe { syscall::mprotect(base, Self::GUARD, k::PROT_NONE)? };
        Ok(stack)
    }

    /// The usable bytes, above the guard; [example](Self#examples).
    pub fn as_mut_slice(&mut self) -> &mut [u8] {
        // SAFETY: `[base + GUARD, base + mapped)` is our read-write mapping,
        // borrowed mutably through `self`.
        unsafe {
            core::slice::from_raw_parts_mut(self.base.add(Self::GUARD), self.mapped - Self::GUARD)
        }
    }
}

impl AsMut<[u8]> for MmapStack {
    fn as_mut(&mut self) -> &mut [u8] {
        self.as_mut_slice()
    }
}

impl Drop for MmapStack {
    fn drop(&mut self) {
        // SAFETY: the mapping is ours and no borrow of it outlives `self`.
        // munmap of our own whole mapping cannot fail.
        let _ = unsafe { syscall::munmap(self.base, self.mapped) };
    }
}

// SAFETY: the mapping belongs to this value alone; moving it to another
// thread moves the ownership.
unsafe impl Send for MmapStack {}
