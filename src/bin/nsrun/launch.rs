//! Inside the new namespaces: mount propagation, hostname, /proc, root and
//! working directory, then the program, found on PATH like execvp does.

use crate::args::{Args, CStrRef};
use crate::options::{Options, Propagation};
use crate::report::{fail, Line};
use crate::supervise;
use crate::sys::{self, SigSet};
use core::ffi::{c_char, c_int};
use core::sync::atomic::AtomicI32;
use linux_raw_sys::general as k;
use nsclone::{execvpe, CStrArray, CloneFlags, Errno, StaticStack};

/// What every process nsrun creates needs to know.
pub struct Launch<'a> {
    pub options: &'a Options,
    pub args: &'a Args,
    /// The namespaces nsrun's first child was created in (none when joining).
    pub created: CloneFlags,
    /// The signal mask to give the program.
    pub program_mask: SigSet,
    /// A pidfd of nsrun itself, with `--kill-child`.
    pub parent: Option<c_int>,
    /// Where an init records how the program ended, for nsrun outside.
    pub status: &'static AtomicI32,
}

/// The stack of the program when an init runs before it.
static PROGRAM_STACK: StaticStack<{ 128 * 1024 }> = StaticStack::new();

impl<'a> Launch<'a> {
    /// `part` as a child's closure: one closure type for both children
    /// nsrun creates, so the library's per-closure entry (`run_closure`)
    /// is compiled once (two plain closures cost about 0.3 KiB more).
    pub fn in_child(&self, part: fn(&Launch<'a>) -> c_int) -> impl FnOnce() -> c_int + use<'_, 'a> {
        move || part(self)
    }

    /// The first process in the new namespaces: prepares them; then, as PID
    /// 1 of a new PID namespace, starts the program and stays its init;
    /// otherwise becomes the program.
    pub fn first_process(&self) -> c_int {
        let options = self.options;
        if let Some(signal) = options.kill_child {
            if let Err(err) = sys::prctl(sys::PR_SET_PDEATHSIG, signal as usize) {
                fail(b"cannot set the parent death signal", err);
            }
            // nsrun may have died before the death signal was armed.
            if self.parent.is_some_and(sys::has_exited) {
                sys::exit_group(128 + signal);
            }
        }
        self.prepare_mounts();
        if let Some(name) = options.hostname {
            if let Err(err) = sys::sethostname(name.bytes()) {
                fail(b"cannot set the hostname", err);
            }
        }
        if !self.created.contains(CloneFlags::NEWPID) {
            return self.program();
        }
        // Taken in this process's copy of nsrun's memory: nsrun never takes it.
        let Some(stack) = PROGRAM_STACK.take() else {
            fail(b"stack already taken", Errno::EBUSY)
        };
        // SAFETY: as for nsrun's first child: raw syscalls only, no C library.
        let program =
            unsafe { nsclone::spawn(CloneFlags::empty(), stack, self.in_child(Launch::program)) };
        match program {
            Ok(child) => {
                let ended = supervise::wait_for(child.pid());
                supervise::record(self.status, ended);
                supervise::end_like(ended)
            }
            Err(err) => fail(b"cannot start the program", err.errno()),
        }
    }

    fn prepare_mounts(&self) {
        let options = self.options;
        if !self.created.contains(CloneFlags::NEWNS) {
            return;
        }
        let flag = match options.propagation {
            Propagation::Private => k::MS_PRIVATE,
            Propagation::Slave => k::MS_SLAVE,
            Propagation::Shared => k::MS_SHARED,
            Propagation::Unchanged => return,
        };
        if let Err(err) = sys::mount(None, c"/", None, k::MS_REC | flag, None) {
            fail(b"cannot change the propagation of /", err);
        }
    }

    /// The program's own process: root, directory, /proc, mask, then execve.
    fn program(&self) -> c_int {
        let options = self.options;
        if let Some(root) = options.root {
            if let Err(err) = sys::chroot(root.as_cstr()).and_then(|()| sys::chdir(c"/")) {
                fail_on(b"cannot change root to ", root, err);
            }
        }
        if let Some(wd) = options.wd {
            if let Err(err) = sys::chdir(wd.as_cstr()) {
                fail_on(b"cannot change directory to ", wd, err);
            }
        }
        if let Some(dir) = options.mount_proc {
            let proc_flags = k::MS_NOSUID | k::MS_NODEV | k::MS_NOEXEC;
            if let Err(err) = sys::mount(
                Some(c"proc"),
                dir.as_cstr(),
                Some(c"proc"),
                proc_flags,
                None,
            ) {
                fail_on(b"cannot mount proc on ", dir, err);
            }
        }
        sys::set_mask(self.program_mask);
        let err = self.exec();
        let name = self.args.get(self.options.program).unwrap_or(self.shell());
        Line::new()
            .text(b"failed to execute ")
            .text(name.bytes())
            .text(b": ")
            .errno(err)
            .send();
        if err == Errno::ENOENT {
            127
        } else {
            126
        }
    }

    fn shell(&self) -> CStrRef {
        self.args
            .env(b"SHELL")
            .filter(|s| !s.bytes().is_empty())
            .unwrap_or(CStrRef::from_static(c"/bin/sh"))
    }

    /// execve of the program (or the shell), searching PATH for a bare name.
    fn exec(&self) -> Errno {
        let mut shell_argv: [*const c_char; 2] = [core::ptr::null(); 2];
        let (name, argv) = match self.args.get(self.options.program) {
            Some(name) => (name, self.args.argv_from(self.options.program)),
            None => {
                let shell = self.shell();
                shell_argv[0] = shell.as_cstr().as_ptr();
                (shell, &shell_argv[..])
            }
        };
        // SAFETY: argv (from the kernel's, or built above) and envp are
        // null-terminated arrays of strings that live for the process.
        let (argv, envp) = unsafe {
            (
                CStrArray::from_ptrs(argv),
                CStrArray::from_ptrs(self.args.envp()),
            )
        };
        let (Ok(argv), Ok(envp)) = (argv, envp) else {
            return Errno::EINVAL;
        };
        execvpe(name.as_cstr(), argv, envp)
    }
}

/// `nsrun: <what><path>: <ERRNO>: <text>`, exit status 1.
fn fail_on(what: &[u8], path: CStrRef, err: Errno) -> ! {
    Line::new()
        .text(what)
        .text(path.bytes())
        .text(b": ")
        .errno(err)
        .send();
    sys::exit_group(1)
}
