//! The running kernel's answer to a flags question, asked in a sacrificial
//! process, beside `CloneFlags::check`'s, with the documented reasons the two
//! may differ. `no_std`: for the fuzz target `kernel` (through
//! `invariants::kernel`) and the VM runner (`tests/vm`).

use crate::kernel_lines::{Side, CLONE3_NEWTIME, PIDFD_THREAD};
use crate::raw_clone::{clone3_exit_child, clone_exit_child};
use core::ffi::c_int;
use core::mem::size_of;
use linux_raw_sys::general as k;
use nsclone::sys::{effective_capabilities, getpid, kill, syscall, uname, wait4};
use nsclone::{spawn, CloneFlags, Errno, FlagError, MmapStack, Rule, Syscall};

/// The running kernel's (major, minor), from uname(2)'s release.
pub fn kernel_version() -> (u32, u32) {
    uname().release_numbers()
}

/// Whether this process holds CAP_SYS_ADMIN in its effective set.
pub fn has_cap_sys_admin() -> bool {
    effective_capabilities() & 1 << k::CAP_SYS_ADMIN != 0
}

/// The kernel's answer: the call succeeded, or this errno.
pub type Answer = Result<(), Errno>;

fn stopped(status: c_int) -> bool {
    status & 0xff == 0x7f
}

/// Waits for `pid` (-1: any child) to end, killing it if it stops (an
/// exit signal can be SIGSTOP). The wait status, or the wait's errno.
fn reap(pid: i32) -> Result<c_int, Errno> {
    loop {
        match wait4(pid, k::__WALL | k::WUNTRACED) {
            Ok((stopped_pid, status)) if stopped(status) => {
                let _ = kill(stopped_pid, k::SIGKILL as c_int);
            }
            Ok((_, status)) => return Ok(status),
            Err(Errno::EINTR) => {}
            Err(errno) => return Err(errno),
        }
    }
}

/// Reaps the zombies among this process's children without waiting:
/// orphans this subreaper inherited from a sacrificial process killed
/// by its child's exit signal. Never blocks: the sanitizer's symbolizer
/// is a long-lived child of the fuzzer.
fn reap_zombies() {
    while let Ok((pid, _)) = wait4(-1, k::__WALL | k::WNOHANG) {
        if pid == 0 {
            break;
        }
    }
}

/// The answer slot before the sacrificial process writes it.
const PENDING: i64 = i64::MIN;
/// The sacrificial process could not open a pidfd of itself for setns.
const NO_PIDFD: i64 = i64::MIN + 1;

/// Memory the call under test points the kernel at; all of it belongs
/// to the sacrificial process (its copy) and dies with it.
#[derive(Copy, Clone)]
struct Workspace {
    stack: *mut u8,
    stack_len: usize,
    /// A zeroed page for CLONE_SETTLS (the child never uses it).
    tls: *mut u8,
    /// Four i32 slots: parent_tid, child_tid, pidfd, spare.
    tids: *mut i32,
    cgroup: c_int,
    /// Two words of a MAP_SHARED page: the answer, and the tid of the
    /// child the call made (a CLONE_PARENT sibling is this process's to reap).
    answer: *mut i64,
}

