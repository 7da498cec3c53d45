//! Soundness regressions: what the checked paths must refuse or keep intact
//! so that no closure, however ordinary, can break the parent's fds,
//! thread-local or panic state, locks or memory; children that end as whole
//! processes; refusals that keep their rule; and `exec` beside busy threads.
//!
//! Each test attempts the unsound thing and then looks at the parent (or the
//! child) for the damage, before checking that the attempt was refused.

mod common;

use common::proc::sched_yield;
use common::SharedPage;
use core::ffi::{c_char, c_int, c_void};
use core::ptr;
use core::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use linux_raw_sys::general as k;
use nsclone::sys::syscall;
use nsclone::{spawn, CStrArray, CloneFlags, Errno, Error, ExitStatus, MmapStack, Refusal, Spawn};
use std::fs::File;
use std::io::Read;
use std::os::fd::{AsRawFd, IntoRawFd};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

/// The one combination with `CLONE_VM` the closure path once accepted.
const VM_VFORK: CloneFlags = CloneFlags::VM.union(CloneFlags::VFORK);

/// The attempt of each test below, through the checked `spawn`.
///
/// # Safety
///
/// As for `nsclone::spawn`: were the request not refused, `f` would be the
/// reproduction; it is refused before any child exists.
unsafe fn attempt(
    flags: CloneFlags,
    stack: &mut [u8],
    f: impl FnOnce() -> c_int,
) -> Result<nsclone::Child, Error> {
    // SAFETY: forwarded from the caller.
    unsafe { spawn(flags, stack, f) }
}

/// Recurses until a frame lies below `floor`, then returns: a bounded run
/// past the low end of a stack, which stops before whatever lies lower.
#[inline(never)]
fn recurse_below(floor: usize, depth: u64) -> u64 {
    let frame = core::hint::black_box([depth | 0x5a5a_0000_0000_0000; 64]);
    if (frame.as_ptr() as usize) < floor {
        return frame[1];
    }
    recurse_below(floor, depth + 1).wrapping_add(frame[3])
}

/// pread(2) of up to 64 bytes at offset 0 of `fd`, without owning it.
fn read_raw(fd: c_int) -> Vec<u8> {
    let mut buf = [0u8; 64];
    let args = [fd as usize, buf.as_mut_ptr() as usize, buf.len(), 0];
    // SAFETY: the kernel writes at most `buf.len()` bytes into `buf`.
    let len = unsafe { syscall(k::__NR_pread64, args) }.unwrap_or(0);
    buf[..len].to_vec()
}

// 1a. A vfork child has its own fd table: an fd it opens is not the parent's.
#[test]
fn a_vm_vfork_closure_cannot_leave_the_parent_a_file_its_fd_table_does_not_have() {
    skip_under_qemu_user!();
    let mut stack = MmapStack::new(64 * 1024).unwrap();
    let mut stored: Option<File> = None;
    // SAFETY: see `attempt`.
    let result = unsafe {
        attempt(VM_VFORK, stack.as_mut_slice(), || {
            stored = File::open("/proc/self/status").ok();
            0
        })
    };
    let refusal = result.as_ref().err().copied();
    if let Ok(mut child) = result {
        let _ = child.wait();
    }
    // The fd is the child's: dropping a File over it would close whatever the
    // parent has there (or abort with "IO Safety violation"), so take it raw.
    let stored_fd = stored.take().map(IntoRawFd::into_raw_fd);
    let mut own = File::open("/proc/version").unwrap();
    let mut text = String::new();
    own.read_to_string(&mut text).unwrap();
    assert!(text.starts_with("Linux version"), "{text:?}");
    if let Some(fd) = stored_fd {
        panic!(
            "the parent got a File for the child's fd {fd}; in the parent that fd is \
             {} and reads {:?} instead of /proc/self/status",
            if fd == own.as_raw_fd() {
                "its own /proc/version"
            } else {
                "something else"
            },
            String::from_utf8_lossy(&read_raw(fd)),
        );
    }
    assert_eq!(refusal, Some(Error::Refused(Refusal::SpawnSharesMemory)));
}

