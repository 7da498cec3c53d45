//! What the fuzz targets check, shared with `tests/fuzz_corpus.rs`, which
//! replays the checked-in corpus through the same code on stable. Both include
//! this file with `#[path]`; it needs `std`, `nsclone`, `sc` and
//! `linux-raw-sys` only, so it builds in either crate.
//!
//! Inputs are decoded here, not with `arbitrary`: the replay test cannot add
//! a dependency, and a corpus file must mean the same input to both. The
//! decoding is still structure-aware (a syscall, an exit signal and a list of
//! flags picked one per byte), so the fuzzer combines flags instead of
//! searching for single bits in a raw word.
#![allow(dead_code)]

use nsclone::{CloneFlags, Syscall};

/// Reads an input front to back; past its end every read gives zeros, so
/// every byte string decodes to some input.
pub struct Reader<'a> {
    data: &'a [u8],
}

impl<'a> Reader<'a> {
    pub fn new(data: &'a [u8]) -> Reader<'a> {
        Reader { data }
    }

    pub fn byte(&mut self) -> u8 {
        match self.data.split_first() {
            Some((&b, rest)) => {
                self.data = rest;
                b
            }
            None => 0,
        }
    }

    pub fn u16(&mut self) -> u16 {
        u16::from_le_bytes([self.byte(), self.byte()])
    }

    pub fn u24(&mut self) -> u32 {
        u32::from_le_bytes([self.byte(), self.byte(), self.byte(), 0])
    }

    pub fn u64(&mut self) -> u64 {
        let mut bytes = [0; 8];
        bytes.iter_mut().for_each(|b| *b = self.byte());
        u64::from_le_bytes(bytes)
    }

    pub fn rest(self) -> &'a [u8] {
        self.data
    }
}

/// The kernel's values, written out from reference/kernel-rules.md rather
/// than taken from the crate, so a wrong constant in the crate shows up.
pub mod kbits {
    pub const NEWTIME: u64 = 0x80;
    pub const VM: u64 = 0x100;
    pub const FS: u64 = 0x200;
    pub const SIGHAND: u64 = 0x800;
    pub const PIDFD: u64 = 0x1000;
    pub const PARENT: u64 = 0x8000;
    pub const THREAD: u64 = 0x1_0000;
    pub const NEWNS: u64 = 0x2_0000;
    pub const SYSVSEM: u64 = 0x4_0000;
    pub const PARENT_SETTID: u64 = 0x10_0000;
    pub const DETACHED: u64 = 0x40_0000;
    pub const NEWIPC: u64 = 0x800_0000;
    pub const NEWUSER: u64 = 0x1000_0000;
    pub const NEWPID: u64 = 0x2000_0000;
    pub const CLEAR_SIGHAND: u64 = 1 << 32;
    /// The flags legacy clone sees: bits 8..=31 (the low byte is the exit signal).
    pub const CLONE_SEEN: u64 = 0xffff_ff00;
    /// Every namespace type, setns's `nstype` bits.
    pub const NAMESPACES: u64 = 0x7e02_0080;
    /// unshare's known flags (US-1).
    pub const UNSHARE_KNOWN: u64 = 0x7e07_0f80;
    /// clone3's known flags on 6.x (C3-10).
    pub const CLONE3_KNOWN: u64 = 0xffff_ffff | 3 << 32;
    /// clone3's forbidden bits (C3-11): DETACHED and the exit-signal byte but NEWTIME.
    pub const CLONE3_FORBIDDEN: u64 = 0x0040_007f;
    /// The clone3 bits 7.1 adds (AUTOREAP, NNP, PIDFD_AUTOKILL, EMPTY_MNTNS).
    pub const CLONE3_7_1: u64 = 0xf << 34;
    /// The unshare bit 7.1 adds (UNSHARE_EMPTY_MNTNS, PARENT_SETTID's value).
    pub const UNSHARE_7_1: u64 = 0x10_0000;
    /// `_NSIG` on x86 and arm: the largest clone3 exit signal.
    pub const MAX_EXIT_SIGNAL: u64 = 64;

    /// The `CLONE_*` values from the kernel's uapi headers, by crate name.
    pub const NAMED: &[(&str, u64)] = &[
        ("CLONE_NEWTIME", 0x80),
        ("CLONE_VM", 0x100),
        ("CLONE_FS", 0x200),
        ("CLONE_FILES", 0x400),
        ("CLONE_SIGHAND", 0x800),
        ("CLONE_PIDFD", 0x1000),
        ("CLONE_PTRACE", 0x2000),
        ("CLONE_VFORK", 0x4000),
        ("CLONE_PARENT", 0x8000),
        ("CLONE_THREAD", 0x1_0000),
        ("CLONE_NEWNS", 0x2_0000),
        ("CLONE_SYSVSEM", 0x4_0000),
        ("CLONE_SETTLS", 0x8_0000),
        ("CLONE_PARENT_SETTID", 0x10_0000),
        ("CLONE_CHILD_CLEARTID", 0x20_0000),
        ("CLONE_DETACHED", 0x40_0000),
        ("CLONE_UNTRACED", 0x80_0000),
        ("CLONE_CHILD_SETTID", 0x100_0000),
        ("CLONE_NEWCGROUP", 0x200_0000),
        ("CLONE_NEWUTS", 0x400_0000),
        ("CLONE_NEWIPC", 0x800_0000),
        ("CLONE_NEWUSER", 0x1000_0000),
        ("CLONE_NEWPID", 0x2000_0000),
        ("CLONE_NEWNET", 0x4000_0000),
        ("CLONE_IO", 0x8000_0000),
        ("CLONE_CLEAR_SIGHAND", 1 << 32),
        ("CLONE_INTO_CGROUP", 1 << 33),
    ];
}

/// Target `parse`: `CloneFlags::from_str` against a model of its grammar,
/// and every printed form reading back to the same bits.
pub mod parse {
    use super::kbits;
    use nsclone::{CloneFlags, Namespace};

    /// The util-linux names, with their flags.
    const UTIL_LINUX: &[(&str, u64)] = &[
        ("mount", 0x2_0000),
        ("mnt", 0x2_0000),
        ("uts", 0x400_0000),
        ("ipc", 0x800_0000),
        ("net", 0x4000_0000),
        ("network", 0x4000_0000),
        ("pid", 0x2000_0000),
        ("user", 0x1000_0000),
        ("cgroup", 0x200_0000),
        ("time", 0x80),
    ];

