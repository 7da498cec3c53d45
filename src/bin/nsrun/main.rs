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
    setns, AsRawFd, CloneFlags, Errno, Error, IdMap, Namespace, SetGroups, Spawn, StaticStack,
    TimeOffset,
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
    // The program's orphans come to nsrun, which reaps them as it waits (a
    // PID namespace's init reaps those inside); it cannot refuse.
    let _ = sys::prctl(sys::PR_SET_CHILD_SUBREAPER, 1);
    // Joining moves nsrun itself; its child then only needs to be a new
    // process (for a joined PID namespace to apply).
    let created = match options.target {
        Some(target) => {
            join(target, options);
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
        Err(err) => cannot_create(err),
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

/// Adds the ID maps the options ask for, as util-linux does: a uid map
/// for `-r`, `-c` or `--map-user`, a gid map (setgroups denied first) for
/// `-r`, `-c` or `--map-group`, each mapping one ID inside to the caller's
/// (line 0 of `uid_map` and `gid_map`, outside already).
fn mapped<'a>(
    request: Spawn<'a>,
    options: &Options,
    uid_map: &'a mut [IdMap; 1],
    gid_map: &'a mut [IdMap; 1],
) -> Spawn<'a> {
    let (uid, gid) = match options.mapping {
        Mapping::None => (None, None),
        Mapping::Root => (Some(0), Some(0)),
        Mapping::Current => (Some(uid_map[0].outside), Some(gid_map[0].outside)),
        Mapping::To => (options.map_user, options.map_group),
    };
    let setgroups = match options.setgroups_allow {
        Some(true) => SetGroups::Allow,
        Some(false) => SetGroups::Deny,
        None if gid.is_some() => SetGroups::Deny,
        None if uid.is_some() => SetGroups::Unchanged,
        None => return request,
    };
    uid_map[0].inside = uid.unwrap_or(0);
    gid_map[0].inside = gid.unwrap_or(0);
    let lines = |map: &'a [IdMap; 1], id: Option<u32>| match id {
        Some(_) => &map[..],
        None => &[],
    };
    request.id_maps(lines(uid_map, uid), lines(gid_map, gid), setgroups)
}

/// Joins `target`'s namespaces of the kinds asked for (all that differ from
/// ours when none), in one setns(2) through a pidfd; in a user namespace,
/// becomes its root as nsenter does, unless `--preserve-credentials`.
fn join(target: i32, options: &Options) {
    let pidfd = nsclone::pidfd_open(target)
        .unwrap_or_else(|err| fail(b"cannot open the target process", err));
    let mut kinds = options.namespaces;
    if kinds.is_empty() {
        for ns in Namespace::ALL {
            let theirs = nsclone::ns_id(target, ns);
            if theirs.is_ok() && theirs != nsclone::ns_id(0, ns) {
                kinds |= ns.flag();
            }
        }
    }
    if kinds.is_empty() {
        return;
    }
    let switch = kinds.contains(CloneFlags::NEWUSER) && !options.preserve_credentials;
    // Dropped before too: a joined namespace may deny setgroups (nsenter's way).
    let dropped_groups = switch && sys::setgroups(&[]).is_ok();
    if let Err(err) = setns(&pidfd, kinds) {
        fail(b"cannot join the target's namespaces", err.errno());
    }
    if !switch {
        return;
    }
    if let Err(err) = sys::setgroups(&[]) {
        if !dropped_groups {
            fail(b"setgroups", err);
        }
    }
    if let Err(err) = sys::set_gid(0) {
        fail(b"setresgid", err);
    }
    if let Err(err) = sys::set_uid(0) {
        fail(b"setresuid", err);
    }
}

/// Reports a failed clone: the step that failed (an ID map, the time
/// offsets) and its argument, or the clone itself.
fn cannot_create(err: Error) -> ! {
    let mut line = Line::new();
    if let Error::Step(step) = err {
        line.text(step.step().description().as_bytes());
        if !step.argument().is_empty() {
            line.text(b"(").text(step.argument()).text(b")");
        }
    } else {
        line.text(b"cannot create namespaces");
    }
    line.text(b": ").errno(err.errno()).send();
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
