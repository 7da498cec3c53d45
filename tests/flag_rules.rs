//! `CloneFlags::check` against the running kernel: for every single flag bit
//! 0..=40 (the exit-signal byte and unknown high bits included), every pair of
//! them and a few hand-picked combinations, under legacy clone, clone3 and
//! unshare, the kernel answers `EINVAL` exactly when `check` says `EINVAL`.
//!
//! The kernel is asked in sacrificial processes, so whatever a call creates
//! (namespaces, threads, `CLONE_PARENT` siblings, vfork children) dies with
//! them. Helper A is a child subreaper that spawns one helper B per word and
//! reaps every child until `ECHILD`; B makes the call and exits (exit_group)
//! with the errno, or 0, as its status. A and B run in a fork-like child of
//! the multithreaded test process, so they use raw syscalls only and never
//! allocate; all printing happens back in the test process.

mod common;

use common::kernel_lines::{Side, CLONE3_NEWTIME, PIDFD_THREAD};
use common::raw_clone::{clone3_exit_child, clone_exit_child};
use common::{become_nobody, cgroup2_dir, kernel_line};
use core::ffi::{c_int, c_void};
use core::mem::size_of;
use core::ptr;
use linux_raw_sys::general as k;
use nsclone::sys::{syscall, wait4};
use nsclone::{spawn, CloneFlags as F, Errno, ExitStatus, FlagError, MmapStack, Rule, Syscall};
use nsclone_testkit::kernel_oracle::{has_cap_sys_admin, kernel_version};
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// The highest bit under test: the 32 legacy bits, CLEAR_SIGHAND (32),
/// INTO_CGROUP (33) and seven bits no 6.x kernel defines.
const MAX_BIT: u32 = 40;

/// Room for the answers of one syscall's words in a shared page.
const MAX_WORDS: usize = 1000;

/// Multi-flag words that check the kernel's order of rules, and threads and
/// vfork children end to end; each word is the union of its flags. Each must
/// be safe to run under all three calls.
const EXTRA_WORDS: &[&[F]] = &[
    &[F::THREAD, F::SIGHAND, F::VM],
    &[F::THREAD, F::SIGHAND, F::VM, F::PIDFD],
    &[F::THREAD, F::SIGHAND, F::VM, F::PARENT],
    &[F::THREAD, F::SIGHAND, F::VM, F::NEWPID],
    &[F::THREAD, F::SIGHAND, F::VM, F::NEWUSER],
    &[F::THREAD, F::SIGHAND, F::VM, F::NEWUTS, F::NEWNET],
    &[F::THREAD, F::SIGHAND, F::NEWPID],
    &[F::THREAD, F::NEWPID, F::PIDFD, F::DETACHED],
    &[F::SIGHAND, F::VM, F::CLEAR_SIGHAND],
    &[F::SIGHAND, F::CLEAR_SIGHAND, F::NEWNS, F::FS],
    &[F::DETACHED, F::NEWNS, F::FS],
    &[F::PIDFD, F::PARENT_SETTID, F::NEWNS, F::FS],
    &[F::PIDFD, F::DETACHED, F::NEWIPC, F::SYSVSEM],
    &[F::NEWUSER, F::NEWIPC, F::SYSVSEM],
    &[F::NEWNS, F::NEWUSER, F::FS],
    &[F::VM, F::VFORK],
    &[F::VM, F::VFORK, F::NEWUSER, F::NEWPID],
    &[F::ALL_NAMESPACES],
    &[
        F::NEWNS,
        F::NEWUTS,
        F::NEWIPC,
        F::NEWNET,
        F::NEWPID,
        F::NEWUSER,
        F::NEWCGROUP,
    ],
    // unshare's whole mask.
    &[F::from_bits_retain(0x7e07_0f80)],
];

/// `PR_SET_CHILD_SUBREAPER` from linux/prctl.h.
const PR_SET_CHILD_SUBREAPER: usize = 36;

