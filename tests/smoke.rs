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
mod common;
#[test]
fn helpers() {
    let page = common::SharedPage::new(0u64);
    let st = common::in_child(|| {
        page.set(common::ns_inode(b"/proc/self/ns/uts\0"));
        0
    });
    assert!(st.success());
    assert_eq!(page.get(), common::ns_inode(b"/proc/self/ns/uts\0"));
    assert!(page.get() > 4026531800, "{}", page.get());
}
