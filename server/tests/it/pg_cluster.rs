//! A PostgreSQL cluster of the test's own, which it may stop and start again (the suite's shared
//! one must stay up for the other tests). Started the way `scripts/with-postgres.sh` starts its
//! cluster: initdb in a temporary directory, trust auth, loopback only, durability off; as root
//! (CI) the cluster belongs to and runs as `nobody`, since PostgreSQL refuses to run as root.

use std::{
    path::{Path, PathBuf},
    process::Command,
};

pub struct Cluster {
    dir: tempfile::TempDir,
    bin: PathBuf,
    port: u16,
}

impl Cluster {
    /// A new cluster, started.
    pub fn start_new() -> Self {
        let bin = server_binaries();
        let dir = tempfile::Builder::new().prefix("canopy-pg-own-").tempdir().expect("temp dir");
        let port = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a free port").port();
        let cluster = Self { dir, bin, port };
        if let Some(uid) = cluster.owner_uid() {
            std::os::unix::fs::chown(cluster.dir.path(), Some(uid), None).expect("the cluster directory is given to nobody");
        }
        cluster.run(&format!("'{}' -D '{}' -U postgres -A trust --no-sync", cluster.bin.join("initdb").display(), cluster.data().display()));
        cluster.start();
        cluster
    }

    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    pub fn start(&self) {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off",
            self.port,
            self.dir.path().display()
        );
        self.run(&format!(
            "'{}' -D '{}' -o '{options}' -l '{}' -w start",
            self.bin.join("pg_ctl").display(),
            self.data().display(),
            self.dir.path().join("log").display()
        ));
    }

    /// Stops the server (`fast`: sessions are ended, as on an ordinary shutdown) and waits until
    /// it is down.
    pub fn stop(&self) {
        self.run(&format!("'{}' -D '{}' -m fast -w stop", self.bin.join("pg_ctl").display(), self.data().display()));
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// `nobody`'s uid when the tests run as root.
    fn owner_uid(&self) -> Option<u32> {
        let me = Command::new("id").arg("-u").output().ok()?;
        if String::from_utf8_lossy(&me.stdout).trim() != "0" {
            return None;
        }
        let nobody = Command::new("id").args(["-u", "nobody"]).output().ok()?;
        String::from_utf8_lossy(&nobody.stdout).trim().parse().ok()
    }

    /// Runs a shell command as the cluster's owner, from its directory; panics with its output
    /// when it fails.
    fn run(&self, command: &str) {
        let output = self.as_owner(command).expect("the PostgreSQL tools run");
        let log = std::fs::read_to_string(self.dir.path().join("log")).unwrap_or_default();
        assert!(
            output.status.success(),
            "{command} failed: {}{}\n{log}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }

    fn as_owner(&self, command: &str) -> std::io::Result<std::process::Output> {
        let in_dir = format!("cd '{}' && {command}", self.dir.path().display());
        match self.owner_uid() {
            Some(_) => Command::new("su").args(["-s", "/bin/bash", "nobody", "-c", &in_dir]).output(),
            None => Command::new("bash").args(["-c", &in_dir]).output(),
        }
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = self.as_owner(&format!("'{}' -D '{}' -m immediate -w stop", self.bin.join("pg_ctl").display(), self.data().display()));
    }
}

/// PostgreSQL 15's server binaries (what the machines install), or the newest installed.
fn server_binaries() -> PathBuf {
    let preferred = Path::new("/usr/lib/postgresql/15/bin");
    if preferred.join("initdb").exists() {
        return preferred.to_path_buf();
    }
    let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|dirs| dirs.filter_map(|d| d.ok()).map(|d| d.path().join("bin")).filter(|bin| bin.join("initdb").exists()).collect())
        .unwrap_or_default();
    found.sort();
    found.pop().expect("PostgreSQL's server binaries under /usr/lib/postgresql (bash scripts/setup.sh test installs them)")
}
