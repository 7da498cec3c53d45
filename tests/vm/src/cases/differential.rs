//! `CloneFlags::check` against this kernel over random flag questions,
//! each asked in a sacrificial process (`nsclone_testkit::kernel_oracle`,
//! shared with the fuzz target `kernel`): EINVAL from one exactly when from
//! the other, or a documented reason (a kernel version difference).

use crate::cases::{Outcome, Tally};
use crate::{ensure, fail, say, sys};
use nsclone::{CloneFlags, Syscall};
use nsclone_testkit::kernel_oracle::{Oracle, Verdict};

/// How many random questions are asked.
const QUESTIONS: u32 = 3000;

pub fn run(tally: &mut Tally) {
    tally.run(
        format_args!("check agrees with the kernel on {QUESTIONS} random flag questions"),
        differential,
    );
}

/// xorshift64*: the questions only need to be varied and reproducible
/// from the printed seed.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// A syscall, up to four named flags (now and then an arbitrary bit), and
/// an exit signal (mostly SIGCHLD, sometimes any byte, valid or not).
fn question(random: &mut Random) -> (Syscall, CloneFlags, u64) {
    let calls = [
        Syscall::Clone,
        Syscall::Clone3,
        Syscall::Unshare,
        Syscall::Setns,
    ];
    let call = calls[random.below(4) as usize];
    let named: u64 = CloneFlags::ALL.bits();
    let mut bits = 0;
    for _ in 0..random.below(5) {
        let pick = random.below(u64::from(named.count_ones()));
        let bit = (0..64).filter(|b| named >> b & 1 != 0).nth(pick as usize);
        bits |= bit.map_or(0, |b| 1 << b);
    }
    if random.below(8) == 0 {
        bits |= 1 << random.below(64);
    }
    let exit_signal = match random.below(4) {
        0 => random.below(70),
        _ => u64::from(linux_raw_sys::general::SIGCHLD),
    };
    (call, CloneFlags::from_bits_retain(bits), exit_signal)
}

fn differential() -> Outcome {
    let Ok(page) = sys::shared_page() else {
        fail!("mmap a shared page")
    };
    let cgroup = match sys::open_dir(c"/sys/fs/cgroup/nsclone-vm") {
        Ok(fd) => fd,
        Err(err) => fail!("open the cgroup: {err}"),
    };
    let mut oracle = Oracle::new(page, cgroup);
    let kernel = oracle.kernel;
    let seed = sys::monotonic_ns() as u64 | 1;
    say!(
        "  kernel {}.{}, privileged {}, seed {seed:#x}",
        kernel.0,
        kernel.1,
        oracle.privileged
    );
    let mut random = Random(seed);
    let (mut accepted, mut disagreements) = (0, 0);
    for _ in 0..QUESTIONS {
        let (call, flags, exit_signal) = question(&mut random);
        let verdict = oracle.compare(call, flags, exit_signal);
        accepted += u32::from(verdict.kernel.is_ok());
        if verdict.disagrees() {
            disagreements += 1;
            report("DISAGREEMENT", &verdict);
        } else if let Some(why) = verdict.explained {
            if oracle.times_explained(why) == 1 {
                report("documented difference", &verdict);
            }
        }
    }
    say!("  {accepted} of {QUESTIONS} accepted by the kernel");
    ensure!(
        disagreements == 0,
        "{disagreements} questions answered differently (seed {seed:#x})"
    );
    Ok(())
}

fn report(what: &str, v: &Verdict) {
    let kernel = v.kernel.map_or_else(|e| e.name(), |()| "accepts");
    let check = v.check.map_or_else(|e| e.rule().message(), |()| "accepts");
    say!(
        "  {what} {:?}: {:?} {:#x} ({}) exit_signal {}: kernel {kernel}, check {check}",
        v.explained,
        v.call,
        v.flags.bits(),
        v.flags,
        v.exit_signal
    );
}
