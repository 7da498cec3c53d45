//! Target `spawn_layout`: closures of many sizes and alignments on stacks of
//! any length and misalignment through `Spawn::spawn` (and, for children
//! that share our memory, `Spawn::spawn_unchecked`, as `Spawn::exec` uses
//! it): either refused before any syscall (`StackTooSmall` exactly when the
//! documented placement does not fit, `SpawnSharesMemory` for `CLONE_VM` on
//! the checked path), or a child that finds its captured data intact, its
//! stack aligned, and that never wrote below the stack it was given.

use super::Reader;
use core::ffi::c_int;
use core::mem::{align_of_val, size_of_val};
use core::sync::atomic::{AtomicUsize, Ordering};
use nsclone::{CloneFlags, Errno, Error, ExitStatus, Refusal, Spawn, TimeOffset};
use std::sync::OnceLock;

/// Canary bytes below every stack: a child that runs past its stack's
/// low end writes here (and the child measures how far) before it would
/// reach the region's guard.
pub const CANARY_ZONE: usize = 128 * 1024;
/// The longest stack an input asks for.
pub const MAX_STACK: usize = 384 * 1024;
/// The region [`check`] needs: canary zone, up to 4095 bytes of
/// misalignment (canary too), the stack; inaccessible memory below it.
pub const REGION: usize = CANARY_ZONE + 4096 + MAX_STACK;

/// A request: its flags, whether it asks for a pidfd (clone3 then),
/// whether the child runs steps before its closure (ID maps unless
/// vfork, and time offsets: a record under the closure and the steps'
/// frames, from the same stack), and whether it goes through
/// `spawn_unchecked` (children sharing our memory, as `exec` makes them).
#[derive(Copy, Clone)]
pub struct Mode {
    pub name: &'static str,
    pub flags: CloneFlags,
    pub pidfd: bool,
    pub steps: bool,
    pub unchecked: bool,
}

const fn mode(name: &'static str, flags: CloneFlags, pidfd: bool, steps: bool) -> Mode {
    Mode {
        name,
        flags,
        pidfd,
        steps,
        unchecked: false,
    }
}

const fn unchecked(name: &'static str, flags: CloneFlags, pidfd: bool) -> Mode {
    Mode {
        unchecked: true,
        ..mode(name, flags, pidfd, false)
    }
}

const VM_VFORK: CloneFlags = CloneFlags::VM.union(CloneFlags::VFORK);
const NEWUSER_VFORK: CloneFlags = CloneFlags::NEWUSER.union(CloneFlags::VFORK);

/// Every request an input can choose.
pub const MODES: [Mode; 10] = [
    mode("fork", CloneFlags::empty(), false, false),
    mode("fork+pidfd", CloneFlags::empty(), true, false),
    mode("vfork", CloneFlags::VFORK, false, false),
    mode("vfork+pidfd", CloneFlags::VFORK, true, false),
    unchecked("vm|vfork unchecked", VM_VFORK, false),
    unchecked("vm|vfork+pidfd unchecked", VM_VFORK, true),
    mode("vm|vfork (refused)", VM_VFORK, false, false),
    mode("newuser+maps+time", CloneFlags::NEWUSER, false, true),
    mode("newuser+maps+time+pidfd", CloneFlags::NEWUSER, true, true),
    mode("newuser|vfork+time", NEWUSER_VFORK, false, true),
];

/// Zero-sized alignment markers.
#[derive(Copy, Clone)]
#[repr(align(8))]
pub struct A8;
#[derive(Copy, Clone)]
#[repr(align(16))]
pub struct A16;
#[derive(Copy, Clone)]
#[repr(align(64))]
pub struct A64;
#[derive(Copy, Clone)]
#[repr(align(4096))]
pub struct A4096;

/// `N` captured bytes aligned like `A`.
#[repr(C)]
pub struct Payload<const N: usize, A> {
    _align: [A; 0],
    bytes: [u8; N],
}

/// One closure type: its payload's size and alignment, and the code
/// that builds and spawns it.
pub struct Shape {
    pub size: usize,
    pub align: usize,
    run: fn(&mut Run<'_>) -> Outcome,
}

macro_rules! shapes {
    ($($size:literal: $($align:ty),*;)*) => {
        pub const SHAPES: &[Shape] = &[$($(Shape {
            size: $size,
            align: core::mem::align_of::<$align>(),
            run: run_shape::<$size, $align>,
        },)*)*];
    };
}

shapes! {
    0: u8, A16, A4096;
    1: u8, A8, A64;
    8: u8, A8, A4096;
    24: u8, A16, A64;
    100: u8, A8, A16, A64, A4096;
    2047: u8, A8, A64;
    2048: u8, A16, A4096;
    4095: u8, A8;
    4096: u8, A64, A4096;
    16384: u8, A16, A4096;
    65536: u8, A8, A4096;
    100000: u8, A64, A4096;
}

/// One spawn: the shape, the request, where the stack starts (bytes
/// above the canary zone) and its length, and the payload's seed.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct LayoutInput {
    pub shape: usize,
    pub mode: usize,
    pub misalign: usize,
    pub len: usize,
    pub seed: u8,
}

