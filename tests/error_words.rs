//! What an error prints: `Debug` is the `Display` words under the type's
//! or kind's name, as `main` returning the error shows it (derived `Debug`
//! showed buffers and variant names).

mod common;

use nsclone::{
    CloneFlags, Errno, Error, Namespace, Refusal, Setup, Signal, Spawn, StepError, Syscall,
    EXEC_STACK,
};

/// `Name(words)`: what every error's `Debug` reads as.
fn under(name: &str, error: &dyn std::fmt::Display) -> String {
    format!("{name}({error})")
}

#[test]
fn an_errors_debug_is_its_words_under_its_kind() {
    let invalid = Spawn::new(CloneFlags::NEWUSER | CloneFlags::FS)
        .check()
        .unwrap_err();
    assert_eq!(
        format!("{invalid:?}"),
        "Invalid(CLONE_NEWUSER cannot be combined with CLONE_FS)"
    );
    let refused = Error::Refused(Refusal::ParentDeathSignalWithVfork);
    assert_eq!(format!("{refused:?}"), under("Refused", &refused));
    let kernel = Error::from(Errno::ESRCH);
    assert_eq!(format!("{kernel:?}"), "Kernel(ESRCH: no such process)");
}

#[test]
fn every_other_errors_debug_is_its_words_under_its_name_but_flag_errors_fields() {
    let flags = "net,bogus".parse::<CloneFlags>().unwrap_err();
    assert_eq!(format!("{flags:?}"), under("ParseFlagsError", &flags));
    let namespace = "bogus".parse::<Namespace>().unwrap_err();
    assert_eq!(
        format!("{namespace:?}"),
        under("ParseNamespaceError", &namespace)
    );
    let signal = "SIGBOGUS".parse::<Signal>().unwrap_err();
    assert_eq!(format!("{signal:?}"), under("ParseSignalError", &signal));
    let number = Signal::from_raw(65).unwrap_err();
    assert_eq!(format!("{number:?}"), under("InvalidSignal", &number));
    let rule = (CloneFlags::NEWUSER | CloneFlags::FS)
        .check(Syscall::Clone3)
        .unwrap_err();
    // FlagError keeps what was checked beside the rule: its fields show.
    assert_eq!(
        format!("{rule:?}"),
        "FlagError { rule: NewuserWithFs, syscall: Clone3, flags: CloneFlags(CLONE_FS|CLONE_NEWUSER) }"
    );
}

#[test]
fn a_failed_steps_debug_is_its_words_under_its_name() {
    skip_if!(
        common::under_qemu_user(),
        "qemu-user runs vfork children in their own memory, so the error cannot come back"
    );
    let setup = Setup::new().current_dir(c"/nonexistent");
    let mut argv_buf = [core::ptr::null(); 2];
    let argv = nsclone::CStrArray::new(&[c"true"], &mut argv_buf).unwrap();
    let mut stack = [0u8; EXEC_STACK];
    let request = Spawn::new(CloneFlags::empty()).setup(&setup);
    let failed = request.exec(&mut stack, c"true", argv, nsclone::CStrArray::empty());
    let Err(Error::Step(step)) = failed else {
        panic!("chdir to a missing directory: {failed:?}")
    };
    let step: StepError = step;
    assert_eq!(
        format!("{step:?}"),
        "StepError(chdir(\"/nonexistent\"): ENOENT: no such file or directory)"
    );
}