/// Answer codes besides B's exit status (0 or an errno, at most 255).
/// B could not set itself up (opening the cgroup directory failed).
const HELPER_SETUP_FAILED: i32 = 255;
/// A could not spawn B: `SPAWN_FAILED + errno`.
const SPAWN_FAILED: i32 = 1000;
/// A never reaped B.
const NOT_REAPED: i32 = 2000;
/// B was killed by a signal: `-signal`.
const fn killed_by(signal: i32) -> i32 {
    -signal
}

/// What helper A hands back through a shared page.
#[derive(Copy, Clone)]
struct Answers {
    count: u32,
    /// B's answer code per word.
    codes: [i16; MAX_WORDS],
    /// Per word, the signal that killed another child A reaped (the new
    /// child, a CLONE_PARENT sibling, an orphan), or 0: each must exit 0.
    crashes: [u8; MAX_WORDS],
}

impl Answers {
    const fn new() -> Answers {
        Answers {
            count: 0,
            codes: [NOT_REAPED as i16; MAX_WORDS],
            crashes: [0; MAX_WORDS],
        }
    }
}

/// Memory helper B gives the kernel: a stack for the new child, a zeroed page
/// for CLONE_SETTLS, slots for the tids and pidfd, the cgroup directory.
#[derive(Copy, Clone)]
struct Workspace {
    /// Lowest address of the new child's stack.
    stack: *mut u8,
    stack_len: usize,
    /// A zeroed page: the child's TLS base, never touched by it.
    tls: *mut u8,
    /// Four i32 slots: parent_tid, child_tid, pidfd, spare.
    tids: *mut i32,
    /// NUL-terminated path of a cgroup2 directory, for CLONE_INTO_CGROUP.
    cgroup_dir: *const u8,
}

impl Workspace {
    fn stack_top(self) -> *mut u8 {
        self.stack.wrapping_add(self.stack_len)
    }

    fn parent_tid(self) -> *mut i32 {
        self.tids
    }

    fn child_tid(self) -> *mut i32 {
        self.tids.wrapping_add(1)
    }

    /// clone3's pidfd slot: not parent_tid's, or PIDFD|PARENT_SETTID is EINVAL.
    fn pidfd(self) -> *mut i32 {
        self.tids.wrapping_add(2)
    }
}

/// The legacy clone child: returns at once; the trampoline exits with it.
extern "C" fn child_returns_zero(_arg: *mut c_void) -> c_int {
    0
}

/// Helper B's call: the kernel's answer, 0 or an errno.
fn ask_kernel(call: Syscall, word: u64, ws: Workspace) -> c_int {
    let result = match call {
        Syscall::Clone => legacy_clone(word, ws),
        Syscall::Clone3 => match clone3(word, ws) {
            Some(result) => result,
            None => return HELPER_SETUP_FAILED,
        },
        // SAFETY: unshare takes the flags by value and reads no memory;
        // whatever it unshares, B exits right after.
        Syscall::Unshare => unsafe { syscall(k::__NR_unshare, [word as usize]) },
        Syscall::Setns => unreachable!("setns is not compared here"),
    };
    match result {
        Ok(_) => 0,
        Err(errno) => errno.raw(),
    }
}

/// Legacy clone as the kernel sees `word`: its own low byte as the exit
/// signal, SIGCHLD when it has none. The crate's trampoline takes a C `int`,
/// so words with bits from 32 up go through the raw syscall instead.
fn legacy_clone(word: u64, ws: Workspace) -> Result<usize, Errno> {
    let signal = match word & F::CSIGNAL {
        0 => u64::from(k::SIGCHLD),
        byte => byte,
    };
    let word = (word & !F::CSIGNAL) | signal;
    let (top, ptid, ctid) = (ws.stack_top(), ws.parent_tid(), ws.child_tid());
    if word >> 32 == 0 {
        // SAFETY: the child only returns 0 (touching neither TLS nor memory
        // but its own stack, which nothing else uses); the tid slots and the
        // TLS page are ours, so every write the flags ask for is valid.
        let ret = unsafe {
            nsclone::clone(
                Some(child_returns_zero),
                top,
                word as u32 as c_int,
                ptr::null_mut(),
                ptid,
                ws.tls.cast(),
                ctid,
            )
        };
        ret.map(|tid| tid as usize)
    } else {
        // SAFETY: as above; the child exits at once.
        let ret = unsafe { clone_exit_child(word, top, ptid, ctid, ws.tls) };
        Errno::from_syscall(ret as usize)
    }
}