impl LayoutInput {
    /// Layout: shape (1 byte, mod 37), mode (1, mod 10), misalignment
    /// (u16, mod 4096), stack length (u24, mod MAX_STACK + 1), seed (1).
    pub fn decode(data: &[u8]) -> LayoutInput {
        let mut r = Reader::new(data);
        LayoutInput {
            shape: usize::from(r.byte()) % SHAPES.len(),
            mode: usize::from(r.byte()) % MODES.len(),
            misalign: usize::from(r.u16()) % 4096,
            len: r.u24() as usize % (MAX_STACK + 1),
            seed: r.byte(),
        }
    }

    /// Whether qemu-user can run it: it turns CLONE_VM|CLONE_VFORK into
    /// a fork (the memory is not shared), has no clone3 and refuses
    /// CLONE_NEWUSER.
    pub fn runs_under_qemu_user(&self) -> bool {
        let mode = MODES[self.mode];
        !mode.pidfd && !mode.steps && !mode.flags.contains(CloneFlags::VM)
    }
}

/// What happened, for the fuzzer's feedback.
#[derive(Copy, Clone, Debug)]
pub struct Outcome {
    /// Bytes to spare below the closure (negative: missing), or `None`
    /// when the closure does not fit in the stack at all.
    pub margin: Option<i64>,
    pub spawned: bool,
    /// How far below its stack the child wrote.
    pub overflow: usize,
}

/// Drops of captured guards seen by this address space.
static DROPS: AtomicUsize = AtomicUsize::new(0);

/// A captured value whose drop is counted, to see each closure dropped once.
struct DropGuard {
    magic: u64,
}

impl Drop for DropGuard {
    fn drop(&mut self) {
        DROPS.fetch_add(1, Ordering::SeqCst);
    }
}

fn magic(seed: u8) -> u64 {
    0x9e37_79b9_7f4a_7c15 ^ u64::from(seed)
}

fn pattern(i: usize, seed: u8) -> u8 {
    (i as u8).wrapping_mul(31) ^ (i >> 8) as u8 ^ seed
}

const CANARY: u8 = 0xa5;

/// The canary below the child's stack, and two MAP_SHARED words where
/// the child reports how far below its stack it wrote and its stack
/// pointer when the closure's body starts.
#[derive(Copy, Clone)]
struct Canary {
    ptr: *const u8,
    len: usize,
    report: *mut usize,
}

/// What the child finds wrong, as bits of its exit status (from 2: a
/// sanitizer's report in the child exits with 1).
const MISALIGNED_PAYLOAD: c_int = 2;
const PAYLOAD_CHANGED: c_int = 4;
const GUARD_CHANGED: c_int = 8;
const MISALIGNED_SP: c_int = 16;
const WROTE_BELOW_STACK: c_int = 32;

/// The stack pointer when a function is entered (x86_64: before the
/// call pushed the return address): 16-aligned by the ABI.
#[cfg(target_arch = "x86_64")]
#[unsafe(naked)]
extern "C" fn sp_at_entry() -> usize {
    core::arch::naked_asm!("lea rax, [rsp + 8]", "ret")
}
#[cfg(target_arch = "aarch64")]
#[unsafe(naked)]
extern "C" fn sp_at_entry() -> usize {
    core::arch::naked_asm!("mov x0, sp", "ret")
}
#[cfg(target_arch = "riscv64")]
#[unsafe(naked)]
extern "C" fn sp_at_entry() -> usize {
    core::arch::naked_asm!("mv a0, sp", "ret")
}

/// In the child: plain loads and stores only (no allocation, no locks).
fn child_checks<const N: usize, A>(
    payload: &Payload<N, A>,
    guard: &DropGuard,
    seed: u8,
    canary: Canary,
    body_sp: usize,
) -> c_int {
    // SAFETY: the second word of a MAP_SHARED page only this check uses.
    unsafe { canary.report.add(1).write_volatile(body_sp) };
    let mut bad = 0;
    let align = core::mem::align_of::<Payload<N, A>>();
    if !(core::ptr::from_ref(payload) as usize).is_multiple_of(align) {
        bad |= MISALIGNED_PAYLOAD;
    }
    if payload
        .bytes
        .iter()
        .enumerate()
        .any(|(i, &b)| b != pattern(i, seed))
    {
        bad |= PAYLOAD_CHANGED;
    }
    if guard.magic != magic(seed) {
        bad |= GUARD_CHANGED;
    }
    if !body_sp.is_multiple_of(16) {
        bad |= MISALIGNED_SP;
    }
    // SAFETY: the canary lies in the region, below the child's stack.
    let below = unsafe { core::slice::from_raw_parts(canary.ptr, canary.len) };
    let untouched = below.iter().take_while(|&&b| b == CANARY).count();
    if untouched < below.len() {
        bad |= WROTE_BELOW_STACK;
        // SAFETY: a word of a MAP_SHARED page only this check uses.
        unsafe { canary.report.write_volatile(below.len() - untouched) };
    }
    bad
}