    /// The model: what one word between separators means, or `None`.
    /// Spaces around it are ignored, names are case-insensitive, numbers are
    /// `0` or `0x`/`0X` and hex digits that fit in 64 bits.
    pub fn model_word(word: &str) -> Option<u64> {
        let word = word.trim();
        let mut named = UTIL_LINUX.iter().chain(kbits::NAMED);
        if let Some(&(_, bits)) = named.find(|(n, _)| n.eq_ignore_ascii_case(word)) {
            return Some(bits);
        }
        if word == "0" {
            return Some(0);
        }
        let hex = word
            .strip_prefix("0x")
            .or_else(|| word.strip_prefix("0X"))?;
        let digits = hex.trim_start_matches('0');
        let all_hex = !hex.is_empty() && hex.bytes().all(|b| b.is_ascii_hexdigit());
        (all_hex && digits.len() <= 16).then(|| {
            digits.bytes().fold(0, |n, b| {
                n << 4 | u64::from((b as char).to_digit(16).unwrap())
            })
        })
    }

    /// The longest prefix of `word` of at most `max` bytes that ends on a char boundary.
    fn prefix(word: &str, max: usize) -> &str {
        let mut len = word.len().min(max);
        while !word.is_char_boundary(len) {
            len -= 1;
        }
        &word[..len]
    }

    /// Checks one input: any bytes, read as (lossy) UTF-8.
    pub fn check(data: &[u8]) {
        let text = String::from_utf8_lossy(data);
        let text = text.as_ref();
        let words: Vec<&str> = text.split([',', '|']).collect();
        let model: Option<u64> = words
            .iter()
            .try_fold(0, |bits, word| Some(bits | model_word(word)?));
        match text.parse::<CloneFlags>() {
            Ok(flags) => {
                assert_eq!(
                    Some(flags.bits()),
                    model,
                    "{text:?} parses to {flags:?}, the grammar says {model:?}"
                );
                round_trips(text, flags);
            }
            Err(err) => {
                assert_eq!(model, None, "{text:?} fails ({err}), the grammar reads it");
                // The error names the first bad word, cut to 32 bytes.
                let bad = words.iter().find(|w| model_word(w).is_none()).unwrap();
                let shown = prefix(bad, 32);
                assert_eq!(err.word(), shown, "{text:?}: {err}");
                let message = err.to_string();
                let cut = shown.len() < bad.len();
                assert_eq!(
                    message.contains(&format!("\"{shown}...\"")),
                    cut,
                    "{message}"
                );
                assert!(message.contains(&format!("\"{shown}")), "{message}");
                let _ = format!("{err:?}");
            }
        }
    }

    /// Display, lowercase Display and the util-linux form read back to `flags`.
    pub fn round_trips(text: &str, flags: CloneFlags) {
        let shown = flags.to_string();
        let reads_back = |form: &str, what: &str| {
            let again = form
                .parse::<CloneFlags>()
                .unwrap_or_else(|e| panic!("{text:?}: {what} {form:?} fails to parse: {e}"));
            assert_eq!(
                again, flags,
                "{text:?}: {what} {form:?} reads back as other bits"
            );
        };
        reads_back(&shown, "Display");
        reads_back(&shown.to_lowercase(), "lowercase Display");
        reads_back(&format!("{shown}|{shown}"), "Display twice");
        let debug = format!("{flags:?}");
        assert!(
            debug.contains(&shown),
            "Debug {debug:?} hides Display {shown:?}"
        );
        // The form util-linux prints, for namespace flags only.
        if !flags.is_empty() && flags.bits() & !kbits::NAMESPACES == 0 {
            let names: Vec<&str> = flags.namespaces().map(Namespace::proc_name).collect();
            assert_eq!(names.len(), flags.bits().count_ones() as usize, "{text:?}");
            reads_back(&names.join(","), "util-linux names");
        }
    }
}

/// A `check` question: flags, syscall and the clone3 exit signal.
///
/// Layout: byte 0 picks the syscall (bits 0-1); bit 2 says the exit signal
/// follows as a raw u64 (else one byte), bit 3 that a raw u64 flags word
/// follows (else the flags start empty). Every further byte adds one flag:
/// below 0x80 a named flag (byte mod 27, in bit order), from 0x80 the bit
/// `byte mod 64`.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct FlagsInput {
    pub call: Syscall,
    pub flags: CloneFlags,
    pub exit_signal: u64,
}

pub const SYSCALLS: [Syscall; 4] = [
    Syscall::Clone,
    Syscall::Clone3,
    Syscall::Unshare,
    Syscall::Setns,
];

impl FlagsInput {
    pub fn decode(data: &[u8]) -> FlagsInput {
        let mut r = Reader::new(data);
        let head = r.byte();
        let call = SYSCALLS[usize::from(head & 3)];
        let exit_signal = if head & 4 != 0 {
            r.u64()
        } else {
            u64::from(r.byte())
        };
        let mut bits = if head & 8 != 0 { r.u64() } else { 0 };
        let named = named_bits();
        for &pick in r.rest() {
            bits |= if pick < 0x80 {
                named[usize::from(pick) % named.len()]
            } else {
                1 << (pick & 63)
            };
        }
        FlagsInput {
            call,
            flags: CloneFlags::from_bits_retain(bits),
            exit_signal,
        }
    }

    /// An encoding [`decode`](Self::decode) reads back (for seeds).
    pub fn encode(&self) -> Vec<u8> {
        let call = SYSCALLS.iter().position(|&c| c == self.call).unwrap() as u8;
        let mut out = vec![call | 4];
        out.extend(self.exit_signal.to_le_bytes());
        out.extend(
            (0..64)
                .filter(|b| self.flags.bits() >> b & 1 != 0)
                .map(|b| 0x80 | b),
        );
        out
    }
}

/// The named flags' bits, in bit order.
pub fn named_bits() -> Vec<u64> {
    (0..64)
        .map(|b| 1u64 << b)
        .filter(|&bit| CloneFlags::ALL.bits() & bit != 0)
        .collect()
}

/// Target `check`: `CloneFlags::check` against the kernel's documented
/// rules, and the structure of its answers.
pub mod check {
    use super::{kbits, FlagsInput};
    use nsclone::{CloneFlags, Errno, FlagError, Rule, Syscall};

