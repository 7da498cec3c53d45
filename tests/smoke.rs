use nsclone::*;
#[test]
fn smoke() {
    let mut stack = MmapStack::new(64 * 1024).unwrap();
    let x = 42;
    let child = spawn(CloneFlags::empty(), stack.as_mut_slice(), move || x).unwrap();
    assert_eq!(child.wait().unwrap(), ExitStatus::Exited(42));
    let mut s2 = StaticStack::<16384>::new();
    let child = spawn(
        CloneFlags::NEWPID | CloneFlags::NEWUTS,
        s2.as_mut_slice(),
        || unsafe { sc::syscall!(GETPID) as i32 },
    )
    .unwrap();
    assert_eq!(child.wait().unwrap(), ExitStatus::Exited(1));
    let mut v = 0;
    let child = spawn(
        CloneFlags::VM | CloneFlags::VFORK,
        s2.as_mut_slice(),
        || {
            v = 5;
            3
        },
    )
    .unwrap();
    assert_eq!(child.wait().unwrap(), ExitStatus::Exited(3));
    assert_eq!(v, 5);
}