/// clone3 with exit signal 0, a real stack, distinct tid and pidfd slots and
/// an fd of a cgroup2 directory; `None` if that directory cannot be opened.
fn clone3(word: u64, ws: Workspace) -> Option<Result<usize, Errno>> {
    let open = [
        k::AT_FDCWD as isize as usize,
        ws.cgroup_dir as usize,
        (k::O_RDONLY | k::O_DIRECTORY | k::O_CLOEXEC) as usize,
        0,
    ];
    // SAFETY: `cgroup_dir` is NUL-terminated and outlives the call; the new
    // descriptor is B's own (it exits with it open).
    let fd = unsafe { syscall(k::__NR_openat, open) }.ok()?;
    let args = k::clone_args {
        flags: word,
        pidfd: ws.pidfd() as u64,
        child_tid: ws.child_tid() as u64,
        parent_tid: ws.parent_tid() as u64,
        exit_signal: 0,
        stack: ws.stack as u64,
        stack_size: ws.stack_len as u64,
        tls: ws.tls as u64,
        set_tid: 0,
        set_tid_size: 0,
        cgroup: fd as u64,
    };
    // SAFETY: every pointer in `args` is ours and valid for the kernel's
    // writes; the child exits at once without using its stack.
    let ret = unsafe { clone3_exit_child(&args) };
    Some(Errno::from_syscall(ret as usize))
}

/// Helper A: a subreaper that asks the kernel about each word in its own
/// helper B and reaps everything until ECHILD. Returns 0, or a step number
/// when its own setup failed.
fn helper_a(
    call: Syscall,
    words: &[u64],
    cgroup_dir: &[u8],
    unprivileged: bool,
    page: &SharedAnswers,
) -> c_int {
    // SAFETY: prctl with plain integer arguments.
    if unsafe { syscall(k::__NR_prctl, [PR_SET_CHILD_SUBREAPER, 1]) }.is_err() {
        return 1;
    }
    // Only SIGKILL and SIGSTOP can still stop A and B: an exit-signal byte
    // may name any signal, and B is the parent that gets it.
    let all: u64 = !0;
    let block = [
        k::SIG_BLOCK as usize,
        ptr::from_ref(&all) as usize,
        0,
        size_of::<u64>(),
    ];
    // SAFETY: the kernel reads one 8-byte sigset, `all`; no old set is
    // asked for.
    if unsafe { syscall(k::__NR_rt_sigprocmask, block) }.is_err() {
        return 2;
    }
    if unprivileged && become_nobody().is_err() {
        return 3;
    }
    let (Ok(mut b_stack), Ok(mut child_stack), Ok(mut scratch)) = (
        MmapStack::new(64 * 1024),
        MmapStack::new(64 * 1024),
        MmapStack::new(64 * 1024),
    ) else {
        return 4;
    };
    let child_stack = child_stack.as_mut_slice();
    let scratch = scratch.as_mut_slice().as_mut_ptr();
    let ws = Workspace {
        stack: child_stack.as_mut_ptr(),
        stack_len: child_stack.len(),
        tls: scratch,
        // The second page of the 64 KiB scratch mapping.
        tids: scratch.wrapping_add(4096).cast(),
        cgroup_dir: cgroup_dir.as_ptr(),
    };
    let mut answers = Answers::new();
    for (i, &word) in words.iter().enumerate().take(MAX_WORDS) {
        // SAFETY: B makes raw syscalls only, on memory A gave it, and ends
        // with exit_group.
        let b = unsafe {
            spawn(F::empty(), b_stack.as_mut_slice(), move || {
                nsclone::sys::exit_group(ask_kernel(call, word, ws))
            })
        };
        let b_pid = match b {
            Ok(child) => child.pid(),
            Err(err) => {
                answers.codes[i] = (SPAWN_FAILED + err.errno().raw()) as i16;
                continue;
            }
        };
        loop {
            // wait4 retries EINTR itself.
            match wait4(-1, k::__WALL) {
                Ok((pid, status)) if pid == b_pid => {
                    answers.codes[i] = encode_status(status) as i16;
                }
                // Another child: it should have exited with 0.
                Ok((_, status)) if status != 0 => {
                    answers.crashes[i] = match status & 0x7f {
                        0 => u8::MAX,
                        signal => signal as u8,
                    };
                }
                Ok(_) => {}
                Err(_) => break, // ECHILD: B and everything it made are gone.
            }
        }
        answers.count += 1;
    }
    page.set(answers);
    0
}

