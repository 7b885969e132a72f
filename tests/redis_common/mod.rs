//! Private `redis-server` processes for the Redis tests that need to stop,
//! restart or cluster a server (`tests/redis_outage.rs`,
//! `tests/redis_cluster.rs`).
#![allow(dead_code, unreachable_pub, missing_docs)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// Whether `redis-server` (and `redis-cli`) can run here. Missing: skipped
/// with a printed reason, except with `CI=true`, where it panics.
pub fn available(test: &str) -> bool {
    let runs = |bin: &str| {
        Command::new(bin)
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    let found = runs("redis-server") && runs("redis-cli");
    if !found {
        assert!(
            !std::env::var("CI").is_ok_and(|v| v == "true"),
            "CI=true but redis-server/redis-cli are not installed"
        );
        eprintln!("SKIPPED {test}: redis-server or redis-cli not found on PATH");
    }
    found
}

/// A loopback port nobody listens on (bind, learn the port, close), and, for
/// a cluster node, whose bus port (+10000) is free too.
pub fn spare_port(with_bus: bool) -> u16 {
    loop {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        if !with_bus {
            return port;
        }
        if let Some(bus) = port.checked_add(10_000) {
            if std::net::TcpListener::bind(("127.0.0.1", bus)).is_ok() {
                return port;
            }
        }
    }
}

/// A private `redis-server`, killed when dropped.
pub struct Server {
    child: Option<Child>,
    pub port: u16,
    dir: PathBuf,
    extra: Vec<String>,
}

impl Server {
    /// Start one on `port` with its files in `dir` and `extra` arguments;
    /// returns once it answers `PING`.
    pub fn start(port: u16, dir: &Path, extra: &[&str]) -> Self {
        let child = Command::new("redis-server")
            .args(["--bind", "127.0.0.1", "--port", &port.to_string()])
            .args(["--save", ""])
            .arg("--dir")
            .arg(dir)
            .args(extra)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let s = Self {
            child: Some(child),
            port,
            dir: dir.to_owned(),
            extra: extra.iter().map(|s| (*s).to_owned()).collect(),
        };
        for _ in 0..200 {
            if s.ping() {
                return s;
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        panic!("redis-server did not come up on port {port}");
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    pub fn ping(&self) -> bool {
        self.cli(&["PING"]).is_some_and(|o| o.trim() == "PONG")
    }

    /// `redis-cli -p PORT args...`: its stdout, if it ran.
    pub fn cli(&self, args: &[&str]) -> Option<String> {
        let out = Command::new("redis-cli")
            .args(["-h", "127.0.0.1", "-p", &self.port.to_string()])
            .args(args)
            .stderr(Stdio::null())
            .output()
            .ok()?;
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// Kill it (SIGKILL: an outage, not a shutdown).
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            c.kill().unwrap();
            c.wait().unwrap();
        }
    }

    /// Kill it and start it again on the same port, directory and options.
    pub fn restart(&mut self) {
        self.kill();
        let extra: Vec<&str> = self.extra.iter().map(String::as_str).collect();
        *self = Self::start(self.port, &self.dir.clone(), &extra);
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(c) = self.child.as_mut() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}
