//! Item 2 of the benchmarks: the create+exit+reap cycle with no namespace,
//! each namespace kind alone and all together, nsclone's `clone` and `spawn`
//! beside glibc's `clone`: the wrapper's cost next to the kernel's work.
//! Needs root.
//!
//! `CLONE_NEWTIME` does not fit legacy clone's flags word: both `clone`s get
//! it by unshare(2) of the caller first (its `time_for_children`, restored at
//! the end), `spawn` by clone3.
//!
//! `cargo bench --bench namespace_cycle [-- --rounds N --batch-ms N]`

mod common;

use common::cycle::{self, STACK};
use common::race::{race, Plan};
use common::stats::{ratios, Spread};
use common::table::{self, Table};
use nsclone::{CloneFlags, MmapStack, Namespace};
use std::cell::RefCell;

fn main() {
    if !common::is_root() {
        common::skip(
            "namespace_cycle",
            "needs root to create every namespace kind",
        );
    }
    let plan = Plan::from_args(61, 10);
    let own_time =
        nsclone::open_ns(std::process::id() as i32, Namespace::Time).expect("open time ns");
    let mut stack = MmapStack::new(STACK).expect("mmap a stack");
    let stack = RefCell::new(stack.as_mut_slice());

    println!(
        "### Each namespace kind, create+exit+reap cycle ({} rounds)\n",
        plan.rounds
    );
    let mut out = Table::new(&[
        "namespaces",
        "glibc `clone()`",
        "nsclone `clone`",
        "÷ glibc (p10–p90)",
        "nsclone `spawn`",
        "÷ glibc (p10–p90)",
    ]);
    let all = Namespace::ALL
        .iter()
        .fold(CloneFlags::empty(), |all, ns| all | ns.flag());
    let kinds = Namespace::ALL.iter().map(|ns| (ns.proc_name(), ns.flag()));
    let rows = [("none", CloneFlags::empty())].into_iter().chain(kinds);
    for (name, flags) in rows.chain([("all eight", all)]) {
        let mut contenders = cycle::clone_contenders(flags, &stack);
        let samples = race(&mut contenders, &plan);
        let spread = |i: usize| Spread::of(&samples[i]);
        let versus_glibc = |i: usize| table::ratio(Spread::of(&ratios(&samples[i], &samples[0])));
        out.row(vec![
            name.to_owned(),
            table::median(spread(0)),
            table::median(spread(1)),
            versus_glibc(1),
            table::median(spread(2)),
            versus_glibc(2),
        ]);
    }
    nsclone::setns(&own_time, CloneFlags::NEWTIME).expect("back to our time namespace");
    out.print();
}