/// B's wait status as an answer code.
fn encode_status(status: c_int) -> i32 {
    match status & 0x7f {
        0 => (status >> 8) & 0xff,
        signal => killed_by(signal),
    }
}

type SharedAnswers = common::SharedPage<Answers>;

/// Every word under test: 0, each bit 0..=MAX_BIT, each pair, the extras.
fn words() -> Vec<u64> {
    let mut words = vec![0];
    words.extend((0..=MAX_BIT).map(|bit| 1u64 << bit));
    for low in 0..=MAX_BIT {
        words.extend((low + 1..=MAX_BIT).map(|high| 1u64 << low | 1u64 << high));
    }
    words.extend(
        EXTRA_WORDS
            .iter()
            .map(|flags| flags.iter().fold(0, |word, flag| word | flag.bits())),
    );
    words
}

/// The kernel's answer to one word, decoded.
#[derive(Copy, Clone, PartialEq, Eq)]
enum Answer {
    /// The call returned 0 or a child's tid.
    Ok,
    /// The call failed with this errno.
    Failed(Errno),
    /// A child was made and its exit signal (the word's low byte) killed B.
    ExitSignalKilledHelper(i32),
    /// The helpers broke: no answer.
    HelperBroke(i32),
}

impl Answer {
    fn decode(call: Syscall, word: u64, code: i32) -> Answer {
        match code {
            0 => Answer::Ok,
            HELPER_SETUP_FAILED | SPAWN_FAILED.. => Answer::HelperBroke(code),
            1.. => Answer::Failed(Errno::from_raw(code)),
            // SIGKILL cannot be blocked: only a child created with it as its
            // exit signal sends it to B.
            _ if call == Syscall::Clone
                && code == killed_by(k::SIGKILL as i32)
                && word & F::CSIGNAL == u64::from(k::SIGKILL) =>
            {
                Answer::ExitSignalKilledHelper(-code)
            }
            _ => Answer::HelperBroke(code),
        }
    }

    fn is_einval(self) -> bool {
        self == Answer::Failed(Errno::EINVAL)
    }

    fn describe(self) -> String {
        match self {
            Answer::Ok => "ok".into(),
            Answer::Failed(errno) => errno.name().into(),
            Answer::ExitSignalKilledHelper(sig) => {
                format!("ok (its exit signal {sig} killed the caller)")
            }
            Answer::HelperBroke(NOT_REAPED) => "helper broke: never reaped".into(),
            Answer::HelperBroke(code) if code >= SPAWN_FAILED => {
                format!(
                    "helper broke: spawning it failed with {}",
                    Errno::from_raw(code - SPAWN_FAILED)
                )
            }
            Answer::HelperBroke(HELPER_SETUP_FAILED) => {
                "helper broke: cannot open the cgroup directory".into()
            }
            Answer::HelperBroke(code) if code < 0 => {
                format!("helper broke: killed by signal {}", -code)
            }
            Answer::HelperBroke(code) => format!("helper broke: code {code}"),
        }
    }
}

fn describe_check(result: Result<(), FlagError>) -> String {
    match result {
        Ok(()) => "Ok".into(),
        Err(err) => format!("{:?} ({}): {err}", err.rule(), err.errno().name()),
    }
}

/// The running kernel's side of the lines `check` follows the newer side of.
struct KernelLines {
    pidfd_thread: Side,
    clone3_newtime: Side,
}