/// Drops of [`COUNTS_DROPS`] values, for 1b.
static TLS_DROPS: AtomicUsize = AtomicUsize::new(0);
/// Set by [`on_exit`], for 1b.
static ATEXIT_RAN: AtomicBool = AtomicBool::new(false);

struct CountsTlsDrops;

impl Drop for CountsTlsDrops {
    fn drop(&mut self) {
        TLS_DROPS.fetch_add(1, Ordering::SeqCst);
    }
}

thread_local! {
    static COUNTS_DROPS: CountsTlsDrops = const { CountsTlsDrops };
}

extern "C" fn on_exit() {
    ATEXIT_RAN.store(true, Ordering::SeqCst);
}

extern "C" {
    fn atexit(f: extern "C" fn()) -> c_int;
}

// 1b. A child sharing our memory and TLS that calls exit(3) runs our exit
// handlers and this thread's TLS destructors. The attempt is made from a
// fork-like helper, the parent whose state is looked at: in the test process
// itself, the child's std::process::exit would leave std's "one thread
// exits" record pointing at the harness's test thread, and the harness would
// hang in pause() when it exits.
#[test]
fn a_vm_vfork_closure_cannot_run_the_parents_exit_handlers_or_tls_destructors() {
    skip_under_qemu_user!();
    // SAFETY: `on_exit` only stores to an atomic.
    assert_eq!(unsafe { atexit(on_exit) }, 0);
    // Registers this thread's destructor for the value (the helper has a copy).
    COUNTS_DROPS.with(|_| ());
    // accepted, exit status (or -1), atexit handler ran, TLS drops, TLS alive.
    let report = SharedPage::new([-2i32; 5]);
    let helper = common::in_child(|| {
        let Ok(mut stack) = MmapStack::new(256 * 1024) else {
            return 100;
        };
        // SAFETY: see `attempt`.
        let result = unsafe { attempt(VM_VFORK, stack.as_mut_slice(), || std::process::exit(3)) };
        let accepted = result.is_ok();
        let refused_by_rule =
            result.as_ref().err() == Some(&Error::Refused(Refusal::SpawnSharesMemory));
        let status = match result.map(|mut child| child.wait()) {
            Ok(Ok(ExitStatus::Exited(code))) => code,
            _ => -1,
        };
        report.set([
            i32::from(accepted || !refused_by_rule),
            status,
            i32::from(ATEXIT_RAN.load(Ordering::SeqCst)),
            TLS_DROPS.load(Ordering::SeqCst) as i32,
            i32::from(COUNTS_DROPS.try_with(|_| ()).is_ok()),
        ]);
        0
    });
    assert_eq!(helper, ExitStatus::Exited(0));
    let [accepted, status, atexit_ran, tls_drops, tls_alive] = report.get();
    assert!(
        atexit_ran == 0 && tls_drops == 0 && tls_alive == 1,
        "parent after the child's exit(3) (exit status {status}): atexit handler ran: \
         {atexit_ran}, TLS destructor runs: {tls_drops}, thread_local still accessible: \
         {tls_alive}"
    );
    assert_eq!(
        accepted, 0,
        "the VM|VFORK spawn was not refused by its rule"
    );
}

// 1c. A child sharing our TLS that panics bumps this thread's panic count
// (then aborts: the unwind cannot get past the trampoline).
#[test]
fn a_vm_vfork_closure_cannot_leave_the_parent_panicking() {
    skip_under_qemu_user!();
    assert!(!std::thread::panicking());
    let mut stack = MmapStack::new(256 * 1024).unwrap();
    // SAFETY: see `attempt`.
    let result = unsafe {
        attempt(VM_VFORK, stack.as_mut_slice(), || {
            panic!("in the vfork child")
        })
    };
    let refusal = result.as_ref().err().copied();
    let waited = result.map(|mut child| child.wait());
    let panicking = std::thread::panicking();
    assert!(
        !panicking,
        "the parent thread is panicking after the child's panic ({waited:?})"
    );
    assert_eq!(refusal, Some(Error::Refused(Refusal::SpawnSharesMemory)));
}

/// The lock the child of 1d takes and never gives back.
static LOCKED_BY_CHILD: Mutex<()> = Mutex::new(());