    /// The rules for `call` that `bits` (and the clone3 exit signal) break,
    /// in the kernel's order (reference/kernel-rules.md), as kernels 6.9 to
    /// 7.0 apply them: the model `check` must match.
    pub fn broken_rules(call: Syscall, bits: u64, exit_signal: u64) -> Vec<Rule> {
        let has = |flags: u64| bits & flags == flags;
        let mut broken = Vec::new();
        let mut rule = |cond: bool, rule: Rule| {
            if cond {
                broken.push(rule);
            }
        };
        let copy_process = |rule: &mut dyn FnMut(bool, Rule), bits: u64| {
            let has = |flags: u64| bits & flags == flags;
            let any = |flags: u64| bits & flags != 0;
            use kbits::*;
            rule(has(NEWNS | FS), Rule::NewnsWithFs); // P-1
            rule(has(NEWUSER | FS), Rule::NewuserWithFs); // P-2
            rule(has(THREAD) && !has(SIGHAND), Rule::ThreadWithoutSighand); // P-3
            rule(has(SIGHAND) && !has(VM), Rule::SighandWithoutVm); // P-4
            let newuser_or_newpid = any(NEWUSER | NEWPID);
            rule(
                has(THREAD) && newuser_or_newpid,
                Rule::ThreadWithNewuserOrNewpid,
            ); // P-6
            rule(has(PIDFD | DETACHED), Rule::PidfdWithDetached); // P-7a
            rule(has(NEWIPC | SYSVSEM), Rule::NewipcWithSysvsem); // P-12b
        };
        match call {
            Syscall::Clone => {
                let seen = bits & kbits::CLONE_SEEN;
                let both = kbits::PIDFD | kbits::PARENT_SETTID;
                rule(seen & both == both, Rule::PidfdWithParentSettid); // L-3
                copy_process(&mut rule, seen);
            }
            Syscall::Clone3 => {
                let bad_signal = exit_signal & !0xff != 0 || exit_signal > kbits::MAX_EXIT_SIGNAL;
                rule(bad_signal, Rule::ExitSignalInvalid); // C3-7
                let unknown = bits & !kbits::CLONE3_KNOWN != 0;
                rule(unknown, Rule::Clone3UnknownFlags); // C3-10
                let forbidden = bits & kbits::CLONE3_FORBIDDEN != 0;
                rule(forbidden, Rule::Clone3SignalBitsOrDetached); // C3-11
                let clear = has(kbits::SIGHAND | kbits::CLEAR_SIGHAND);
                rule(clear, Rule::SighandWithClearSighand); // C3-12
                let needs_zero = bits & (kbits::THREAD | kbits::PARENT) != 0;
                rule(
                    needs_zero && exit_signal != 0,
                    Rule::ThreadOrParentWithExitSignal,
                ); // C3-13
                copy_process(&mut rule, bits);
            }
            Syscall::Unshare => {
                let unknown = bits & !kbits::UNSHARE_KNOWN != 0;
                rule(unknown, Rule::UnshareUnknownFlags); // US-1
            }
            Syscall::Setns => {
                let unknown = bits & !kbits::NAMESPACES != 0;
                rule(unknown, Rule::SetnsNotANamespace); // S-2, S-3
            }
        }
        broken
    }

    /// The errnos the man pages document for each call.
    pub fn documented(call: Syscall) -> &'static [Errno] {
        use Errno as E;
        match call {
            Syscall::Clone | Syscall::Clone3 => &[
                E::E2BIG,
                E::EACCES,
                E::EAGAIN,
                E::EBADF,
                E::EBUSY,
                E::EEXIST,
                E::EFAULT,
                E::EINVAL,
                E::ENOMEM,
                E::ENOSPC,
                E::ENOSYS,
                E::EOPNOTSUPP,
                E::EPERM,
                E::EUSERS,
            ],
            Syscall::Unshare => &[E::EINVAL, E::ENOMEM, E::ENOSPC, E::EPERM, E::EUSERS],
            Syscall::Setns => &[
                E::EBADF,
                E::EINVAL,
                E::ENOMEM,
                E::EPERM,
                E::ESRCH,
                E::EUSERS,
            ],
        }
    }

    /// `check`'s answer, for messages: `Ok` or `Rule (ERRNO): message`.
    pub fn describe(result: Result<(), FlagError>) -> String {
        match result {
            Ok(()) => "Ok".into(),
            Err(err) => format!("{:?} ({}): {err}", err.rule(), err.errno().name()),
        }
    }

    /// Checks one question; panics naming the invariant broken.
    pub fn check(input: FlagsInput) {
        constants_match_the_kernel();
        let FlagsInput {
            call,
            flags,
            exit_signal,
        } = input;
        let bits = flags.bits();
        let result = flags.check_with_exit_signal(call, exit_signal);
        let what = format!(
            "{call:?} flags {bits:#x} ({flags}) exit_signal {exit_signal}: check says {}",
            describe(result)
        );

        // The exit signal is clone3's alone; `check` is the signal-0 case.
        assert_eq!(
            flags.check(call),
            flags.check_with_exit_signal(call, 0),
            "{what}"
        );
        if call != Syscall::Clone3 {
            assert_eq!(
                result,
                flags.check(call),
                "{what}: the exit signal mattered"
            );
        }

        // An error describes this question with an errno the call documents.
        if let Err(err) = result {
            assert_eq!(err.syscall(), call, "{what}");
            assert_eq!(err.flags(), flags, "{what}");
            assert!(
                documented(call).contains(&err.errno()),
                "{what}: undocumented errno"
            );
            assert_eq!(Errno::from(err), err.errno(), "{what}");
            let shown = err.to_string();
            assert!(!shown.is_empty() && shown == err.rule().message(), "{what}");
        }

        // The documented rules, in the kernel's order: check names the first broken.
        let broken = broken_rules(call, bits, exit_signal);
        match result {
            Ok(()) => assert!(broken.is_empty(), "{what}, but it breaks {broken:?}"),
            Err(err) => assert_eq!(
                Some(err.rule()),
                broken.first().copied(),
                "{what}; rules broken in kernel order: {broken:?}"
            ),
        }

        // Structure: what is accepted lies inside the kernel's masks.
        if result.is_ok() {
            let outside = match call {
                Syscall::Unshare => bits & !kbits::UNSHARE_KNOWN,
                Syscall::Setns => bits & !kbits::NAMESPACES,
                Syscall::Clone3 => {
                    assert!(exit_signal <= kbits::MAX_EXIT_SIGNAL, "{what}");
                    bits & !kbits::CLONE3_KNOWN | bits & kbits::CLONE3_FORBIDDEN
                }
                _ => 0,
            };
            assert_eq!(
                outside, 0,
                "{what}: accepted bits outside the kernel's mask"
            );
        }

        // Legacy clone sees bits 8..=31 only: the exit-signal byte and the
        // bits from 32 never change its answer.
        if call == Syscall::Clone {
            let seen = CloneFlags::from_bits_retain(bits & kbits::CLONE_SEEN);
            let rule = |r: Result<(), FlagError>| r.map_err(|e| e.rule());
            assert_eq!(rule(seen.check(call)), rule(result), "{what}");
        }
    }

    /// The crate's constants are the kernel's values.
    fn constants_match_the_kernel() {
        let mut all = 0;
        for &(name, bits) in kbits::NAMED {
            let parsed = name.parse::<CloneFlags>().map(CloneFlags::bits);
            assert_eq!(parsed, Ok(bits), "{name}");
            all |= bits;
        }
        assert_eq!(CloneFlags::ALL.bits(), all, "CloneFlags::ALL");
        assert_eq!(CloneFlags::ALL_NAMESPACES.bits(), kbits::NAMESPACES);
    }
}

