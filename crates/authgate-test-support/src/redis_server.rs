//! Stopping and starting the machine's local Redis server, for tests of what an app sees
//! when Redis restarts. The server keeps nothing on disk, so a restart wipes it.

use std::process::Command;
use std::time::{Duration, Instant};

/// Whether the local Redis server at `url` can be restarted by [`restart_redis`]: the one
/// on 127.0.0.1:6379, with `redis-server` and `redis-cli` installed. `Err` says why not.
pub fn restartable_redis(url: &str) -> Result<(), String> {
    let local = ["redis://127.0.0.1:6379", "redis://localhost:6379"]
        .iter()
        .any(|u| url.trim_end_matches('/') == *u);
    if !local {
        return Err(format!("REDIS_URL is not the local server on 6379 ({url})"));
    }
    for tool in ["redis-server", "redis-cli"] {
        let found = Command::new(tool)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success());
        if !found {
            return Err(format!("{tool} is not installed"));
        }
    }
    Ok(())
}

/// Shuts the server at `url` down without saving (`SHUTDOWN NOSAVE`). Panics when
/// `redis-cli` fails.
pub fn stop_redis(url: &str) {
    let status = Command::new("redis-cli")
        .args(["-u", url, "shutdown", "nosave"])
        .status()
        .expect("redis-cli");
    assert!(status.success(), "redis-cli shutdown nosave");
}

/// Starts the local server with the machine's command (nothing kept on disk) and waits
/// until it answers `PING` (at most 20 s). Panics when it does not.
pub fn start_redis() {
    let status = Command::new("redis-server")
        .args([
            "--daemonize",
            "yes",
            "--bind",
            "127.0.0.1",
            "-::1",
            "--port",
            "6379",
        ])
        .args([
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            "/var/lib/redis",
        ])
        .args(["--logfile", "/var/log/redis/ci.log"])
        .status()
        .expect("redis-server");
    assert!(status.success(), "redis-server did not start");
    let start = Instant::now();
    while !Command::new("redis-cli")
        .arg("ping")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "PONG")
    {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "Redis did not answer"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// [`stop_redis`] then [`start_redis`].
pub fn restart_redis(url: &str) {
    stop_redis(url);
    start_redis();
}
