//! Drawing DOT with Graphviz: finding `dot` on PATH and running
//! `dot -Tsvg` with a time limit.

use std::env;
use std::io::{self, Read, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

/// How long Graphviz may take before the built-in layout is used instead.
const TIMEOUT: Duration = Duration::from_secs(60);

/// `dot` on PATH, if there is one.
pub fn find() -> Option<PathBuf> {
    let path = env::var_os("PATH")?;
    env::split_paths(&path)
        .map(|dir| dir.join("dot"))
        .find(|p| is_executable(p))
}

/// Whether Graphviz's `dot` is on PATH.
pub fn available() -> bool {
    find().is_some()
}

fn is_executable(p: &std::path::Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    p.metadata()
        .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// Runs `dot -Tsvg` on `dot_text` and returns the SVG.
pub fn render(dot_text: &[u8]) -> io::Result<Vec<u8>> {
    let program = find().ok_or_else(|| io::Error::other("dot is not on PATH"))?;
    let mut child = Command::new(&program)
        .arg("-Tsvg")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    let mut stdin = child
        .stdin
        .take()
        .ok_or_else(|| io::Error::other("no stdin"))?;
    let input = dot_text.to_vec();
    let writer = thread::spawn(move || stdin.write_all(&input));
    let mut stdout = child
        .stdout
        .take()
        .ok_or_else(|| io::Error::other("no stdout"))?;
    let reader = thread::spawn(move || {
        let mut buf = Vec::new();
        stdout.read_to_end(&mut buf).map(|_| buf)
    });
    let mut stderr = child
        .stderr
        .take()
        .ok_or_else(|| io::Error::other("no stderr"))?;
    let err_reader = thread::spawn(move || {
        let mut buf = String::new();
        let _ = stderr.read_to_string(&mut buf);
        buf
    });

    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if start.elapsed() > TIMEOUT {
            // Our own child: stop it, and let the threads see the pipes close.
            let _ = child.kill();
            let _ = child.wait();
            return Err(io::Error::new(
                io::ErrorKind::TimedOut,
                format!("dot took longer than {} s", TIMEOUT.as_secs()),
            ));
        }
        thread::sleep(Duration::from_millis(5));
    };
    let written = writer
        .join()
        .map_err(|_| io::Error::other("writer panicked"))?;
    let svg = reader
        .join()
        .map_err(|_| io::Error::other("reader panicked"))??;
    let messages = err_reader.join().unwrap_or_default();
    if !status.success() {
        let first = messages.lines().next().unwrap_or("").trim();
        return Err(io::Error::other(format!("dot failed ({status}): {first}")));
    }
    written?;
    if svg.is_empty() {
        return Err(io::Error::other("dot wrote nothing"));
    }
    Ok(svg)
}