/// In the sacrificial process: blocks every signal it can (an exit
/// signal may name any), makes the call, writes the answer at once,
/// then reaps the child if it is its own.
fn sacrificial(call: Syscall, word: u64, exit_signal: u64, ws: Workspace) -> c_int {
    let all: u64 = !0;
    let block_all = [
        k::SIG_BLOCK as usize,
        &all as *const u64 as usize,
        0,
        size_of::<u64>(),
    ];
    // SAFETY: the kernel reads one 8-byte signal set.
    let _ = unsafe { syscall(k::__NR_rt_sigprocmask, block_all) };
    let (tids, top) = (ws.tids as usize, ws.stack as usize + ws.stack_len);
    let ret = match call {
        // SAFETY: the stack, tid slots and TLS page are ours; the child exits at once.
        Syscall::Clone => unsafe {
            let ctid = ws.tids.wrapping_add(1);
            let ret = clone_exit_child(word, top as *mut u8, ws.tids, ctid, ws.tls);
            Errno::from_syscall(ret as usize)
        },
        Syscall::Clone3 => {
            let args = k::clone_args {
                flags: word,
                pidfd: tids as u64 + 8,
                child_tid: tids as u64 + 4,
                parent_tid: tids as u64,
                exit_signal,
                stack: ws.stack as u64,
                stack_size: ws.stack_len as u64,
                tls: ws.tls as u64,
                set_tid: 0,
                set_tid_size: 0,
                cgroup: ws.cgroup as u64,
            };
            // SAFETY: as above.
            Errno::from_syscall(unsafe { clone3_exit_child(&args) } as usize)
        }
        // SAFETY: unshare takes the flags by value.
        Syscall::Unshare => unsafe { syscall(k::__NR_unshare, [word as usize]) },
        Syscall::Setns => {
            // SAFETY: pidfd_open takes plain values.
            let pidfd = unsafe { syscall(k::__NR_pidfd_open, [getpid() as usize, 0]) };
            let Ok(pidfd) = pidfd else {
                // SAFETY: the slot is our shared page.
                unsafe { ws.answer.write_volatile(NO_PIDFD) };
                return 1;
            };
            // SAFETY: setns takes an fd and an int nstype (the low 32 bits).
            unsafe { syscall(k::__NR_setns, [pidfd, word as u32 as usize]) }
        }
    };
    let answer = match ret {
        Ok(_) => 0,
        Err(errno) => i64::from(errno.raw()),
    };
    // SAFETY: the slots are our shared page.
    unsafe { ws.answer.write_volatile(answer) };
    if let (Syscall::Clone | Syscall::Clone3, Ok(tid)) = (call, ret) {
        // SAFETY: as above.
        unsafe { ws.answer.add(1).write_volatile(tid as i64) };
        // ECHILD for a thread or a CLONE_PARENT sibling: not ours to reap.
        let _ = reap(tid as i32);
    }
    0
}

/// Why the kernel's answer may differ from `check`'s without `check`
/// being wrong: a documented kernel version or caller-state difference.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Explained {
    /// P-10..P-12a (process limits, user-namespace creation, privilege)
    /// come before NEWIPC|SYSVSEM's EINVAL (P-12b).
    StateBeforeNewipcSysvsem,
    /// Kernels before 6.9 refuse CLONE_PIDFD with CLONE_THREAD
    /// (`kernel_lines::PIDFD_THREAD`).
    PidfdThreadBefore6_9,
    /// Kernels before 6.3 (without the backport) refuse CLONE_NEWTIME in
    /// clone3 (`kernel_lines::CLONE3_NEWTIME`).
    Clone3NewtimeBefore6_3,
    /// 7.1 adds clone3 bits 34..=37 (AUTOREAP, NNP, PIDFD_AUTOKILL, EMPTY_MNTNS).
    Clone3BitsOf7_1,
    /// 7.1 reuses 0x100000 for unshare as UNSHARE_EMPTY_MNTNS.
    UnshareEmptyMntnsOf7_1,
    /// clone3 is not offered (seccomp, or a kernel before 5.3).
    Clone3Enosys,
    /// setns: whether nstype may be 0 or the caller's own user namespace
    /// depends on the fd (here a pidfd of the caller), which check never sees.
    SetnsDependsOnTheFd,
}

/// How many kinds of [`Explained`] there are (its last discriminant + 1).
const EXPLAINED_KINDS: usize = Explained::SetnsDependsOnTheFd as usize + 1;

/// One question and both answers.
#[derive(Copy, Clone, Debug)]
pub struct Verdict {
    pub call: Syscall,
    /// The flags as the kernel saw them (legacy clone: with the exit-signal byte).
    pub flags: CloneFlags,
    pub exit_signal: u64,
    pub kernel: Answer,
    pub check: Result<(), FlagError>,
    pub explained: Option<Explained>,
}

impl Verdict {
    /// Whether exactly one of the kernel and `check` answered EINVAL.
    fn einval_differs(&self) -> bool {
        let kernel_einval = self.kernel == Err(Errno::EINVAL);
        let check_einval = self.check.is_err_and(|e| e.errno() == Errno::EINVAL);
        kernel_einval != check_einval
    }