/// Everything one spawn needs.
struct Run<'a> {
    input: LayoutInput,
    stack: &'a mut [u8],
    canary: Canary,
}

fn run_shape<const N: usize, A>(run: &mut Run<'_>) -> Outcome {
    let seed = run.input.seed;
    let mut payload = Payload::<N, A> {
        _align: [],
        bytes: [0; N],
    };
    for (i, b) in payload.bytes.iter_mut().enumerate() {
        *b = pattern(i, seed);
    }
    let guard = DropGuard { magic: magic(seed) };
    let canary = run.canary;
    run.spawn(move || {
        let body_sp = sp_at_entry();
        child_checks(&payload, &guard, seed, canary, body_sp)
    })
}

/// What the crate's own frames may take of `MIN_FREE_STACK` in the
/// child beyond the moved closure: the trampoline, `run_closure` and the
/// call into the closure. The rest is the closure body's. Unoptimized, the
/// clone3 path with a pidfd was seen taking 880 bytes (x86_64).
const GLUE: usize = 1024;

/// What spawn reserves for its own frames beyond one closure copy: the
/// child's second copy and its alignment padding, then `GLUE`.
fn glue_budget(size: usize, align: usize) -> usize {
    size + 6 * align + GLUE
}

/// Prints the first and every 1000th of a kind of tolerated finding.
fn note(count: &AtomicUsize, message: &str) {
    let n = count.fetch_add(1, Ordering::Relaxed);
    if n.is_multiple_of(1000) {
        eprintln!("{message} [#{}]", n + 1);
    }
}

static BODY_OVERFLOW: AtomicUsize = AtomicUsize::new(0);
static REFUSED_STEPS: AtomicUsize = AtomicUsize::new(0);

/// Two words of a MAP_SHARED page for the child's reports.
fn report_words() -> *mut usize {
    static PAGE: OnceLock<usize> = OnceLock::new();
    let page = *PAGE.get_or_init(|| super::shared_page() as usize);
    page as *mut usize
}

/// What the child's exit status says is wrong besides writing below its stack.
fn describe_bad(bad: c_int) -> String {
    let kinds = [
        (1, "a sanitizer error (see above)"),
        (MISALIGNED_PAYLOAD, "its closure misaligned"),
        (PAYLOAD_CHANGED, "its captured bytes changed"),
        (GUARD_CHANGED, "its captured guard changed"),
        (MISALIGNED_SP, "its stack pointer misaligned"),
    ];
    let found: Vec<&str> = kinds
        .iter()
        .filter(|(bit, _)| bad & bit != 0)
        .map(|&(_, what)| what)
        .collect();
    found.join(", ")
}