/// Why the kernel's answer to `word` depends on more than the flags, if it does.
fn skip_reason(
    call: Syscall,
    flags: F,
    checked: Result<(), FlagError>,
    privileged: bool,
    lines: &KernelLines,
) -> Option<&'static str> {
    let copy_process = matches!(call, Syscall::Clone | Syscall::Clone3);
    let rule = checked.err().map(|err| err.rule());
    if copy_process && !privileged && rule == Some(Rule::NewipcWithSysvsem) {
        return Some("unprivileged: privilege and user-namespace creation (P-11, P-12a: EPERM) are checked before NEWIPC|SYSVSEM (P-12b: EINVAL)");
    }
    if copy_process
        && lines.pidfd_thread != Side::Has
        && checked.is_ok()
        && flags.contains(F::PIDFD | F::THREAD)
    {
        return Some("kernel before 6.9: PIDFD|THREAD is EINVAL there, allowed from 6.9 (check follows 6.9+)");
    }
    if call == Syscall::Clone3
        && lines.clone3_newtime != Side::Has
        && checked.is_ok()
        && flags.contains(F::NEWTIME)
    {
        return Some("kernel before 6.3: clone3 rejects CLONE_NEWTIME unless the fix was backported (check follows 6.3+)");
    }
    None
}

/// Asks the kernel about every word under clone, clone3 and unshare and
/// compares with `check`; panics listing every disagreement.
fn compare_with_kernel(unprivileged: bool) {
    let words = words();
    assert!(words.len() <= MAX_WORDS);
    let kernel = kernel_version();
    let lines = KernelLines {
        pidfd_thread: kernel_line(&PIDFD_THREAD),
        clone3_newtime: kernel_line(&CLONE3_NEWTIME),
    };
    let privileged = !unprivileged && has_cap_sys_admin();
    let cgroup_dir = cgroup2_dir();
    let mut report = String::new();
    let mut disagreements = Vec::new();
    let mut broken = Vec::new();
    for call in [Syscall::Clone, Syscall::Clone3, Syscall::Unshare] {
        let page = SharedAnswers::new(Answers::new());
        let status = common::in_child(|| helper_a(call, &words, &cgroup_dir, unprivileged, &page));
        assert_eq!(
            status,
            ExitStatus::Exited(0),
            "helper A failed for {call:?}"
        );
        let answers = page.get();
        assert_eq!(
            answers.count as usize,
            words.len(),
            "helper A answered too few words for {call:?}"
        );

        let mut compared = 0;
        let mut by_answer = BTreeMap::<String, usize>::new();
        let mut skipped = Vec::new();
        for (i, &word) in words.iter().enumerate() {
            let flags = F::from_bits_retain(word);
            let answer = Answer::decode(call, word, answers.codes[i].into());
            match answers.crashes[i] {
                0 => {}
                u8::MAX => broken.push(format!(
                    "{call:?} {word:#x} ({flags}): a child A reaped exited nonzero"
                )),
                signal => broken.push(format!(
                    "{call:?} {word:#x} ({flags}): a child A reaped was killed by signal {signal}"
                )),
            }
            let checked = flags.check(call);
            if let Answer::HelperBroke(_) = answer {
                broken.push(format!(
                    "{call:?} {word:#x} ({flags}): {}",
                    answer.describe()
                ));
                continue;
            }
            if let Some(why) = skip_reason(call, flags, checked, privileged, &lines) {
                skipped.push(format!(
                    "{word:#x} ({flags}): kernel {}, {why}",
                    answer.describe()
                ));
                continue;
            }
            compared += 1;
            *by_answer.entry(answer.describe()).or_default() += 1;
            let check_einval = checked.is_err_and(|err| err.errno() == Errno::EINVAL);
            if answer.is_einval() != check_einval {
                disagreements.push(format!(
                    "{call:?} {word:#x} ({flags}): kernel {}, check {}",
                    answer.describe(),
                    describe_check(checked)
                ));
            }
        }
        let tally: Vec<String> = by_answer
            .iter()
            .map(|(answer, n)| format!("{n} {answer}"))
            .collect();
        writeln!(
            report,
            "{call:?}: {compared} of {} words compared ({}), {} skipped",
            words.len(),
            tally.join(", "),
            skipped.len()
        )
        .unwrap();
        for line in skipped {
            writeln!(report, "  skipped {line}").unwrap();
        }
    }
    let who = if unprivileged {
        "uid 65534"
    } else if privileged {
        "privileged"
    } else {
        "unprivileged"
    };
    eprintln!(
        "flag rules vs kernel {}.{} ({who}), bits 0..={MAX_BIT}, pairs and {} extra words, cgroup dir {}:\n{report}",
        kernel.0,
        kernel.1,
        EXTRA_WORDS.len(),
        String::from_utf8_lossy(&cgroup_dir[..cgroup_dir.len() - 1]),
    );
    assert!(
        broken.is_empty(),
        "the helpers broke for {} words:\n{}",
        broken.len(),
        broken.join("\n")
    );
    assert!(
        disagreements.is_empty(),
        "check disagrees with the kernel on {} words (kernel EINVAL <=> check EINVAL):\n{}",
        disagreements.len(),
        disagreements.join("\n")
    );
}

