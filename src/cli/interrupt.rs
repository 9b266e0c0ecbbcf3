//! Ctrl-C (SIGINT) and SIGTERM (Slurm's scancel) for long commands
//! (`cdnsim run` and `cdnsim sweep` share this one handler): the first one asks the run to stop at
//! its next progress check (the engine's observer returns
//! [`crate::engine::Control::Stop`]), so nothing half-written is left; a
//! second one exits at once (code 130).
//!
//! The handler only stores to an atomic flag (async-signal-safe). Unix
//! only; elsewhere [`install`] does nothing and Ctrl-C kills the process
//! (the run folder is still never half-written: see `output::RunDir`).

use std::sync::atomic::{AtomicBool, Ordering};

static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// Exit code of a run stopped by Ctrl-C (128 + SIGINT, as shells report).
pub const EXIT_INTERRUPTED: i32 = 130;

/// The flag itself, for code that waits on an `AtomicBool` (sweeps; a
/// failed sweep point also sets it to stop the other points).
pub fn flag() -> &'static AtomicBool {
    &INTERRUPTED
}

/// Whether Ctrl-C was pressed since [`install`].
pub fn interrupted() -> bool {
    INTERRUPTED.load(Ordering::Relaxed)
}

#[cfg(unix)]
#[allow(unsafe_code)]
extern "C" fn on_sigint(_: libc::c_int) {
    if INTERRUPTED.swap(true, Ordering::Relaxed) {
        // Second Ctrl-C: the user insists. `_exit` is async-signal-safe.
        unsafe { libc::_exit(EXIT_INTERRUPTED) };
    }
}

/// Installs the SIGINT and SIGTERM handler (once per process is enough; idempotent).
#[allow(unsafe_code)]
pub fn install() {
    #[cfg(unix)]
    {
        let handler = on_sigint as extern "C" fn(libc::c_int);
        // SAFETY: the handler only touches an atomic and calls `_exit`,
        // both async-signal-safe.
        unsafe {
            libc::signal(libc::SIGINT, handler as libc::sighandler_t);
            libc::signal(libc::SIGTERM, handler as libc::sighandler_t);
        }
    }
}