impl Run<'_> {
    fn spawn<F: FnOnce() -> c_int>(&mut self, f: F) -> Outcome {
        let input = self.input;
        let Mode {
            name: mode,
            flags,
            pidfd,
            steps,
            unchecked,
        } = MODES[input.mode];
        let (size, align) = (size_of_val(&f), align_of_val(&f));
        let low = self.stack.as_ptr() as usize;
        let placed = placement(low, self.stack.len(), size, align);
        let margin = placed.map(|(_, margin)| margin);
        let fits = margin.is_some_and(|m| m >= 0);
        // The checked path runs no closure in our memory.
        let refused = !unchecked && flags.contains(CloneFlags::VM);
        let what = format!(
            "{input:?}: {mode}, closure of {size} bytes aligned {align}, stack of {} bytes at {low:#x}, margin {margin:?}",
            self.stack.len()
        );
        let report = self.canary.report;
        // SAFETY: our shared words; no child runs now.
        unsafe {
            report.write_volatile(0);
            report.add(1).write_volatile(0);
        }
        DROPS.store(0, Ordering::SeqCst);
        let before = children();
        let mut request = Spawn::new(flags).pidfd(pidfd);
        if steps {
            request = request.time_offsets(TimeOffset::from_secs(1), TimeOffset::ZERO);
            if !flags.contains(CloneFlags::VFORK) {
                request = request.map_root_user();
            }
        }
        let result = if unchecked {
            // SAFETY: CLONE_VM|CLONE_VFORK: we are suspended until the child
            // ends, and its closure only reads what it captured and writes
            // the canary report, on a stack in our region, above the canary
            // zone and the region's guard.
            unsafe { request.spawn_unchecked(self.stack, f) }
        } else {
            // SAFETY: the closure only reads what it captured and writes the
            // canary report (a shared page), by raw syscalls and plain loads.
            unsafe { request.spawn(self.stack, f) }
        };
        let drops = DROPS.load(Ordering::SeqCst);
        assert_eq!(
            drops, 1,
            "{what}: the closure was dropped {drops} times here"
        );
        let expected = if refused {
            Err(Error::Refused(Refusal::SpawnSharesMemory))
        } else if !fits {
            Err(Error::Refused(Refusal::StackTooSmall))
        } else {
            Ok(())
        };
        let mut overflow = 0;
        match result {
            Ok(mut child) => {
                assert_eq!(expected, Ok(()), "{what}: spawned");
                let status = child.wait().expect("wait for the child");
                let bad = match status {
                    ExitStatus::Exited(bad) => bad,
                    ExitStatus::Signaled(signal) => {
                        panic!("{what}: the child was killed by signal {signal}")
                    }
                };
                assert_eq!(
                    bad & !WROTE_BELOW_STACK,
                    0,
                    "{what}: the child found {}",
                    describe_bad(bad)
                );
                // SAFETY: our shared words; the child is gone.
                let body_sp = unsafe { report.add(1).read_volatile() };
                overflow = unsafe { report.read_volatile() };
                let (slot, _) = placed.unwrap();
                // What the crate's frames took beyond one copy of the closure.
                let glue = slot.saturating_sub(body_sp).saturating_sub(size);
                let usage = format!(
                    "the crate's frames took {glue} bytes beyond one closure copy (budget {}); \
                     the closure's body started {} bytes above the stack's low end and the child \
                     wrote {overflow} bytes below it",
                    glue_budget(size, align),
                    body_sp as i64 - low as i64
                );
                // Writing below the stack is spawn's fault when its own
                // frames went past what it reserves for them.
                assert!(
                    overflow == 0 || glue <= glue_budget(size, align),
                    "{what}: the child wrote below its stack: {usage}"
                );
                if overflow > 0 {
                    // The crate kept its promise; this closure body (its
                    // checks and the sanitizer's hooks) needed more than the
                    // MIN_FREE_STACK left to it.
                    note(
                        &BODY_OVERFLOW,
                        &format!("not spawn's doing: {what}: {usage}"),
                    );
                }
            }
            Err(err)
                if steps
                    && expected.is_ok()
                    && matches!(err.errno(), Errno::EPERM | Errno::ENOSPC)
                    && matches!(err, Error::Kernel(_) | Error::Step(_)) =>
            {
                // A machine that does not let this process make user or
                // time namespaces; no child was left (spawn reaps it).
                note(
                    &REFUSED_STEPS,
                    &format!("{what}: user or time namespace refused"),
                );
            }
            Err(err) => {
                assert_eq!(expected, Err(err), "{what}: spawn failed with {err}");
                // Refused before any syscall: no new child.
                let after = children();
                assert_eq!(
                    before, after,
                    "{what}: {err}, but this thread's children changed"
                );
            }
        }
        Outcome {
            margin,
            spawned: expected.is_ok(),
            overflow,
        }
    }
}

/// This thread's children (other children exist: the sanitizer's
/// symbolizer), or nothing without procfs.
fn children() -> String {
    std::fs::read_to_string("/proc/thread-self/children").unwrap_or_default()
}

/// The documented placement: the closure as high in the stack as its
/// alignment allows, with `Spawn::stack_needed_below` bytes below it.
/// The closure's address and the bytes to spare (negative: missing), if
/// it fits at all.
pub fn placement(low: usize, len: usize, size: usize, align: usize) -> Option<(usize, i64)> {
    let slot = (low.checked_add(len)?.checked_sub(size)?) & !(align - 1);
    let below = slot.checked_sub(low)?;
    Some((
        slot,
        below as i64 - Spawn::stack_needed_below(size, align)? as i64,
    ))
}

/// Checks one input on `region` (at least [`REGION`] bytes with
/// inaccessible memory right below, like an `MmapStack`'s).
pub fn check(input: LayoutInput, region: &mut [u8]) -> Outcome {
    assert!(region.len() >= REGION);
    let (below, rest) = region.split_at_mut(CANARY_ZONE + input.misalign);
    below.fill(CANARY);
    let canary = Canary {
        ptr: below.as_ptr(),
        len: below.len(),
        report: report_words(),
    };
    let mut run = Run {
        input,
        stack: &mut rest[..input.len],
        canary,
    };
    (SHAPES[input.shape].run)(&mut run)
}
