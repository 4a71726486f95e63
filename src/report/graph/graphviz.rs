//! Drawing DOT with Graphviz: finding `dot` on PATH and running
//! `dot -Tsvg` with a time limit (the child is killed and reaped when it
//! runs out).

use std::env;
use std::io::{self, Read, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

/// How long Graphviz may take before the built-in layout is used instead.
/// Graphs that [`super::graphviz_can_draw`] lets through take well under a
/// second; this only stops what the estimate missed.
pub const TIMEOUT: Duration = Duration::from_secs(5);

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

/// Runs `dot -Tsvg` on `dot_text` and returns the SVG; stops it after
/// `timeout`.
pub fn render(dot_text: &[u8], timeout: Duration) -> io::Result<Vec<u8>> {
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
        if start.elapsed() > timeout {
            // Our own child: stop it and reap it; its pipes close, so the
            // threads finish on their own.
            let _ = child.kill();
            let _ = child.wait();
            return Err(io::Error::new(
                io::ErrorKind::TimedOut,
                format!("dot took longer than {} s", timeout.as_secs_f64()),
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
