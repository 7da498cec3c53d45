//! nsrun: run a program in new namespaces (like util-linux `unshare`), or in
//! another process's (like `nsenter`). Static, no libc, no allocation, fit to
//! run as PID 1 of a machine.
#![no_std]
#![no_main]

mod args;
mod launch;
mod namespace_options;
mod options;
mod report;
mod signal_names;
mod supervise;
mod sys;
mod words;

use args::Args;
use launch::Launch;
use nsclone::{
    setns, user_namespace_refusal_cause, CloneFlags, Errno, IdMap, Namespace, SetGroups, Spawn,
    StaticStack, TimeOffset,
};
use options::{Command, Mapping, Options};
use report::{fail, Line};

nsclone::entry_point!(main);
nsclone::libc_shims!();

/// The stack of nsrun's first child (the program, or the init of a new PID namespace).
static CHILD_STACK: StaticStack<{ 128 * 1024 }> = StaticStack::new();

extern "C" fn main(sp: *const usize) -> ! {
    // SAFETY: `_start` passes the initial stack pointer.
    let args = unsafe { Args::from_initial_stack(sp) };
    let mut options = Options::new();
    match options::parse(&args, &mut options) {
        Ok(Command::Run) => run(&options, &args),
        Ok(Command::Help) => report::help(),
        Ok(Command::Version) => report::version(),
        Err(err) => report::usage_error(err),
    }
}

fn run(options: &Options, args: &Args) -> ! {
    let program_mask = supervise::block_watched_signals();
    // Joining moves nsrun itself; its child then only needs to be a new
    // process (for a joined PID namespace to apply).
    let created = match options.target {
        Some(target) => {
            join(target, options.namespaces);
            CloneFlags::empty()
        }
        None => options.namespaces,
    };
    let status = sys::shared_word().unwrap_or_else(|err| fail(b"cannot map a shared page", err));
    status.store(supervise::NO_STATUS, core::sync::atomic::Ordering::SeqCst);
    // Kept open for the whole run: the child checks it after arming --kill-child.
    let own_pidfd = options.kill_child.map(|_| {
        nsclone::pidfd_open(sys::getpid())
            .unwrap_or_else(|err| fail(b"cannot open a pidfd of nsrun", err))
    });
    let parent = own_pidfd.as_ref().map(|fd| fd.as_raw_fd());
    let launch = Launch {
        options,
        args,
        created,
        program_mask,
        parent,
        status,
    };
    let Some(child_stack) = CHILD_STACK.take() else {
        fail(b"stack already taken", Errno::EBUSY)
    };
    let (euid, egid) = sys::effective_ids();
    let mut uid_map = [IdMap {
        inside: 0,
        outside: euid,
        count: 1,
    }];
    let mut gid_map = [IdMap {
        inside: 0,
        outside: egid,
        count: 1,
    }];
    let request = mapped(
        spawn_request(options, created),
        options,
        &mut uid_map,
        &mut gid_map,
    );
    // SAFETY: nsrun links no C library and its child code makes raw
    // syscalls only, on a static stack that fits it (no recursion).
    let child = unsafe { request.spawn(child_stack, launch.in_child(Launch::first_process)) };
    let child = match child {
        Ok(child) => child,
        Err(err) => cannot_create(created, err.errno()),
    };
    let ended = supervise::wait_for(child.pid());
    // An init inside a PID namespace records how the program itself ended.
    match status.load(core::sync::atomic::Ordering::SeqCst) {
        supervise::NO_STATUS => supervise::end_like(ended),
        program => supervise::end_like(program),
    }
}

/// The namespaces to create and their time offsets (without ID maps).
fn spawn_request(options: &Options, created: CloneFlags) -> Spawn<'static> {
    let offsets = options.monotonic.is_some() || options.boottime.is_some();
    let seconds = |s: Option<i64>| TimeOffset::from_secs(s.unwrap_or(0));
    if !offsets || created.is_empty() {
        return Spawn::new(created);
    }
    Spawn::new(created).time_offsets(seconds(options.monotonic), seconds(options.boottime))
}

/// Adds the ID maps the options ask for; `uid_map` and `gid_map` hold line 0
/// as root-to-caller, adjusted here for the other mappings.
fn mapped<'a>(
    request: Spawn<'a>,
    options: &Options,
    uid_map: &'a mut [IdMap; 1],
    gid_map: &'a mut [IdMap; 1],
) -> Spawn<'a> {
    let setgroups = match options.setgroups_allow {
        Some(true) => SetGroups::Allow,
        Some(false) => SetGroups::Deny,
        None if options.mapping == Mapping::None => SetGroups::Unchanged,
        None => SetGroups::Deny,
    };
    if !options.namespaces.contains(CloneFlags::NEWUSER) || options.target.is_some() {
        return request;
    }
    match options.mapping {
        Mapping::None if setgroups == SetGroups::Unchanged => return request,
        Mapping::None => return request.id_maps(&[], &[], setgroups),
        Mapping::Root => {}
        Mapping::Current => {
            uid_map[0].inside = uid_map[0].outside;
            gid_map[0].inside = gid_map[0].outside;
        }
        Mapping::To => {
            uid_map[0].inside = options.map_user.unwrap_or(uid_map[0].outside);
            gid_map[0].inside = options.map_group.unwrap_or(gid_map[0].outside);
        }
    }
    request.id_maps(uid_map, gid_map, setgroups)
}

/// Joins `target`'s namespaces of the kinds asked for (all that differ from
/// ours when none), in one setns(2) through a pidfd.
fn join(target: i32, asked: CloneFlags) {
    let pidfd = nsclone::pidfd_open(target)
        .unwrap_or_else(|err| fail(b"cannot open the target process", err));
    let mut kinds = asked;
    if kinds.is_empty() {
        for ns in Namespace::ALL {
            let theirs = nsclone::ns_id(target, ns);
            if theirs.is_ok() && theirs != nsclone::ns_id(0, ns) {
                kinds |= ns.flag();
            }
        }
    }
    if !kinds.is_empty() {
        if let Err(err) = setns(pidfd.as_fd(), kinds) {
            fail(b"cannot join the target's namespaces", err.errno());
        }
    }
}

/// Reports a refused clone, with the likely cause when a user namespace was refused.
fn cannot_create(namespaces: CloneFlags, err: Errno) -> ! {
    let refused_user_namespace = namespaces.contains(CloneFlags::NEWUSER)
        && matches!(err, Errno::EPERM | Errno::ENOSPC | Errno::EACCES);
    let mut line = Line::new();
    line.text(b"cannot create namespaces: ").errno(err);
    if let Some(cause) = refused_user_namespace
        .then(user_namespace_refusal_cause)
        .flatten()
    {
        line.text(b" (").text(cause.as_bytes()).text(b")");
    }
    line.send();
    sys::exit_group(1)
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    sys::write(2, b"nsrun: internal error\n");
    sys::exit_group(1)
}

/// Named by core's prebuilt objects in unoptimized builds; never called,
/// since nsrun never unwinds (panic = "abort").
#[unsafe(no_mangle)]
extern "C" fn rust_eh_personality() {}
