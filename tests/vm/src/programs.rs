//! Starting the payload programs (`/bin/nsrun`, busybox) with `Spawn::exec`.

use core::ffi::CStr;
use core::ptr;
use nsclone::{
    CStrArray, Child, CloneFlags, Errno, ExitStatus, MmapStack, Result, Spawn, EXEC_STACK,
};

/// The environment every program gets; the test binaries learn from
/// `NSCLONE_VM_TIER` that they run on one emulated CPU.
const ENV: [&CStr; 2] = [c"PATH=/bin", c"NSCLONE_VM_TIER=1"];

/// A command line; `argv[0]` is the program's path.
pub struct Program<'a> {
    argv: &'a [&'a CStr],
}

impl<'a> Program<'a> {
    pub const fn new(argv: &'a [&'a CStr]) -> Program<'a> {
        Program { argv }
    }

    /// Starts it vfork-style; returns once it runs (exec errors come back).
    pub fn start(&self) -> Result<Child> {
        self.start_with(Spawn::new(CloneFlags::empty()))
    }

    /// Starts it through `request`'s `exec`.
    pub fn start_with(&self, request: Spawn<'_>) -> Result<Child> {
        let path = self.argv.first().ok_or(Errno::EINVAL)?;
        let mut argv_ptrs = [ptr::null(); 16];
        let argv = CStrArray::new(self.argv, &mut argv_ptrs)?;
        let mut env_ptrs = [ptr::null(); ENV.len() + 1];
        let envp = CStrArray::new(&ENV, &mut env_ptrs)?;
        // The child runs on it only until its execve: free to drop after.
        let mut stack = MmapStack::new(EXEC_STACK)?;
        request
            .exec(stack.as_mut_slice(), path, argv, envp)
            .map_err(|err| err.errno())
    }
}

/// Runs `program` to its end.
pub fn run_program(program: &Program<'_>) -> Result<ExitStatus> {
    program.start()?.wait()
}
