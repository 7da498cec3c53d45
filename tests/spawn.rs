//! The safe path: closures moved onto the child stack, refused flags, drops,
//! panics and stack overflows, on the running kernel.

mod common;

use common::SharedPage;
use core::ffi::c_int;
use core::sync::atomic::{AtomicUsize, Ordering};
use nsclone::{
    spawn, CloneFlags, Errno, Error, ExitStatus, MmapStack, Refusal, Rule, Signal, Spawn,
    StaticStack,
};

#[test]
fn a_captured_array_reaches_the_child_intact() {
    let mut stack = MmapStack::new(64 * 1024).unwrap();
    let data: [u8; 3000] = core::array::from_fn(|i| (i * 7 % 251) as u8);
    // SAFETY: the closure only reads its copy of the captured array.
    let mut child = unsafe {
        spawn(CloneFlags::empty(), stack.as_mut_slice(), move || {
            let intact = data
                .iter()
                .enumerate()
                .all(|(i, &b)| b == (i * 7 % 251) as u8);
            if intact {
                0
            } else {
                1
            }
        })
    }
    .unwrap();
    assert_eq!(child.wait(), Ok(ExitStatus::Exited(0)));
}

#[test]
fn the_exit_status_is_the_closures_return_value_modulo_256() {
    let mut stack = StaticStack::<16384>::new();
    for (ret, status) in [(0, 0), (7, 7), (255, 255), (300, 44)] {
        // SAFETY: the closure only returns its captured integer.
        let mut child =
            unsafe { spawn(CloneFlags::empty(), stack.as_mut_slice(), move || ret) }.unwrap();
        assert_eq!(child.wait(), Ok(ExitStatus::Exited(status)));
    }
}

#[test]
fn each_unsafe_flag_is_refused_by_name_before_any_child_runs() {
    // The crate refuses what would reach the parent, or is an option
    // (`Refused`); the kernel's rules name flags it would refuse (`Invalid`).
    let cases = [
        (CloneFlags::VM, Error::Refused(Refusal::SpawnSharesMemory)),
        (
            CloneFlags::THREAD,
            Error::Refused(Refusal::SpawnMakesThreads),
        ),
        // CLONE_VM is refused first, whatever comes with it.
        (
            CloneFlags::SIGHAND | CloneFlags::VM | CloneFlags::VFORK,
            Error::Refused(Refusal::SpawnSharesMemory),
        ),
        (
            CloneFlags::SIGHAND,
            Error::Refused(Refusal::SpawnMakesThreads),
        ),
        (CloneFlags::SETTLS, Error::Refused(Refusal::SpawnSetsTls)),
        (CloneFlags::FILES, Error::Refused(Refusal::SpawnSharesFiles)),
        (
            CloneFlags::PARENT_SETTID,
            Error::Refused(Refusal::SpawnHasNoTidPointers),
        ),
        (
            CloneFlags::CHILD_SETTID,
            Error::Refused(Refusal::SpawnHasNoTidPointers),
        ),
        (
            CloneFlags::CHILD_CLEARTID,
            Error::Refused(Refusal::SpawnHasNoTidPointers),
        ),
        (
            CloneFlags::PIDFD,
            Error::Refused(Refusal::SpawnPidfdIsAnOption),
        ),
        (
            CloneFlags::INTO_CGROUP,
            Error::Refused(Refusal::SpawnCgroupIsAnOption),
        ),
        (
            CloneFlags::from_bits_retain(1 << 40),
            Error::Invalid(Rule::Clone3UnknownFlags),
        ),
        (
            CloneFlags::SIGHAND | CloneFlags::CLEAR_SIGHAND,
            Error::Refused(Refusal::SpawnMakesThreads),
        ),
        (
            CloneFlags::from_bits_retain(0x11),
            Error::Refused(Refusal::SpawnExitSignalInFlags),
        ),
        (
            CloneFlags::NEWNS | CloneFlags::FS,
            Error::Invalid(Rule::NewnsWithFs),
        ),
        (
            CloneFlags::NEWIPC | CloneFlags::SYSVSEM,
            Error::Invalid(Rule::NewipcWithSysvsem),
        ),
    ];
    let ran = SharedPage::new(0u32);
    let mut stack = MmapStack::new(64 * 1024).unwrap();
    for (flags, expected) in cases {
        let checked = Spawn::new(flags).check().unwrap_err();
        assert_eq!(checked, expected, "{flags}");
        assert!(!checked.to_string().is_empty());
        // SAFETY: the closure only writes to a shared page (were it to run).
        let result = unsafe {
            spawn(flags, stack.as_mut_slice(), || {
                ran.set(1);
                0
            })
        };
        assert_eq!(result.unwrap_err(), checked, "{flags}");
    }
    assert_eq!(ran.get(), 0, "a refused child ran");
}