    /// A difference on EINVAL that no documented reason explains: a bug in
    /// `check` (or a kernel change to document).
    pub fn disagrees(&self) -> bool {
        self.einval_differs() && self.explained.is_none()
    }
}

/// Asks the kernel in sacrificial processes; holds their memory.
pub struct Oracle {
    own_stack: MmapStack,
    child_stack: MmapStack,
    scratch: MmapStack,
    /// A MAP_SHARED page: the sacrificial process's answer.
    answer: *mut i64,
    /// A cgroup2 directory for CLONE_INTO_CGROUP.
    cgroup: c_int,
    /// The running kernel's (major, minor), for reports.
    pub kernel: (u32, u32),
    /// Its side of the lines `check` follows the newer side of.
    pidfd_thread: Side,
    clone3_newtime: Side,
    /// Whether this process holds CAP_SYS_ADMIN.
    pub privileged: bool,
    explained: [u64; EXPLAINED_KINDS],
}

/// `PR_SET_CHILD_SUBREAPER` from linux/prctl.h.
const PR_SET_CHILD_SUBREAPER: usize = 36;

impl Oracle {
    /// Makes this process a child subreaper, so that nothing the calls
    /// create outlives a question as a zombie under init. `shared_page` is
    /// a MAP_SHARED page for the answers; `cgroup` an open cgroup2
    /// directory (any directory: the kernel then says EBADF) that stays
    /// open as long as the oracle.
    pub fn new(shared_page: *mut u8, cgroup: c_int) -> Oracle {
        // SAFETY: prctl with plain values.
        let ret = unsafe { syscall(k::__NR_prctl, [PR_SET_CHILD_SUBREAPER, 1]) };
        ret.expect("become a child subreaper");
        let stack = |len| MmapStack::new(len).expect("mmap a stack");
        Oracle {
            own_stack: stack(256 * 1024),
            child_stack: stack(64 * 1024),
            scratch: stack(64 * 1024),
            answer: shared_page.cast(),
            cgroup,
            kernel: kernel_version(),
            pidfd_thread: PIDFD_THREAD.side(),
            clone3_newtime: CLONE3_NEWTIME.side(),
            privileged: has_cap_sys_admin(),
            explained: [0; EXPLAINED_KINDS],
        }
    }

    /// The kernel's answer to `call` with the word `word` (legacy
    /// clone: the whole 64-bit register, exit-signal byte included;
    /// setns: its low 32 bits), asked in a fresh sacrificial process.
    pub fn ask(&mut self, call: Syscall, word: u64, exit_signal: u64) -> Answer {
        let child_stack = self.child_stack.as_mut_slice();
        let scratch = self.scratch.as_mut_slice().as_mut_ptr();
        let ws = Workspace {
            stack: child_stack.as_mut_ptr(),
            stack_len: child_stack.len(),
            tls: scratch,
            tids: scratch.wrapping_add(4096).cast(),
            cgroup: self.cgroup,
            answer: self.answer,
        };
        // SAFETY: our shared page.
        unsafe {
            self.answer.write_volatile(PENDING);
            self.answer.add(1).write_volatile(0);
        }
        // SAFETY: the sacrificial process makes raw syscalls only, on its
        // own guarded stack.
        let child = unsafe {
            spawn(
                CloneFlags::empty(),
                self.own_stack.as_mut_slice(),
                move || sacrificial(call, word, exit_signal, ws),
            )
        }
        .expect("spawn the sacrificial process");
        let status = reap(child.pid()).expect("wait for the sacrificial process");
        // SAFETY: our shared page; the writer is gone.
        let (answer, tid) = unsafe {
            (
                self.answer.read_volatile(),
                self.answer.add(1).read_volatile(),
            )
        };
        if tid > 0 {
            // A CLONE_PARENT sibling is ours; anything else answers ECHILD at once.
            let _ = reap(tid as i32);
        }
        reap_zombies();
        match answer {
            0 => Ok(()),
            1..=4095 => Err(Errno::from_raw(answer as i32)),
            // Killed (or stopped, then killed) before it could write: only
            // its new child's exit signal does that, so the call made one.
            PENDING if status & 0x7f == k::SIGKILL as c_int => {
                let signal = if call == Syscall::Clone {
                    word & 0xff
                } else {
                    exit_signal
                };
                let could = [k::SIGKILL, k::SIGSTOP].map(u64::from).contains(&signal);
                assert!(could, "the sacrificial process died ({status:#x}) before answering {call:?} {word:#x}");
                Ok(())
            }
            NO_PIDFD => panic!("the sacrificial process could not open a pidfd of itself"),
            _ => panic!(
                "the sacrificial process ended ({status:#x}) without answering {call:?} {word:#x}"
            ),
        }
    }