// 1d. A child sharing our memory that dies holding a lock keeps it locked.
#[test]
fn a_vm_vfork_closure_that_dies_holding_a_lock_leaves_the_parents_mutex_lockable() {
    skip_under_qemu_user!();
    let mut stack = MmapStack::new(64 * 1024).unwrap();
    // SAFETY: see `attempt`.
    let result = unsafe {
        attempt(VM_VFORK, stack.as_mut_slice(), || {
            let _guard = LOCKED_BY_CHILD.lock().unwrap();
            // Dies with SIGSEGV in the MmapStack guard, the lock still held.
            common::recurse_forever(0) as c_int
        })
    };
    let refusal = result.as_ref().err().copied();
    let waited = result.map(|mut child| child.wait());
    let lockable = LOCKED_BY_CHILD.try_lock().is_ok();
    assert!(
        lockable,
        "the parent's mutex stays locked after the child died ({waited:?})"
    );
    assert_eq!(refusal, Some(Error::Refused(Refusal::SpawnSharesMemory)));
}

/// mmap(2) of anonymous read-write memory (`addr` a hint or, with a fixed
/// flag, the place); the address it got.
fn mmap_anon(addr: usize, len: usize, extra_flags: u32) -> Result<usize, Errno> {
    let args = [
        addr,
        len,
        (k::PROT_READ | k::PROT_WRITE) as usize,
        (k::MAP_PRIVATE | k::MAP_ANONYMOUS | extra_flags) as usize,
        usize::MAX,
        0,
    ];
    // SAFETY: an anonymous mapping; MAP_FIXED_NOREPLACE, the only fixed
    // flag the callers pass, never replaces one.
    unsafe { syscall(k::__NR_mmap, args) }
}

fn munmap(addr: usize, len: usize) {
    // SAFETY: only called on ranges this test mapped and no longer uses.
    let _ = unsafe { syscall(k::__NR_munmap, [addr, len]) };
}

// 2. An unmapped hole below the stack is no guard: anything may be mapped
// there by the time the child runs past the stack.
#[test]
fn a_vm_vfork_stack_with_a_hole_below_is_refused_and_nothing_below_is_written() {
    skip_under_qemu_user!();
    const HALF: usize = 64 * 1024;
    // Far below where mmap places new mappings (top-down from near the stack),
    // so that no other thread's mapping fills the hole before the spawn; low
    // enough for every arch's smallest user address space (riscv64 Sv39).
    const FAR_BELOW: usize = 0x10_0000_0000;
    let base = mmap_anon(FAR_BELOW, 2 * HALF, k::MAP_FIXED_NOREPLACE);
    skip_if!(
        base.is_err(),
        format!("cannot map at {FAR_BELOW:#x}: {base:?}")
    );
    let base = base.unwrap();
    let hole = base;
    munmap(hole, HALF);
    // SAFETY: the upper half is our fresh read-write mapping, used only here.
    let stack = unsafe { core::slice::from_raw_parts_mut((base + HALF) as *mut u8, HALF) };
    let child_mapped = SharedPage::new(0usize);
    // SAFETY: see `attempt`.
    let result = unsafe {
        attempt(VM_VFORK, stack, || {
            // Sharing our memory, the child maps the hole back ...
            match mmap_anon(hole, HALF, k::MAP_FIXED_NOREPLACE) {
                Ok(addr) if addr == hole => child_mapped.set(1),
                _ => return 100,
            }
            // ... and runs half way into it (not further, whatever lies below).
            core::hint::black_box(recurse_below(hole + HALF / 2, 0));
            0
        })
    };
    let refusal = result.as_ref().err().copied();
    let waited = result.map(|mut child| child.wait());
    // Whether the child's mapping is there now: mapping the hole ourselves
    // fails if so (or if another thread of the harness took the place).
    let written = match mmap_anon(hole, HALF, k::MAP_FIXED_NOREPLACE) {
        Err(Errno::EEXIST) if child_mapped.get() == 1 => {
            // SAFETY: the child mapped the hole read-write in our address space.
            let bytes = unsafe { core::slice::from_raw_parts(hole as *const u8, HALF) };
            bytes.iter().filter(|&&b| b != 0).count()
        }
        Ok(addr) => {
            munmap(addr, HALF);
            0
        }
        Err(_) => 0,
    };
    munmap(base, 2 * HALF);
    assert_eq!(
        written,
        0,
        "the child (mapped the hole: {}, {waited:?}) wrote {written} nonzero bytes \
         of the {HALF}-byte mapping below its stack",
        child_mapped.get() == 1,
    );
    assert_eq!(refusal, Some(Error::Refused(Refusal::SpawnSharesMemory)));
}