#[test]
fn no_signal_above_64_or_below_1_can_be_made_for_an_exit_signal() {
    for raw in [65, 0, -1] {
        let err = Signal::from_raw(raw).unwrap_err();
        assert_eq!(err.raw(), raw);
        assert_eq!(
            err.to_string(),
            format!("{raw} is not a signal number (1 to 64)")
        );
    }
    let none = Spawn::new(CloneFlags::empty()).exit_signal(None);
    assert_eq!(none.check(), Ok(()));
}

#[test]
fn a_closure_that_does_not_fit_the_stack_is_refused_as_too_small_with_enomem() {
    let mut stack = StaticStack::<4096>::new();
    let big = [1u8; 4096];
    let mut tiny = [0u8; Spawn::MIN_FREE_STACK - 1];
    // SAFETY: both closures only read what they captured (and never run).
    let (big_result, tiny_result) = unsafe {
        (
            spawn(CloneFlags::empty(), stack.as_mut_slice(), move || {
                big[0] as c_int
            }),
            spawn(CloneFlags::empty(), &mut tiny, || 0),
        )
    };
    for result in [big_result, tiny_result] {
        let err = result.unwrap_err();
        assert_eq!(err, Error::Refused(Refusal::StackTooSmall));
        assert_eq!(err.errno(), Errno::ENOMEM);
    }
}

/// Counts drops of the values the closures capture, in this address space.
static DROPS: AtomicUsize = AtomicUsize::new(0);

struct CountsDrops;

impl Drop for CountsDrops {
    fn drop(&mut self) {
        DROPS.fetch_add(1, Ordering::SeqCst);
    }
}

#[test]
fn the_closure_is_dropped_once_in_each_address_space() {
    skip_under_qemu_user!();
    let mut stack = MmapStack::new(64 * 1024).unwrap();
    let before = DROPS.load(Ordering::SeqCst);
    // Fork-like: the child drops its copy in its own memory; the parent drops ours.
    let guard = CountsDrops;
    // SAFETY: the closure only drops its copy of the guard (an atomic add).
    let mut child = unsafe {
        spawn(CloneFlags::empty(), stack.as_mut_slice(), move || {
            drop(guard);
            0
        })
    }
    .unwrap();
    assert_eq!(child.wait(), Ok(ExitStatus::Exited(0)));
    assert_eq!(DROPS.load(Ordering::SeqCst), before + 1);
    // VM|VFORK: one address space, so the child's drop is the only one.
    let guard = CountsDrops;
    // SAFETY: CLONE_VFORK holds this thread until the child exits; the
    // closure only adds to an atomic, a few frames deep on an MmapStack whose
    // guard would stop an overflow, and touches no TLS, lock or C library state.
    let mut child = unsafe {
        Spawn::new(CloneFlags::VM | CloneFlags::VFORK).spawn_unchecked(
            stack.as_mut_slice(),
            move || {
                drop(guard);
                0
            },
        )
    }
    .unwrap();
    assert_eq!(child.wait(), Ok(ExitStatus::Exited(0)));
    assert_eq!(DROPS.load(Ordering::SeqCst), before + 2);
    // A refused spawn drops the closure it never ran.
    let guard = CountsDrops;
    // SAFETY: the closure only drops the guard (and is refused before any child).
    let refused = unsafe {
        spawn(CloneFlags::VM, stack.as_mut_slice(), move || {
            drop(guard);
            0
        })
    };
    assert_eq!(
        refused.unwrap_err(),
        Error::Refused(Refusal::SpawnSharesMemory)
    );
    assert_eq!(DROPS.load(Ordering::SeqCst), before + 3);
}

