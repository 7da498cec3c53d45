//! The program a child runs: environments composed without allocating, and
//! the `PATH` search as execvpe(3) does it, seen from the program.

mod common;

use core::ffi::{c_char, CStr};
use nsclone::{CStrArray, CloneFlags, Errno, ExitStatus, Spawn, Step};
use std::ffi::CString;

fn strings<'a>(array: &CStrArray<'a>) -> Vec<&'a str> {
    array.iter().map(|s| s.to_str().unwrap()).collect()
}

#[test]
fn an_environment_is_composed_from_another_with_variables_set_and_unset() {
    let mut base_buf = [core::ptr::null::<c_char>(); 4];
    let base = CStrArray::new(&[c"PATH=/bin", c"HOME=/root", c"TERM=dumb"], &mut base_buf).unwrap();
    let mut buf = [core::ptr::null::<c_char>(); 5];
    let set = [c"HOME=/", c"LANG=C", c"LANG=C.UTF-8"];
    let env = CStrArray::environment(base, &set, &[b"TERM"], &mut buf).unwrap();
    assert_eq!(strings(&env), ["PATH=/bin", "HOME=/", "LANG=C.UTF-8"]);
    assert_eq!(env.var(b"HOME"), Some(b"/".as_slice()));
    assert_eq!(env.var(b"TERM"), None);
    let mut short = [core::ptr::null::<c_char>(); 3];
    let too_long = CStrArray::environment(base, &set, &[], &mut short);
    assert_eq!(too_long.unwrap_err(), Errno::E2BIG);
    let mut cleared_buf = [core::ptr::null::<c_char>(); 2];
    let cleared = CStrArray::environment(CStrArray::empty(), &[c"A=1"], &[], &mut cleared_buf);
    assert_eq!(strings(&cleared.unwrap()), ["A=1"]);
}

/// Runs `name` with `args` and the environment `env` through `Spawn::exec`.
fn exec(name: &CStr, args: &[&CStr], env: &[&CStr]) -> Result<ExitStatus, nsclone::Error> {
    let mut child = common::exec(Spawn::new(CloneFlags::empty()), name, args, env)?;
    Ok(child.wait()?)
}

#[test]
fn a_bare_name_is_searched_in_the_programs_path_and_an_empty_one_is_enoent() {
    skip_if!(
        common::under_qemu_user(),
        "qemu-user runs vfork children in their own memory, so the error cannot come back"
    );
    let dir = std::env::temp_dir().join(format!("nsclone-path-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let not_executable = dir.join("sh");
    std::fs::write(&not_executable, "").unwrap();
    // A directory with a `sh` that cannot run comes first: the search goes
    // on to /bin's, as execvpe does.
    let path = CString::new(format!("PATH=/nonexistent:{}:/bin:/usr/bin", dir.display())).unwrap();
    let found = exec(c"sh", &[c"sh", c"-c", c"exit 3"], &[&path]);
    assert_eq!(found, Ok(ExitStatus::Exited(3)));
    // Found nowhere, but not executable somewhere: EACCES.
    let only_dir = CString::new(format!("PATH={}", dir.display())).unwrap();
    let denied = exec(c"sh", &[c"sh"], &[&only_dir]).unwrap_err();
    assert_eq!(
        (denied.step(), denied.errno()),
        (Some(Step::Exec), Errno::EACCES)
    );
    let missing = exec(c"no-such-program", &[c"x"], &[&path]).unwrap_err();
    assert_eq!(
        (missing.step(), missing.errno()),
        (Some(Step::Exec), Errno::ENOENT)
    );
    let empty = exec(c"", &[c"x"], &[&path]).unwrap_err();
    assert_eq!(
        (empty.step(), empty.errno()),
        (Some(Step::Exec), Errno::ENOENT)
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