/// Target `kernel`: the running kernel's answer in a sacrificial process,
/// compared with `check`'s.
pub mod kernel {
    use super::check::describe;
    use super::FlagsInput;
    use core::ffi::c_int;
    use core::mem::size_of;
    use linux_raw_sys::general as k;
    use nsclone::{spawn, CloneFlags, Errno, FlagError, MmapStack, Rule, Syscall};
    use std::os::fd::AsRawFd;

    /// The kernel's answer: the call succeeded, or this errno.
    pub type Answer = Result<(), Errno>;

    /// Decodes a raw syscall return.
    fn decode(ret: usize) -> Result<usize, Errno> {
        if ret > -4096isize as usize {
            Err(Errno::from_raw(-(ret as isize) as i32))
        } else {
            Ok(ret)
        }
    }

    /// A raw `clone` (x86_64 order: flags, stack, parent_tid, child_tid,
    /// tls; aarch64: flags, stack, parent_tid, tls, child_tid) or `clone3`
    /// (args, size) whose child, if any, exits at once with status 0: it
    /// runs no Rust code, touches neither memory nor its stack, and so is
    /// safe with any flags (CLONE_VM, CLONE_SETTLS, CLONE_THREAD). Returns
    /// the parent's raw result.
    ///
    /// # Safety
    ///
    /// The pointers must be valid for every write the flags ask of the kernel.
    unsafe fn clone_exit_child(nr: usize, args: [usize; 5]) -> usize {
        let ret: usize;
        #[cfg(target_arch = "x86_64")]
        // SAFETY: the syscall reads the registers; in the child (rax = 0) the
        // next instructions are `exit(0)`, so it never reaches Rust code.
        unsafe {
            core::arch::asm!(
                "syscall",
                "test rax, rax",
                "jnz 2f",
                "xor edi, edi",
                "mov eax, {exit}",
                "syscall",
                "ud2",
                "2:",
                exit = const k::__NR_exit,
                inlateout("rax") nr => ret,
                in("rdi") args[0],
                in("rsi") args[1],
                in("rdx") args[2],
                in("r10") args[3],
                in("r8") args[4],
                lateout("rcx") _,
                lateout("r11") _,
                options(nostack),
            );
        }
        #[cfg(target_arch = "aarch64")]
        // SAFETY: as above; the child's x0 = 0 is also its exit status.
        unsafe {
            core::arch::asm!(
                "svc #0",
                "cbnz x0, 2f",
                "mov x8, #{exit}",
                "svc #0",
                "udf #0",
                "2:",
                exit = const k::__NR_exit,
                inlateout("x0") args[0] => ret,
                in("x1") args[1],
                in("x2") args[2],
                in("x3") args[3],
                in("x4") args[4],
                inlateout("x8") nr => _,
                options(nostack),
            );
        }
        ret
    }

    /// `wait4(pid, &status, options)`: the pid and status.
    fn wait4(pid: i32, options: u32) -> Result<(i32, c_int), Errno> {
        let mut status: c_int = 0;
        // SAFETY: the kernel writes one int to `status`.
        let ret = unsafe {
            sc::syscall4(
                k::__NR_wait4 as usize,
                pid as isize as usize,
                core::ptr::from_mut(&mut status) as usize,
                options as usize,
                0,
            )
        };
        decode(ret).map(|pid| (pid as i32, status))
    }

    fn kill(pid: i32, signal: u32) {
        // SAFETY: kill takes plain values.
        unsafe { sc::syscall2(k::__NR_kill as usize, pid as usize, signal as usize) };
    }

    fn stopped(status: c_int) -> bool {
        status & 0xff == 0x7f
    }