#[test]
fn a_vm_vfork_closure_writes_through_its_captured_reference() {
    skip_under_qemu_user!();
    let mut stack = MmapStack::new(64 * 1024).unwrap();
    let mut seen = 0u32;
    // SAFETY: CLONE_VFORK holds this thread until the child exits, so only
    // one side uses `seen` at a time; the closure only stores an integer, on
    // an MmapStack whose guard would stop an overflow, and touches no TLS,
    // lock or C library state.
    let mut child = unsafe {
        Spawn::new(CloneFlags::VM | CloneFlags::VFORK).spawn_unchecked(stack.as_mut_slice(), || {
            seen = 99;
            0
        })
    }
    .unwrap();
    assert_eq!(child.wait(), Ok(ExitStatus::Exited(0)));
    assert_eq!(seen, 99);
}

#[test]
fn a_panic_in_the_child_aborts_the_child_only() {
    let mut stack = MmapStack::new(256 * 1024).unwrap();
    // SAFETY: the tests link glibc, whose abort() signals the thread it runs
    // on by its real ID (gettid), so the panic's SIGABRT ends the child only;
    // the hook's allocation and lock are the child's own copies.
    let mut child = unsafe {
        spawn(CloneFlags::empty(), stack.as_mut_slice(), || {
            std::panic::set_hook(Box::new(|_| {}));
            panic!("in the child")
        })
    }
    .unwrap();
    assert_eq!(
        child.wait(),
        Ok(ExitStatus::Signaled(linux_raw_sys::general::SIGABRT as i32))
    );
}

#[test]
fn a_child_that_overflows_an_mmap_stack_dies_with_sigsegv_and_the_parent_goes_on() {
    let mut stack = MmapStack::new(64 * 1024).unwrap();
    // SAFETY: the closure recurses into the MmapStack's guard, which ends the
    // child with SIGSEGV before it writes below the stack.
    let mut child = unsafe {
        spawn(CloneFlags::empty(), stack.as_mut_slice(), || {
            common::recurse_forever(0) as c_int
        })
    }
    .unwrap();
    assert_eq!(
        child.wait(),
        Ok(ExitStatus::Signaled(linux_raw_sys::general::SIGSEGV as i32))
    );
    // The stack is still ours to use.
    // SAFETY: the closure only returns a constant.
    let mut child = unsafe { spawn(CloneFlags::empty(), stack.as_mut_slice(), || 5) }.unwrap();
    assert_eq!(child.wait(), Ok(ExitStatus::Exited(5)));
}

#[test]
fn kill_delivers_a_signal_the_wait_reports() {
    let mut stack = MmapStack::new(64 * 1024).unwrap();
    // SAFETY: the closure only calls sched_yield, a raw syscall, until killed.
    let mut child = unsafe {
        spawn(CloneFlags::empty(), stack.as_mut_slice(), || loop {
            common::proc::sched_yield();
        })
    }
    .unwrap();
    child.kill(Signal::KILL).unwrap();
    assert_eq!(child.wait(), Ok(ExitStatus::Signaled(9)));
}

#[test]
fn a_static_stack_in_a_static_is_handed_out_once() {
    static STACK: StaticStack<16384> = StaticStack::new();
    let stack = STACK.take().expect("first take");
    assert!(STACK.take().is_none());
    assert_eq!(stack.as_ptr() as usize % 16, 0);
    // SAFETY: the closure only returns a constant.
    let mut child = unsafe { spawn(CloneFlags::empty(), stack, || 11) }.unwrap();
    assert_eq!(child.wait(), Ok(ExitStatus::Exited(11)));
}