/// A thread of the child of 3 that never ends by itself.
extern "C" fn spin_forever(_: *mut c_void) -> c_int {
    loop {
        sched_yield();
    }
}

// 3. A child ends as a process (exit_group), not as its first thread.
#[test]
fn a_child_whose_closure_returns_ends_with_its_threads() {
    let mut child_stack = MmapStack::new(64 * 1024).unwrap();
    // The child's thread runs on the child's copy of this mapping.
    let mut thread_stack = MmapStack::new(64 * 1024).unwrap();
    let thread_top = thread_stack.as_mut_slice().as_mut_ptr_range().end;
    // All of a pthread's sharing flags: qemu-user accepts CLONE_VM only so.
    let thread_flags = CloneFlags::VM
        | CloneFlags::FS
        | CloneFlags::FILES
        | CloneFlags::THREAD
        | CloneFlags::SIGHAND
        | CloneFlags::SYSVSEM;
    let start_a_thread_and_return = || {
        // SAFETY: the thread runs only raw syscalls, on its own stack that
        // nothing else in the child uses; it takes no argument.
        let started = unsafe {
            nsclone::clone(
                Some(spin_forever),
                thread_top,
                thread_flags.bits() as c_int,
                ptr::null_mut(),
                ptr::null_mut(),
                ptr::null_mut(),
                ptr::null_mut(),
            )
        };
        if started.is_ok() {
            5
        } else {
            100
        }
    };
    // SAFETY: the closure makes raw syscalls only (the clone above).
    let mut child = unsafe {
        spawn(
            CloneFlags::empty(),
            child_stack.as_mut_slice(),
            start_a_thread_and_return,
        )
    }
    .unwrap();
    // A watchdog, so that a child that lives on fails the test instead of hanging it.
    let pid = child.pid();
    let (done, cancelled) = mpsc::channel::<()>();
    let watchdog = std::thread::spawn(move || {
        let fired = cancelled.recv_timeout(Duration::from_secs(10)).is_err();
        if fired {
            // The child is still unreaped: `pid` is still its.
            let _ = nsclone::sys::kill(pid, k::SIGKILL as c_int);
        }
        fired
    });
    let started = Instant::now();
    let status = child.wait();
    let _ = done.send(());
    let killed = watchdog.join().unwrap();
    assert_eq!(
        status,
        Ok(ExitStatus::Exited(5)),
        "after {:?} (watchdog killed it: {killed})",
        started.elapsed()
    );
}

// 4. The check promises what the call itself will refuse (exec's is
// `check_exec`; tests/spawn_check.rs goes over every option).
#[test]
fn check_refuses_whatever_exec_refuses_before_a_syscall() {
    skip_under_qemu_user!();
    let request = Spawn::new(CloneFlags::NEWUSER | CloneFlags::NEWUTS).map_root_user();
    let checked = request.check_exec();
    let mut stack = MmapStack::new(64 * 1024).unwrap();
    let mut argv_buf = [ptr::null::<c_char>(); 2];
    let argv = CStrArray::new(&[c"true"], &mut argv_buf).unwrap();
    let exec = request.exec(stack.as_mut_slice(), c"/bin/true", argv, CStrArray::empty());
    match exec {
        Err(err @ (Error::Invalid(_) | Error::Refused(_))) => assert_eq!(
            checked,
            Err(err),
            "exec refused with {err:?}, but the check said {checked:?}"
        ),
        Err(_) => {}
        Ok(mut child) => {
            let _ = child.wait();
        }
    }
}

