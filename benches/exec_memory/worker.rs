//! A worker process for one parent size: it touches that much anonymous
//! memory, then runs the batches its coordinator asks for on stdin (`way
//! iterations`) and answers each with the nanoseconds they took, so every
//! size can take its turn in the same rounds.

use super::start::Way;
use nsclone::MmapStack;
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

const WORKER_ARG: &str = "--worker";

/// The worker's end, as its coordinator holds it.
pub struct Worker {
    process: Child,
    /// `None` once closed, which ends the worker.
    requests: Option<ChildStdin>,
    answers: BufReader<ChildStdout>,
}

impl Worker {
    /// Starts a worker with `gib` GiB of touched memory; [`Worker::wait_ready`]
    /// waits until it is touched, so that several workers touch at once.
    pub fn start(gib: u64) -> Worker {
        let mut process = Command::new(std::env::current_exe().expect("own path"))
            .args([WORKER_ARG, &gib.to_string()])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("start a worker");
        let requests = process.stdin.take();
        let answers = BufReader::new(process.stdout.take().expect("piped stdout"));
        Worker {
            process,
            requests,
            answers,
        }
    }

    pub fn wait_ready(&mut self) {
        assert_eq!(self.answer(), "ready", "worker failed to start");
    }

    /// Runs `iters` starts of `way` in the worker.
    pub fn batch(&mut self, way: Way, iters: u32) -> Duration {
        let requests = self.requests.as_mut().expect("a running worker");
        writeln!(requests, "{} {iters}", way as usize).expect("ask the worker");
        Duration::from_nanos(self.answer().parse().expect("nanoseconds"))
    }

    fn answer(&mut self) -> String {
        let mut line = String::new();
        self.answers.read_line(&mut line).expect("worker's answer");
        line.trim_end().to_owned()
    }
}

impl Drop for Worker {
    /// Closing its stdin ends the worker; it is reaped here.
    fn drop(&mut self) {
        drop(self.requests.take());
        let _ = self.process.wait();
    }
}

/// The memory size a worker was started for, if this process is one.
pub fn requested() -> Option<u64> {
    let mut args = std::env::args().skip(1);
    (args.next()? == WORKER_ARG).then(|| args.next()?.parse().ok())?
}

/// The worker's side: touch `gib` GiB, answer "ready", then serve batches
/// until stdin closes.
pub fn serve(gib: u64) {
    let _memory = touch(gib << 30);
    let mut stack = MmapStack::new(64 * 1024).expect("mmap a stack");
    let mut out = std::io::stdout().lock();
    writeln!(out, "ready").expect("answer");
    for line in std::io::stdin().lock().lines() {
        let line = line.expect("request");
        let mut words = line
            .split_whitespace()
            .map(|w| w.parse::<usize>().expect("number"));
        let (Some(way), Some(iters)) = (words.next(), words.next()) else {
            panic!("bad request {line:?}");
        };
        let way = Way::ALL[way];
        let start = Instant::now();
        for _ in 0..iters {
            way.run(stack.as_mut_slice());
        }
        // Stdout is line-buffered: the answer goes out with its newline.
        writeln!(out, "{}", start.elapsed().as_nanos()).expect("answer");
    }
}

/// Maps `len` bytes of private anonymous memory in 4 KiB pages (no
/// transparent huge pages, as a heap grown piece by piece has them) and
/// writes to each page, so each has a page table entry that fork copies.
fn touch(len: u64) -> Option<&'static mut [u8]> {
    let len = usize::try_from(len).ok().filter(|&len| len > 0)?;
    // SAFETY: a fresh anonymous mapping, no address hint; checked below.
    let base = unsafe {
        libc::mmap(
            core::ptr::null_mut(),
            len,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
            -1,
            0,
        )
    };
    assert_ne!(base, libc::MAP_FAILED, "mmap {len} bytes");
    // SAFETY: advice on our own fresh mapping.
    unsafe { libc::madvise(base, len, libc::MADV_NOHUGEPAGE) };
    // SAFETY: the mapping is ours, read-write, `len` bytes, and never unmapped.
    let memory = unsafe { core::slice::from_raw_parts_mut(base.cast::<u8>(), len) };
    for page in memory.chunks_mut(4096) {
        page[0] = 1;
    }
    Some(memory)
}