    /// Asks the kernel and `check` the same question. They must agree on
    /// EINVAL: unshare, clone and clone3 both ways; setns one way (the fd
    /// decides the rest). A difference gets its documented reason in
    /// `explained` (counted, see [`times_explained`](Self::times_explained)),
    /// or none: [`Verdict::disagrees`].
    pub fn compare(&mut self, call: Syscall, flags: CloneFlags, exit_signal: u64) -> Verdict {
        // The word the kernel gets, and the flags `check` is asked about.
        let word = match call {
            Syscall::Clone => flags.bits() | exit_signal & 0xff,
            Syscall::Setns => flags.bits() & 0xffff_ffff,
            _ => flags.bits(),
        };
        let flags = CloneFlags::from_bits_retain(word);
        let kernel = self.ask(call, word, exit_signal);
        let check = flags.check_with_exit_signal(call, exit_signal);
        let mut verdict = Verdict {
            call,
            flags,
            exit_signal,
            kernel,
            check,
            explained: None,
        };
        if verdict.einval_differs() {
            verdict.explained = self.explain(&verdict);
        }
        if let Some(why) = verdict.explained {
            self.explained[why as usize] += 1;
        }
        verdict
    }

    /// How many verdicts so far had the difference `why`.
    pub fn times_explained(&self, why: Explained) -> u64 {
        self.explained[why as usize]
    }

    /// The documented reason for a difference, if one applies.
    fn explain(&self, v: &Verdict) -> Option<Explained> {
        use crate::kbits::*;
        let bits = v.flags.bits();
        let rule = v.check.err().map(|e| e.rule());
        let copy_process = matches!(v.call, Syscall::Clone | Syscall::Clone3);
        let state = [Errno::EPERM, Errno::EAGAIN, Errno::ENOSPC, Errno::EUSERS];
        let kernel_errno = v.kernel.err();
        let accepted = v.check.is_ok();
        let reasons = [
            (
                copy_process
                    && rule == Some(Rule::NewipcWithSysvsem)
                    && kernel_errno.is_some_and(|e| state.contains(&e)),
                Explained::StateBeforeNewipcSysvsem,
            ),
            (
                copy_process
                    && self.pidfd_thread != Side::Has
                    && accepted
                    && bits & (PIDFD | THREAD) == PIDFD | THREAD,
                Explained::PidfdThreadBefore6_9,
            ),
            (
                v.call == Syscall::Clone3
                    && self.clone3_newtime != Side::Has
                    && accepted
                    && bits & NEWTIME != 0,
                Explained::Clone3NewtimeBefore6_3,
            ),
            (
                v.call == Syscall::Clone3
                    && self.kernel >= (7, 1)
                    && rule == Some(Rule::Clone3UnknownFlags)
                    && bits & !CLONE3_KNOWN & !CLONE3_7_1 == 0,
                Explained::Clone3BitsOf7_1,
            ),
            (
                v.call == Syscall::Unshare
                    && self.kernel >= (7, 1)
                    && bits & !UNSHARE_KNOWN == UNSHARE_7_1,
                Explained::UnshareEmptyMntnsOf7_1,
            ),
            (
                v.call == Syscall::Clone3 && kernel_errno == Some(Errno::ENOSYS),
                Explained::Clone3Enosys,
            ),
            (
                v.call == Syscall::Setns && accepted && kernel_errno == Some(Errno::EINVAL),
                Explained::SetnsDependsOnTheFd,
            ),
        ];
        reasons
            .iter()
            .find(|(applies, _)| *applies)
            .map(|&(_, why)| why)
    }
}