// 5. A refusal keeps its rule, not just EINVAL.
#[test]
fn a_refused_spawn_names_the_rule_it_broke() {
    let mut stack = MmapStack::new(64 * 1024).unwrap();
    // SAFETY: see `attempt`.
    let err = unsafe { attempt(CloneFlags::THREAD, stack.as_mut_slice(), || 0) }.unwrap_err();
    let text = err.to_string();
    assert!(text.contains("CLONE_THREAD"), "the error says {text:?}");
    assert_eq!(err.refusal(), Some(Refusal::SpawnMakesThreads));
    assert_eq!(err.rule(), None);
    assert_eq!(err.errno(), Errno::EINVAL);
    // SAFETY: see `attempt`.
    let err = unsafe { attempt(VM_VFORK, stack.as_mut_slice(), || 0) }.unwrap_err();
    assert_eq!(
        err.to_string(),
        "CLONE_VM needs the crate's own child code: use Spawn::exec or spawn_unchecked"
    );
}

/// Runs `/bin/true` through `exec` in a fork-like request and waits for it.
fn exec_true(stack: &mut [u8]) -> Result<ExitStatus, Error> {
    let mut argv_buf = [ptr::null::<c_char>(); 2];
    let argv = CStrArray::new(&[c"true"], &mut argv_buf)?;
    let mut child =
        Spawn::new(CloneFlags::empty()).exec(stack, c"/bin/true", argv, CStrArray::empty())?;
    Ok(child.wait()?)
}

// Stress: vfork-style children while other threads hold the allocator's and
// a Mutex's locks; none may hang or fail.
#[test]
fn exec_keeps_working_while_other_threads_allocate_and_lock() {
    const THREADS: usize = 8;
    // On the VM tier's one emulated CPU the workers leave the execs a ninth
    // of it: 1,000 took 76 s there.
    let execs = if common::in_vm_tier() { 100 } else { 1000 };
    let stop = Arc::new(AtomicBool::new(false));
    let shared = Arc::new(Mutex::new(Vec::<String>::new()));
    let workers: Vec<_> = (0..THREADS)
        .map(|i| {
            let (stop, shared) = (Arc::clone(&stop), Arc::clone(&shared));
            std::thread::spawn(move || {
                let mut round = 0usize;
                while !stop.load(Ordering::Relaxed) {
                    let v: Vec<u64> = (0..64).map(|x| x as u64 * round as u64).collect();
                    let b = Box::new(v);
                    let s = format!("{i}:{round}:{}", b.len());
                    let mut guard = shared.lock().unwrap();
                    guard.push(s);
                    if guard.len() > 256 {
                        guard.clear();
                    }
                    drop(guard);
                    round += 1;
                }
                round
            })
        })
        .collect();
    // A hang must end the run with a message, not stall it.
    let (done, cancelled) = mpsc::channel::<()>();
    let watchdog = std::thread::spawn(move || {
        if cancelled.recv_timeout(Duration::from_secs(120)).is_err() {
            eprintln!("exec stress test: no progress after 120 s, aborting");
            std::process::abort();
        }
    });
    let started = Instant::now();
    let mut stack = MmapStack::new(64 * 1024).unwrap();
    let mut failures = Vec::new();
    for n in 0..execs {
        match exec_true(stack.as_mut_slice()) {
            Ok(ExitStatus::Exited(0)) => {}
            other => failures.push((n, other)),
        }
    }
    let elapsed = started.elapsed();
    stop.store(true, Ordering::Relaxed);
    let rounds: usize = workers.into_iter().map(|w| w.join().unwrap()).sum();
    let _ = done.send(());
    watchdog.join().unwrap();
    eprintln!("{execs} execs in {elapsed:?} alongside {rounds} worker rounds");
    assert!(
        failures.is_empty(),
        "{} failed: {:?}",
        failures.len(),
        &failures[..failures.len().min(10)]
    );
}

/// The safe `sys::mmap_anonymous` must not take `MAP_FIXED`: from address
/// 0 it replaces whatever the range holds (as root it mapped page 0 here;
/// a longer length would have replaced the process's own memory).
#[test]
fn mmap_anonymous_refuses_map_fixed() {
    use linux_raw_sys::general as k;
    let prot = k::PROT_READ | k::PROT_WRITE;
    for fixed in [k::MAP_FIXED, k::MAP_FIXED | k::MAP_FIXED_NOREPLACE] {
        let got = nsclone::sys::mmap_anonymous(4096, prot, k::MAP_PRIVATE | fixed);
        assert_eq!(got, Err(nsclone::Errno::EINVAL), "flags {fixed:#x}");
    }
}
