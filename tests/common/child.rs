//! Child processes for the multi-process tests: this test binary re-run with one test selected,
//! its output going to files, every wait bounded by a watchdog so a hang fails the test instead
//! of blocking CI.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// How long a child may run before the test kills it and fails.
pub const WATCHDOG: Duration = Duration::from_secs(60);

/// This test binary, running only test `entry` (the child's entry point), without stdin.
pub fn this_test(entry: &str) -> Command {
    let mut command = Command::new(std::env::current_exe().unwrap());
    command.args([entry, "--exact", "--nocapture", "--test-threads=1"]).stdin(Stdio::null());
    command
}

/// A running child process.
pub struct Child {
    process: std::process::Child,
    stdout: PathBuf,
    stderr: PathBuf,
    pub started: Instant,
}

/// How a child ended.
pub struct Ended {
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
}

impl Ended {
    /// Killed by SIGKILL (by the parent or by itself at a fault point).
    #[cfg(unix)]
    pub fn killed(&self) -> bool {
        use std::os::unix::process::ExitStatusExt;
        self.status.signal() == Some(9)
    }

    /// Killed (by the parent or by itself at a fault point): elsewhere, any failure.
    #[cfg(not(unix))]
    pub fn killed(&self) -> bool {
        !self.status.success()
    }
}

impl std::fmt::Display for Ended {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "child {}\n--- stdout\n{}--- stderr\n{}", self.status, self.stdout, self.stderr)
    }
}

impl Child {
    /// Spawns `command` with its stdout and stderr in new files in folder `logs`.
    pub fn spawn(mut command: Command, logs: &Path) -> Child {
        static COUNT: AtomicUsize = AtomicUsize::new(0);
        let n = COUNT.fetch_add(1, Ordering::Relaxed);
        let stdout = logs.join(format!("child-{n}.out"));
        let stderr = logs.join(format!("child-{n}.err"));
        command
            .stdout(std::fs::File::create(&stdout).unwrap())
            .stderr(std::fs::File::create(&stderr).unwrap());
        Child { process: command.spawn().unwrap(), stdout, stderr, started: Instant::now() }
    }

    /// The child's process id.
    pub fn id(&self) -> u32 {
        self.process.id()
    }

    /// Whether the child has ended.
    pub fn exited(&mut self) -> bool {
        self.process.try_wait().unwrap().is_some()
    }

    /// Waits until `ready` holds; fails if the child ends first or the watchdog expires.
    pub fn wait_until(&mut self, what: &str, mut ready: impl FnMut() -> bool) {
        while !ready() {
            if self.exited() {
                panic!("the child ended before {what}:\n{}", self.ended());
            }
            if self.started.elapsed() > WATCHDOG {
                let _ = self.process.kill();
                panic!("the child did not reach {what} in {WATCHDOG:?}:\n{}", self.ended());
            }
            std::thread::sleep(Duration::from_micros(200));
        }
    }

    /// Waits until the child's stdout contains `text`.
    pub fn wait_for_output(&mut self, text: &str) {
        let path = self.stdout.clone();
        self.wait_until(&format!("printing {text:?}"), || {
            std::fs::read_to_string(&path).unwrap().contains(text)
        });
    }

    /// Waits for the child to end; kills it and fails if the watchdog expires first.
    pub fn wait(mut self) -> Ended {
        while !self.exited() {
            if self.started.elapsed() > WATCHDOG {
                let _ = self.process.kill();
                panic!("the child hung for {WATCHDOG:?}:\n{}", self.ended());
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        self.ended()
    }

    /// SIGKILL, then waits.
    pub fn kill(mut self) -> Ended {
        self.process.kill().unwrap();
        self.wait()
    }

    fn ended(&mut self) -> Ended {
        Ended {
            status: self.process.wait().unwrap(),
            stdout: std::fs::read_to_string(&self.stdout).unwrap(),
            stderr: std::fs::read_to_string(&self.stderr).unwrap(),
        }
    }
}