    /// Waits for `pid` (-1: any child) to end, killing it if it stops (an
    /// exit signal can be SIGSTOP). The wait status, or the wait's errno.
    fn reap(pid: i32) -> Result<c_int, Errno> {
        loop {
            match wait4(pid, k::__WALL | k::WUNTRACED) {
                Ok((stopped_pid, status)) if stopped(status) => kill(stopped_pid, k::SIGKILL),
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
        // SAFETY: the kernel reads one 8-byte signal set.
        unsafe {
            sc::syscall4(
                k::__NR_rt_sigprocmask as usize,
                k::SIG_BLOCK as usize,
                core::ptr::from_ref(&all) as usize,
                0,
                size_of::<u64>(),
            )
        };
        let (tids, top) = (ws.tids as usize, ws.stack as usize + ws.stack_len);
        let ret = match call {
            // SAFETY: the stack, tid slots and TLS page are ours; the child exits at once.
            Syscall::Clone => unsafe {
                #[cfg(target_arch = "x86_64")]
                let args = [word as usize, top, tids, tids + 4, ws.tls as usize];
                #[cfg(target_arch = "aarch64")]
                let args = [word as usize, top, tids, ws.tls as usize, tids + 4];
                clone_exit_child(k::__NR_clone as usize, args)
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
                let size = size_of::<k::clone_args>();
                let ptr = core::ptr::from_ref(&args) as usize;
                // SAFETY: as above; `args` outlives the call.
                unsafe { clone_exit_child(k::__NR_clone3 as usize, [ptr, size, 0, 0, 0]) }
            }
            // SAFETY: unshare takes the flags by value.
            Syscall::Unshare => unsafe { sc::syscall1(k::__NR_unshare as usize, word as usize) },
            Syscall::Setns => {
                // SAFETY: getpid and pidfd_open take plain values.
                let pidfd = unsafe {
                    let pid = sc::syscall0(k::__NR_getpid as usize);
                    decode(sc::syscall2(k::__NR_pidfd_open as usize, pid, 0))
                };
                let Ok(pidfd) = pidfd else {
                    // SAFETY: the slot is our shared page.
                    unsafe { ws.answer.write_volatile(NO_PIDFD) };
                    return 1;
                };
                // SAFETY: setns takes an fd and an int nstype (the low 32 bits).
                unsafe { sc::syscall2(k::__NR_setns as usize, pidfd, word as u32 as usize) }
            }
        };
        let answer = match decode(ret) {
            Ok(_) => 0,
            Err(errno) => i64::from(errno.raw()),
        };
        // SAFETY: the slots are our shared page.
        unsafe { ws.answer.write_volatile(answer) };
        if let (Syscall::Clone | Syscall::Clone3, Ok(tid)) = (call, decode(ret)) {
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
        /// Kernels before 6.9 refuse CLONE_PIDFD with CLONE_THREAD.
        PidfdThreadBefore6_9,
        /// Kernels before 6.3 (without the backport) refuse CLONE_NEWTIME in clone3.
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

    const EXPLAINED: [Explained; 7] = [
        Explained::StateBeforeNewipcSysvsem,
        Explained::PidfdThreadBefore6_9,
        Explained::Clone3NewtimeBefore6_3,
        Explained::Clone3BitsOf7_1,
        Explained::UnshareEmptyMntnsOf7_1,
        Explained::Clone3Enosys,
        Explained::SetnsDependsOnTheFd,
    ];

    /// One question and both answers.
    #[derive(Copy, Clone, Debug)]
    pub struct Verdict {
        pub call: Syscall,
        /// The flags as the kernel saw them (legacy clone: with the exit-signal byte).
        pub flags: CloneFlags,
        pub kernel: Answer,
        pub check: Result<(), FlagError>,
        pub explained: Option<Explained>,
    }

    /// Asks the kernel in sacrificial processes; holds their memory.
    pub struct Oracle {
        own_stack: MmapStack,
        child_stack: MmapStack,
        scratch: MmapStack,
        /// A MAP_SHARED page: the sacrificial process's answer.
        answer: *mut i64,
        cgroup: std::fs::File,
        pub kernel: (u32, u32),
        pub privileged: bool,
        explained: [u64; EXPLAINED.len()],
    }

    /// `PR_SET_CHILD_SUBREAPER` from linux/prctl.h.
    const PR_SET_CHILD_SUBREAPER: usize = 36;

    impl Oracle {
        /// Makes this process a child subreaper, so that nothing the calls
        /// create outlives a question as a zombie under init.
        pub fn new() -> Oracle {
            // SAFETY: prctl with plain values.
            let ret = unsafe { sc::syscall2(k::__NR_prctl as usize, PR_SET_CHILD_SUBREAPER, 1) };
            decode(ret).expect("become a child subreaper");
            // SAFETY: a fresh anonymous shared page.
            let page = unsafe {
                sc::syscall6(
                    k::__NR_mmap as usize,
                    0,
                    4096,
                    (k::PROT_READ | k::PROT_WRITE) as usize,
                    (k::MAP_SHARED | k::MAP_ANONYMOUS) as usize,
                    usize::MAX,
                    0,
                )
            };
            let answer = decode(page).expect("mmap the answer page") as *mut i64;
            let stack = |len| MmapStack::new(len).expect("mmap a stack");
            Oracle {
                own_stack: stack(256 * 1024),
                child_stack: stack(64 * 1024),
                scratch: stack(64 * 1024),
                answer,
                cgroup: open_cgroup2(),
                kernel: kernel_version(),
                privileged: has_cap_sys_admin(),
                explained: [0; EXPLAINED.len()],
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
                cgroup: self.cgroup.as_raw_fd(),
                answer: self.answer,
            };
            // SAFETY: our shared page.
            unsafe {
                self.answer.write_volatile(PENDING);
                self.answer.add(1).write_volatile(0);
            }
            let child = spawn(
                CloneFlags::empty(),
                self.own_stack.as_mut_slice(),
                move || sacrificial(call, word, exit_signal, ws),
            )
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
                    let signal = if call == Syscall::Clone { word & 0xff } else { exit_signal };
                    let could = [k::SIGKILL, k::SIGSTOP].map(u64::from).contains(&signal);
                    assert!(could, "the sacrificial process died ({status:#x}) before answering {call:?} {word:#x}");
                    Ok(())
                }
                NO_PIDFD => panic!("the sacrificial process could not open a pidfd of itself"),
                _ => panic!("the sacrificial process ended ({status:#x}) without answering {call:?} {word:#x}"),
            }
        }

        /// Asks the kernel and `check` the same question and panics if they
        /// disagree on EINVAL: unshare, clone and clone3 both ways; setns one
        /// way (the fd decides the rest). Documented differences are
        /// reported on stderr (first of each kind, then every 10,000th).
        pub fn compare(&mut self, input: FlagsInput) -> Verdict {
            let FlagsInput {
                call,
                flags,
                exit_signal,
            } = input;
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
                kernel,
                check,
                explained: None,
            };
            // unshare, clone, clone3: EINVAL from one exactly when from the
            // other. setns: check's EINVAL must be the kernel's; the kernel's
            // other EINVALs depend on the fd (explained below).
            let kernel_einval = kernel == Err(Errno::EINVAL);
            let check_einval = check.is_err_and(|e| e.errno() == Errno::EINVAL);
            if kernel_einval != check_einval {
                verdict.explained = self.explain(&verdict);
                if verdict.explained.is_none() {
                    panic!(
                        "the kernel and check disagree: {call:?} flags {word:#x} ({flags}) \
                         exit_signal {exit_signal}: kernel {}, check {} (kernel {}.{}, {})",
                        kernel.map_or_else(|e| e.name(), |()| "accepts"),
                        describe(check),
                        self.kernel.0,
                        self.kernel.1,
                        if self.privileged {
                            "CAP_SYS_ADMIN"
                        } else {
                            "unprivileged"
                        },
                    );
                }
            }
            if let Some(why) = verdict.explained {
                let i = EXPLAINED.iter().position(|&e| e == why).unwrap();
                self.explained[i] += 1;
                if self.explained[i] % 10_000 == 1 {
                    eprintln!(
                        "kernel vs check: documented difference #{} {why:?}: {call:?} {word:#x} ({flags}) \
                         exit_signal {exit_signal}: kernel {:?}, check {}",
                        self.explained[i],
                        kernel,
                        describe(check)
                    );
                }
            }
            verdict
        }

        /// The documented reason for a difference, if one applies.
        fn explain(&self, v: &Verdict) -> Option<Explained> {
            use super::kbits::*;
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
                        && self.kernel < (6, 9)
                        && accepted
                        && bits & (PIDFD | THREAD) == PIDFD | THREAD,
                    Explained::PidfdThreadBefore6_9,
                ),
                (
                    v.call == Syscall::Clone3
                        && self.kernel < (6, 3)
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

    /// A directory of the cgroup2 hierarchy for CLONE_INTO_CGROUP (as root
    /// the child may really move there), or `/` (the kernel then says EBADF).
    fn open_cgroup2() -> std::fs::File {
        let mounts = std::fs::read_to_string("/proc/self/mounts").unwrap_or_default();
        let dir = mounts
            .lines()
            .map(|line| line.split(' ').collect::<Vec<_>>())
            .find(|fields| fields.len() > 2 && fields[2] == "cgroup2")
            .map_or("/", |fields| fields[1]);
        std::fs::File::open(dir)
            .or_else(|_| std::fs::File::open("/"))
            .expect("open a directory")
    }

    /// The running kernel's (major, minor).
    pub fn kernel_version() -> (u32, u32) {
        let release = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
        let mut parts = release
            .split(|c: char| !c.is_ascii_digit())
            .map(|n| n.parse().unwrap_or(0));
        (parts.next().unwrap_or(0), parts.next().unwrap_or(0))
    }

    /// Whether this process holds CAP_SYS_ADMIN (bit 21 of CapEff).
    fn has_cap_sys_admin() -> bool {
        let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
        status
            .lines()
            .find_map(|line| line.strip_prefix("CapEff:"))
            .and_then(|hex| u64::from_str_radix(hex.trim(), 16).ok())
            .is_some_and(|caps| caps & (1 << 21) != 0)
    }
}

/// Target `spawn_layout`: closures of many sizes and alignments on stacks of
/// any length and misalignment through the safe `Spawn::spawn`: either
/// ENOMEM before any syscall, exactly when the documented placement does not
/// fit, or a child that finds its captured data intact, its stack aligned,
/// and that never wrote below the stack it was given.
pub mod spawn_layout {
    use super::Reader;
    use core::ffi::c_int;
    use core::mem::{align_of_val, size_of_val};
    use core::sync::atomic::{AtomicUsize, Ordering};
    use linux_raw_sys::general as k;
    use nsclone::{CloneFlags, Errno, ExitStatus, Spawn};
    use std::sync::OnceLock;

    /// Canary bytes below every stack: a child that runs past its stack's
    /// low end writes here (and the child measures how far) before it would
    /// reach the region's guard.
    pub const CANARY_ZONE: usize = 128 * 1024;
    /// The longest stack an input asks for.
    pub const MAX_STACK: usize = 384 * 1024;
    /// The region [`check`] needs: canary zone, up to 4095 bytes of
    /// misalignment (canary too), the stack; inaccessible memory below it.
    pub const REGION: usize = CANARY_ZONE + 4096 + MAX_STACK;

    /// The request: flags and whether to ask for a pidfd (clone3 then).
    pub const MODES: [(&str, CloneFlags, bool); 7] = [
        ("fork", CloneFlags::empty(), false),
        ("fork+pidfd", CloneFlags::empty(), true),
        ("vfork", CloneFlags::VFORK, false),
        ("vfork+pidfd", CloneFlags::VFORK, true),
        ("vm|vfork", CloneFlags::VM.union(CloneFlags::VFORK), false),
        (
            "vm|vfork+pidfd",
            CloneFlags::VM.union(CloneFlags::VFORK),
            true,
        ),
        ("vm (refused)", CloneFlags::VM, false),
    ];

    /// Zero-sized alignment markers.
    #[derive(Copy, Clone)]
    #[repr(align(8))]
    pub struct A8;
    #[derive(Copy, Clone)]
    #[repr(align(16))]
    pub struct A16;
    #[derive(Copy, Clone)]
    #[repr(align(64))]
    pub struct A64;
    #[derive(Copy, Clone)]
    #[repr(align(4096))]
    pub struct A4096;

    /// `N` captured bytes aligned like `A`.
    #[repr(C)]
    pub struct Payload<const N: usize, A> {
        _align: [A; 0],
        bytes: [u8; N],
    }

    /// One closure type: its payload's size and alignment, and the code
    /// that builds and spawns it.
    pub struct Shape {
        pub size: usize,
        pub align: usize,
        run: fn(&mut Run<'_>) -> Outcome,
    }

    macro_rules! shapes {
        ($($size:literal: $($align:ty),*;)*) => {
            pub const SHAPES: &[Shape] = &[$($(Shape {
                size: $size,
                align: core::mem::align_of::<$align>(),
                run: run_shape::<$size, $align>,
            },)*)*];
        };
    }

    shapes! {
        0: u8, A16, A4096;
        1: u8, A8, A64;
        8: u8, A8, A4096;
        24: u8, A16, A64;
        100: u8, A8, A16, A64, A4096;
        2047: u8, A8, A64;
        2048: u8, A16, A4096;
        4095: u8, A8;
        4096: u8, A64, A4096;
        16384: u8, A16, A4096;
        65536: u8, A8, A4096;
        100000: u8, A64, A4096;
    }

    /// One spawn: the shape, the request, where the stack starts (bytes
    /// above the canary zone) and its length, and the payload's seed.
    #[derive(Copy, Clone, Debug, PartialEq, Eq)]
    pub struct LayoutInput {
        pub shape: usize,
        pub mode: usize,
        pub misalign: usize,
        pub len: usize,
        pub seed: u8,
    }

    impl LayoutInput {
        /// Layout: shape (1 byte, mod 37), mode (1, mod 7), misalignment
        /// (u16, mod 4096), stack length (u24, mod MAX_STACK + 1), seed (1).
        pub fn decode(data: &[u8]) -> LayoutInput {
            let mut r = Reader::new(data);
            LayoutInput {
                shape: usize::from(r.byte()) % SHAPES.len(),
                mode: usize::from(r.byte()) % MODES.len(),
                misalign: usize::from(r.u16()) % 4096,
                len: r.u24() as usize % (MAX_STACK + 1),
                seed: r.byte(),
            }
        }

        /// Whether qemu-user can run it: it turns CLONE_VM|CLONE_VFORK into
        /// a fork (the memory is not shared) and has no clone3.
        pub fn runs_under_qemu_user(&self) -> bool {
            let (_, flags, pidfd) = MODES[self.mode];
            !pidfd && !flags.contains(CloneFlags::VM)
        }
    }

    /// What happened, for the fuzzer's feedback.
    #[derive(Copy, Clone, Debug)]
    pub struct Outcome {
        /// Bytes to spare below the closure (negative: missing), or `None`
        /// when the closure does not fit in the stack at all.
        pub margin: Option<i64>,
        pub spawned: bool,
        /// How far below its stack the child wrote.
        pub overflow: usize,
    }

    /// Drops of captured guards seen by this address space.
    static DROPS: AtomicUsize = AtomicUsize::new(0);

    /// A captured value whose drop is counted, to see each closure dropped once.
    struct DropGuard {
        magic: u64,
    }

    impl Drop for DropGuard {
        fn drop(&mut self) {
            DROPS.fetch_add(1, Ordering::SeqCst);
        }
    }

    fn magic(seed: u8) -> u64 {
        0x9e37_79b9_7f4a_7c15 ^ u64::from(seed)
    }

    fn pattern(i: usize, seed: u8) -> u8 {
        (i as u8).wrapping_mul(31) ^ (i >> 8) as u8 ^ seed
    }

    const CANARY: u8 = 0xa5;

    /// The canary below the child's stack, and two MAP_SHARED words where
    /// the child reports how far below its stack it wrote and its stack
    /// pointer when the closure's body starts.
    #[derive(Copy, Clone)]
    struct Canary {
        ptr: *const u8,
        len: usize,
        report: *mut usize,
    }

    /// What the child finds wrong, as bits of its exit status (from 2: a
    /// sanitizer's report in the child exits with 1).
    const MISALIGNED_PAYLOAD: c_int = 2;
    const PAYLOAD_CHANGED: c_int = 4;
    const GUARD_CHANGED: c_int = 8;
    const MISALIGNED_SP: c_int = 16;
    const WROTE_BELOW_STACK: c_int = 32;

    /// The stack pointer when a function is entered (x86_64: before the
    /// call pushed the return address): 16-aligned by the ABI.
    #[cfg(target_arch = "x86_64")]
    #[unsafe(naked)]
    extern "C" fn sp_at_entry() -> usize {
        core::arch::naked_asm!("lea rax, [rsp + 8]", "ret")
    }
    #[cfg(target_arch = "aarch64")]
    #[unsafe(naked)]
    extern "C" fn sp_at_entry() -> usize {
        core::arch::naked_asm!("mov x0, sp", "ret")
    }

    /// In the child: plain loads and stores only (no allocation, no locks).
    fn child_checks<const N: usize, A>(
        payload: &Payload<N, A>,
        guard: &DropGuard,
        seed: u8,
        canary: Canary,
        body_sp: usize,
    ) -> c_int {
        // SAFETY: the second word of a MAP_SHARED page only this check uses.
        unsafe { canary.report.add(1).write_volatile(body_sp) };
        let mut bad = 0;
        let align = core::mem::align_of::<Payload<N, A>>();
        if !(core::ptr::from_ref(payload) as usize).is_multiple_of(align) {
            bad |= MISALIGNED_PAYLOAD;
        }
        if payload
            .bytes
            .iter()
            .enumerate()
            .any(|(i, &b)| b != pattern(i, seed))
        {
            bad |= PAYLOAD_CHANGED;
        }
        if guard.magic != magic(seed) {
            bad |= GUARD_CHANGED;
        }
        if !body_sp.is_multiple_of(16) {
            bad |= MISALIGNED_SP;
        }
        // SAFETY: the canary lies in the region, below the child's stack.
        let below = unsafe { core::slice::from_raw_parts(canary.ptr, canary.len) };
        let untouched = below.iter().take_while(|&&b| b == CANARY).count();
        if untouched < below.len() {
            bad |= WROTE_BELOW_STACK;
            // SAFETY: a word of a MAP_SHARED page only this check uses.
            unsafe { canary.report.write_volatile(below.len() - untouched) };
        }
        bad
    }

    /// Everything one spawn needs.
    struct Run<'a> {
        input: LayoutInput,
        stack: &'a mut [u8],
        canary: Canary,
    }

    fn run_shape<const N: usize, A>(run: &mut Run<'_>) -> Outcome {
        let seed = run.input.seed;
        let mut payload = Payload::<N, A> {
            _align: [],
            bytes: [0; N],
        };
        for (i, b) in payload.bytes.iter_mut().enumerate() {
            *b = pattern(i, seed);
        }
        let guard = DropGuard { magic: magic(seed) };
        let canary = run.canary;
        run.spawn(move || {
            let body_sp = sp_at_entry();
            child_checks(&payload, &guard, seed, canary, body_sp)
        })
    }

    /// What the crate's own frames may take of `MIN_FREE_STACK` in the
    /// child beyond the moved closure: the trampoline, `run_closure` and the
    /// call into the closure. The rest is the closure body's.
    const GLUE: usize = 512;

    /// What spawn reserves for its own frames beyond one closure copy: the
    /// child's second copy and its alignment padding, then `GLUE`.
    fn glue_budget(size: usize, align: usize) -> usize {
        size + 3 * align + GLUE
    }

    /// Prints the first and every 1000th of a kind of tolerated finding.
    fn note(count: &AtomicUsize, message: &str) {
        let n = count.fetch_add(1, Ordering::Relaxed);
        if n.is_multiple_of(1000) {
            eprintln!("{message} [#{}]", n + 1);
        }
    }

    static BODY_OVERFLOW: AtomicUsize = AtomicUsize::new(0);

    /// Two words of a MAP_SHARED page for the child's reports.
    fn report_words() -> *mut usize {
        static PAGE: OnceLock<usize> = OnceLock::new();
        let page = *PAGE.get_or_init(|| {
            // SAFETY: a fresh anonymous shared page.
            let ret = unsafe {
                sc::syscall6(
                    k::__NR_mmap as usize,
                    0,
                    4096,
                    (k::PROT_READ | k::PROT_WRITE) as usize,
                    (k::MAP_SHARED | k::MAP_ANONYMOUS) as usize,
                    usize::MAX,
                    0,
                )
            };
            assert!(ret < -4096isize as usize, "mmap a shared page");
            ret
        });
        page as *mut usize
    }

    /// What the child's exit status says is wrong besides writing below its stack.
    fn describe_bad(bad: c_int) -> String {
        let kinds = [
            (1, "a sanitizer error (see above)"),
            (MISALIGNED_PAYLOAD, "its closure misaligned"),
            (PAYLOAD_CHANGED, "its captured bytes changed"),
            (GUARD_CHANGED, "its captured guard changed"),
            (MISALIGNED_SP, "its stack pointer misaligned"),
        ];
        let found: Vec<&str> = kinds
            .iter()
            .filter(|(bit, _)| bad & bit != 0)
            .map(|&(_, what)| what)
            .collect();
        found.join(", ")
    }

    impl Run<'_> {
        fn spawn<F: FnOnce() -> c_int>(&mut self, f: F) -> Outcome {
            let input = self.input;
            let (mode, flags, pidfd) = MODES[input.mode];
            let (size, align) = (size_of_val(&f), align_of_val(&f));
            let low = self.stack.as_ptr() as usize;
            let placed = placement(low, self.stack.len(), size, align);
            let margin = placed.map(|(_, margin)| margin);
            let fits = margin.is_some_and(|m| m >= 0);
            let refused = flags.contains(CloneFlags::VM) && !flags.contains(CloneFlags::VFORK);
            let what = format!(
                "{input:?}: {mode}, closure of {size} bytes aligned {align}, stack of {} bytes at {low:#x}, margin {margin:?}",
                self.stack.len()
            );
            let report = self.canary.report;
            // SAFETY: our shared words; no child runs now.
            unsafe {
                report.write_volatile(0);
                report.add(1).write_volatile(0);
            }
            DROPS.store(0, Ordering::SeqCst);
            let before = children();
            let result = Spawn::new(flags).pidfd(pidfd).spawn(self.stack, f);
            let drops = DROPS.load(Ordering::SeqCst);
            assert_eq!(
                drops, 1,
                "{what}: the closure was dropped {drops} times here"
            );
            let expected = if refused {
                Err(Errno::EINVAL)
            } else if !fits {
                Err(Errno::ENOMEM)
            } else {
                Ok(())
            };
            let mut overflow = 0;
            match result {
                Ok(child) => {
                    assert_eq!(expected, Ok(()), "{what}: spawned");
                    let status = child.wait().expect("wait for the child");
                    let bad = match status {
                        ExitStatus::Exited(bad) => bad,
                        ExitStatus::Signaled(signal) => {
                            panic!("{what}: the child was killed by signal {signal}")
                        }
                    };
                    assert_eq!(
                        bad & !WROTE_BELOW_STACK,
                        0,
                        "{what}: the child found {}",
                        describe_bad(bad)
                    );
                    // SAFETY: our shared words; the child is gone.
                    let body_sp = unsafe { report.add(1).read_volatile() };
                    overflow = unsafe { report.read_volatile() };
                    let (slot, _) = placed.unwrap();
                    // What the crate's frames took beyond one copy of the closure.
                    let glue = slot.saturating_sub(body_sp).saturating_sub(size);
                    let usage = format!(
                        "the crate's frames took {glue} bytes beyond one closure copy (budget {}); \
                         the closure's body started {} bytes above the stack's low end and the child \
                         wrote {overflow} bytes below it",
                        glue_budget(size, align),
                        body_sp as i64 - low as i64
                    );
                    // Writing below the stack is spawn's fault when its own
                    // frames went past what it reserves for them.
                    assert!(
                        overflow == 0 || glue <= glue_budget(size, align),
                        "{what}: the child wrote below its stack: {usage}"
                    );
                    if overflow > 0 {
                        // The crate kept its promise; this closure body (its
                        // checks and the sanitizer's hooks) needed more than the
                        // MIN_FREE_STACK left to it.
                        note(
                            &BODY_OVERFLOW,
                            &format!("not spawn's doing: {what}: {usage}"),
                        );
                    }
                }
                Err(errno) => {
                    assert_eq!(expected, Err(errno), "{what}: spawn failed with {errno}");
                    // Refused before any syscall: no new child.
                    let after = children();
                    assert_eq!(
                        before, after,
                        "{what}: {errno}, but this thread's children changed"
                    );
                }
            }
            Outcome {
                margin,
                spawned: expected.is_ok(),
                overflow,
            }
        }
    }

    /// This thread's children (other children exist: the sanitizer's
    /// symbolizer), or nothing without procfs.
    fn children() -> String {
        std::fs::read_to_string("/proc/thread-self/children").unwrap_or_default()
    }

    /// The documented placement: the closure as high in the stack as its
    /// alignment allows, with `Spawn::stack_needed_below` bytes below it.
    /// The closure's address and the bytes to spare (negative: missing), if
    /// it fits at all.
    pub fn placement(low: usize, len: usize, size: usize, align: usize) -> Option<(usize, i64)> {
        let slot = (low.checked_add(len)?.checked_sub(size)?) & !(align - 1);
        let below = slot.checked_sub(low)?;
        Some((
            slot,
            below as i64 - Spawn::stack_needed_below(size, align)? as i64,
        ))
    }

    /// Checks one input on `region` (at least [`REGION`] bytes with
    /// inaccessible memory right below, like an `MmapStack`'s).
    pub fn check(input: LayoutInput, region: &mut [u8]) -> Outcome {
        assert!(region.len() >= REGION);
        let (below, rest) = region.split_at_mut(CANARY_ZONE + input.misalign);
        below.fill(CANARY);
        let canary = Canary {
            ptr: below.as_ptr(),
            len: below.len(),
            report: report_words(),
        };
        let mut run = Run {
            input,
            stack: &mut rest[..input.len],
            canary,
        };
        (SHAPES[input.shape].run)(&mut run)
    }
}
