//! Spawn::exec with a setup, from a parent whose threads allocate and lock
//! all the while: the child touches only its stack and raw syscalls, so no
//! lock another thread holds can stop it. A test binary of its own: the
//! other tests' helper children are copies of their process made by a raw
//! clone, which a busy allocator's locks would stop.

mod common;

use core::ffi::c_char;
use linux_raw_sys::general as k;
use nsclone::{CStrArray, CloneFlags, ExitStatus, Fd, Limit, MmapStack, Resource, Setup, Spawn};

#[test]
fn exec_with_steps_is_safe_from_a_parent_whose_threads_allocate_and_lock() {
    let rounds = if common::in_vm_tier() || common::under_qemu_user() {
        100
    } else {
        1000
    };
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let lock = std::sync::Arc::new(std::sync::Mutex::new(Vec::<Box<[u8]>>::new()));
    let busy: Vec<_> = (0..8)
        .map(|i| {
            let (stop, lock) = (stop.clone(), lock.clone());
            std::thread::spawn(move || {
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    let mut held = lock.lock().unwrap();
                    held.push(vec![i as u8; 1 + i * 512].into_boxed_slice());
                    if held.len() > 64 {
                        held.clear();
                    }
                }
            })
        })
        .collect();
    let limits = [Limit {
        resource: Resource::OpenFiles,
        soft: 64,
        hard: 64,
    }];
    let stdin = [Fd::open(c"/proc/version", k::O_RDONLY, 0, 0)];
    let setup = Setup::new()
        .fds(&stdin)
        .close_other_fds(&[1, 2])
        .limits(&limits)
        .current_dir(c"/");
    let mut stack = MmapStack::new(64 * 1024).unwrap();
    let mut argv_buf = [core::ptr::null::<c_char>(); 2];
    let argv = CStrArray::new(&[c"true"], &mut argv_buf).unwrap();
    let request = Spawn::new(CloneFlags::empty()).setup(&setup);
    for round in 0..rounds {
        let child = request.exec(stack.as_mut_slice(), c"/bin/true", argv, CStrArray::empty());
        assert_eq!(
            child.unwrap().wait(),
            Ok(ExitStatus::Exited(0)),
            "round {round}"
        );
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for thread in busy {
        thread.join().unwrap();
    }
}
