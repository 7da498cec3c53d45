//! The crate's child-side code under feature `std`, where the descriptor
//! types are std's (their drop is libc's close, `borrow_raw` asserts):
//! exec children with descriptor steps and a failing step, and closure
//! children entering a time namespace, started while other threads of the
//! parent allocate and print, must neither panic, deadlock nor misreport.

use nsclone::TimeOffset;
use nsclone::{
    CStrArray, CloneFlags, Error, ExitStatus, Fd, MmapStack, Setup, Spawn, Step, EXEC_STACK,
};
use std::sync::atomic::{AtomicBool, Ordering};

/// Threads that hold the allocator's and stdout's locks as often as they can.
fn busy_threads(stop: &'static AtomicBool) -> Vec<std::thread::JoinHandle<()>> {
    (0..2)
        .map(|_| {
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    let text = vec![b'x'; 4096];
                    std::hint::black_box(format!("{}", text.len()));
                }
            })
        })
        .collect()
}

#[test]
fn exec_children_run_their_descriptor_steps_and_report_a_failed_one() {
    static STOP: AtomicBool = AtomicBool::new(false);
    let threads = busy_threads(&STOP);
    let mut stack = MmapStack::new(EXEC_STACK).unwrap();
    let mut argv_buf = [core::ptr::null(); 4];
    // The program sees /dev/null as stdin and nothing above 2 open.
    let argv = CStrArray::new(
        &[
            c"sh",
            c"-c",
            c"test ! -e /proc/self/fd/3 && read x; test $? = 1",
        ],
        &mut argv_buf,
    )
    .unwrap();
    let mut envp_buf = [core::ptr::null(); 1];
    let envp = CStrArray::new(&[], &mut envp_buf).unwrap();
    let fds = [Fd::open(c"/dev/null", 0, 0, 0)];
    let good = Setup::new().fds(&fds).close_other_fds(&[1, 2]);
    let bad = good.current_dir(c"/nonexistent-nsclone");
    for _ in 0..50 {
        let mut child = Spawn::new(CloneFlags::empty())
            .setup(&good)
            .exec(stack.as_mut_slice(), c"/bin/sh", argv, envp)
            .unwrap();
        assert_eq!(child.wait().unwrap(), ExitStatus::Exited(0));
        let failed = Spawn::new(CloneFlags::empty()).setup(&bad).exec(
            stack.as_mut_slice(),
            c"/bin/sh",
            argv,
            envp,
        );
        assert!(
            matches!(failed, Err(Error::Step(step)) if step.step() == Step::Chdir),
            "{failed:?}"
        );
    }
    STOP.store(true, Ordering::Relaxed);
    threads.into_iter().for_each(|t| t.join().unwrap());
}

#[test]
fn closure_children_enter_their_time_namespace_from_a_threaded_parent() {
    if !rustix::process::geteuid().is_root() {
        eprintln!("SKIPPED {}: a time namespace needs root", module_path!());
        return;
    }
    static STOP: AtomicBool = AtomicBool::new(false);
    let threads = busy_threads(&STOP);
    let mut stack = MmapStack::new(64 * 1024).unwrap();
    let request = Spawn::new(CloneFlags::empty())
        .time_offsets(TimeOffset::from_secs(1000), TimeOffset::from_secs(0));
    for _ in 0..50 {
        // SAFETY: the child only reads a file with the crate's raw calls.
        let child = unsafe {
            request.spawn(stack.as_mut_slice(), || {
                let mut text = [0u8; 128];
                let len =
                    nsclone::sys::read_file(c"/proc/self/timens_offsets", &mut text).unwrap_or(0);
                let shifted = text[..len].windows(4).any(|w| w == b"1000");
                i32::from(!shifted)
            })
        };
        assert_eq!(child.unwrap().wait().unwrap(), ExitStatus::Exited(0));
    }
    STOP.store(true, Ordering::Relaxed);
    threads.into_iter().for_each(|t| t.join().unwrap());
}