#[test]
fn a_vm_vfork_child_has_room_for_its_closure_on_any_stack_spawn_accepts() {
    skip_under_qemu_user!();
    let payload = [7u8; 8192];
    let mut guarded = MmapStack::new(64 * 1024).unwrap();
    for stack_len in (16..=48).map(|k| k * 1024) {
        // The low end of an MmapStack: its guard lies right below, so a child
        // that ran past the stack would die with SIGSEGV.
        let stack = &mut guarded.as_mut_slice()[..stack_len];
        // SAFETY: CLONE_VFORK holds this thread until the child exits; the
        // closure only reads its copy of the payload, on a stack whose guard
        // below would stop an overflow, and touches no TLS, lock or C
        // library state.
        let result = unsafe {
            Spawn::new(CloneFlags::VM | CloneFlags::VFORK).spawn_unchecked(stack, move || {
                c_int::from(payload.iter().map(|&b| u32::from(b)).sum::<u32>() != 7 * 8192)
            })
        };
        match result {
            Ok(mut child) => assert_eq!(child.wait(), Ok(ExitStatus::Exited(0)), "{stack_len}"),
            Err(err) => assert_eq!(err, Error::Refused(Refusal::StackTooSmall), "{stack_len}"),
        }
    }
}

#[test]
fn the_checked_spawn_refuses_clone_vm_in_every_combination_on_any_stack() {
    let ran = SharedPage::new(0u32);
    let mut unguarded = vec![0u8; 64 * 1024];
    let mut guarded = MmapStack::new(64 * 1024).unwrap();
    for flags in [
        CloneFlags::VM,
        CloneFlags::VM | CloneFlags::VFORK,
        CloneFlags::VM | CloneFlags::VFORK | CloneFlags::NEWUSER,
        CloneFlags::VM | CloneFlags::NEWPID | CloneFlags::NEWUTS,
    ] {
        assert_eq!(
            Spawn::new(flags).check(),
            Err(Error::Refused(Refusal::SpawnSharesMemory)),
            "{flags}"
        );
        for stack in [&mut unguarded[4096..], guarded.as_mut_slice()] {
            // SAFETY: the closure only writes to a shared page (were it to run).
            let result = unsafe {
                spawn(flags, stack, || {
                    ran.set(1);
                    0
                })
            };
            let err = result.unwrap_err();
            assert_eq!(err, Error::Refused(Refusal::SpawnSharesMemory), "{flags}");
            assert_eq!(
                err.to_string(),
                "CLONE_VM needs the crate's own child code: use Spawn::exec or spawn_unchecked"
            );
        }
    }
    assert_eq!(ran.get(), 0, "a refused closure ran");
}

#[test]
fn the_stack_comes_back_without_the_closure_or_the_steps_record() {
    // A typed write of the closure leaves its padding uninitialized; the
    // caller gets its stack back zeroed where the crate wrote, not holding
    // the closure's bytes.
    let mut stack = MmapStack::new(64 * 1024).unwrap();
    let padded = (7u8, 0x1122_3344_5566_7788u64, [9u8; 3]);
    let mut requests = vec![Spawn::new(CloneFlags::empty())];
    if common::is_root() && !common::under_qemu_user() {
        // Steps before the closure add a record under it.
        let offsets = (nsclone::TimeOffset::from_secs(1), nsclone::TimeOffset::ZERO);
        requests.push(Spawn::new(CloneFlags::empty()).time_offsets(offsets.0, offsets.1));
    }
    for request in requests {
        stack.as_mut_slice().fill(0xa5);
        // SAFETY: the closure only reads its copy of what it captured.
        let mut child = unsafe {
            request.spawn(stack.as_mut_slice(), move || {
                c_int::from(core::hint::black_box(padded).1 != 0x1122_3344_5566_7788)
            })
        }
        .unwrap();
        assert_eq!(child.wait(), Ok(ExitStatus::Exited(0)), "{request:?}");
        let left: Vec<(usize, u8)> = stack
            .as_mut_slice()
            .iter()
            .copied()
            .enumerate()
            .filter(|&(_, b)| b != 0xa5 && b != 0)
            .collect();
        assert!(left.is_empty(), "{request:?}: bytes left {left:x?}");
    }
}
