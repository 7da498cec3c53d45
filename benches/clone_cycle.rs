//! Item 1 of the benchmarks: a create+exit+reap cycle of a fork-like child on
//! its own stack, nsclone's `clone` and `spawn` beside glibc's `clone`,
//! `nix::sched::clone` and `fork`, all in the same rounds.
//!
//! `cargo bench --bench clone_cycle [-- --rounds N --batch-ms N]`

mod common;

use common::cycle::{self, STACK};
use common::race::{race, Contender, Plan};
use common::stats::{ratios, Spread};
use common::table::{self, Table};
use nsclone::{CloneFlags, MmapStack};
use std::cell::RefCell;

fn main() {
    let plan = Plan::from_args(201, 10);
    let mut stack = MmapStack::new(STACK).expect("mmap a stack");
    let stack = RefCell::new(stack.as_mut_slice());
    let mut contenders = cycle::clone_contenders(CloneFlags::empty(), &stack);
    contenders.push(Contender::timed("`nix::sched::clone`", || {
        cycle::nix_clone(&mut stack.borrow_mut())
    }));
    contenders.push(Contender::timed("glibc `fork()`", cycle::fork));
    let samples = race(&mut contenders, &plan);

    println!(
        "### Create+exit+reap cycle, fork-like child ({} rounds)\n",
        plan.rounds
    );
    let mut out = Table::new(&["API", "median", "p10–p90", "time ÷ glibc clone (p10–p90)"]);
    for (contender, times) in contenders.iter().zip(&samples) {
        let spread = Spread::of(times);
        out.row(vec![
            contender.name.clone(),
            table::median(spread),
            table::range(spread),
            table::ratio(Spread::of(&ratios(times, &samples[0]))),
        ]);
    }
    out.print();
}