#[test]
fn check_answers_einval_exactly_when_the_kernel_does() {
    skip_under_qemu_user!();
    compare_with_kernel(false);
}

#[test]
fn check_answers_einval_exactly_when_the_kernel_does_for_an_unprivileged_caller() {
    skip_under_qemu_user!();
    skip_if!(
        !common::is_root(),
        "needs root to drop to uid 65534 (the other test already runs unprivileged)"
    );
    compare_with_kernel(true);
}

#[test]
fn the_exit_child_helpers_make_children_that_exit_0_at_once() {
    let page = common::SharedPage::new([0i32; 4]);
    let status = common::in_child(|| {
        let Ok(mut stack) = MmapStack::new(64 * 1024) else {
            return 1;
        };
        let stack = stack.as_mut_slice();
        let mut tids = [0i32; 4];
        let args = k::clone_args {
            flags: F::PARENT_SETTID.bits(),
            pidfd: 0,
            child_tid: 0,
            parent_tid: ptr::from_mut(&mut tids[0]) as u64,
            exit_signal: u64::from(k::SIGCHLD),
            stack: stack.as_mut_ptr() as u64,
            stack_size: stack.len() as u64,
            tls: 0,
            set_tid: 0,
            set_tid_size: 0,
            cgroup: 0,
        };
        // SAFETY: parent_tid points at our `tids`; the stack is ours.
        let ret = unsafe { clone3_exit_child(&args) };
        let mut answers = [ret as i32, 0, 0, 0];
        if ret > 0 {
            answers[1] = match wait4(-1, k::__WALL) {
                Ok((pid, status)) if pid as isize == ret => status,
                _ => -1,
            };
        }
        let word = F::PARENT_SETTID.bits() | u64::from(k::SIGCHLD) | F::INTO_CGROUP.bits();
        let top = stack.as_mut_ptr_range().end;
        // SAFETY: as above; bits from 32 up are dropped by legacy clone.
        let ret =
            unsafe { clone_exit_child(word, top, &mut tids[1], ptr::null_mut(), ptr::null_mut()) };
        answers[2] = ret as i32;
        if ret > 0 {
            answers[3] = match wait4(-1, k::__WALL) {
                Ok((pid, status)) if pid as isize == ret => status,
                _ => -1,
            };
        }
        page.set(answers);
        0
    });
    assert_eq!(status, ExitStatus::Exited(0));
    let [clone3_ret, clone3_status, clone_ret, clone_status] = page.get();
    if clone3_ret == -Errno::ENOSYS.raw() && common::under_qemu_user() {
        eprintln!("SKIPPED clone3 half: this qemu-user answers clone3 with ENOSYS");
    } else {
        assert!(clone3_ret > 0, "clone3 answered {clone3_ret}");
        assert_eq!(clone3_status, 0, "the clone3 child's wait status");
    }
    assert!(clone_ret > 0, "clone answered {clone_ret}");
    assert_eq!(clone_status, 0, "the clone child's wait status");
}
