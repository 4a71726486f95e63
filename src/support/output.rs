//! Where a report's bytes go: the given writer (stdout), or the file named by
//! `-o`, written as a careful Unix tool writes it. A regular file (or a new
//! one) is replaced atomically: the report goes to a temporary file beside
//! it, created exclusively under an unpredictable name, given the target's
//! permissions (and owner, when allowed), removed on failure or on SIGINT,
//! SIGTERM and SIGHUP, and renamed into place only when complete. A device,
//! FIFO or socket is written directly; a symlink is followed. Errors name the
//! target, never the temporary file.

use std::ffi::OsString;
use std::fs::{self, File, Metadata, OpenOptions, Permissions};
use std::io::{self, BufWriter, Write};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{FileTypeExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, Once, PoisonError};

use anyhow::anyhow;

use crate::input::Source;
use crate::support::usage::UsageError;

/// Runs `report` against `out`, or against the file `path` when one is given.
pub fn write_to(
    path: Option<&Path>,
    out: &mut dyn Write,
    report: impl FnOnce(&mut dyn Write) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let Some(path) = path else {
        return report(out);
    };
    // What the kernel finds at `path` decides; devices, FIFOs and sockets
    // are opened by `path` itself, so the links of /proc (`-o /dev/stdout`
    // onto a pipe) work as they do for the shell.
    let found = match fs::metadata(path) {
        Ok(m) => Some(m),
        Err(e) if e.kind() == io::ErrorKind::NotFound => None,
        Err(e) => return Err(cannot_write(path, e)),
    };
    match found {
        Some(m) if m.is_dir() => Err(anyhow!("{}: is a directory", path.display())),
        Some(m) if m.file_type().is_socket() => {
            let socket = UnixStream::connect(path).map_err(|e| cannot_write(path, e))?;
            fill(path, socket, report).map(drop)
        }
        Some(m) if !m.is_file() => {
            // A device or FIFO: written in place, as the shell's `>` would.
            let file = OpenOptions::new()
                .write(true)
                .open(path)
                .map_err(|e| cannot_write(path, e))?;
            fill(path, file, report).map(drop)
        }
        // A regular file, or none yet (perhaps at the end of a dangling
        // link): replaced where the links lead.
        _ => {
            let resolved = follow_links(path).map_err(|e| cannot_write(path, e))?;
            replace(path, &resolved, found.as_ref(), report)
        }
    }
}

/// Refuses an output file that is one of the inputs (the same path, or the
/// same file under another name), before anything is read or written.
/// `flag` is how the output was named (`-o`), `what` what the inputs are.
pub fn refuse_input(
    flag: &str,
    target: &Path,
    inputs: &[&Source],
    what: &str,
) -> Result<(), UsageError> {
    let target_file = fs::metadata(target).ok().filter(Metadata::is_file);
    let same_file = |m: &Metadata| {
        target_file
            .as_ref()
            .is_some_and(|t| m.is_file() && (t.dev(), t.ino()) == (m.dev(), m.ino()))
    };
    let is_target = |source: &&Source| match source {
        Source::Path(p) => p == target || fs::metadata(p).is_ok_and(|m| same_file(&m)),
        Source::Stdin => stdin_metadata().is_some_and(|m| same_file(&m)),
        Source::Url(_) => false,
    };
    if inputs.iter().any(is_target) {
        return Err(UsageError(format!(
            "{flag} {}: is {what}; write the output to another file",
            target.display()
        )));
    }
    Ok(())
}

/// What stdin is, when it is a file (`< heap.pb.gz`).
fn stdin_metadata() -> Option<Metadata> {
    use std::os::fd::AsFd;
    let fd = io::stdin().as_fd().try_clone_to_owned().ok()?;
    File::from(fd).metadata().ok()
}

/// `path` with symlinks followed to the file they finally name (which may
/// not exist yet).
fn follow_links(path: &Path) -> io::Result<PathBuf> {
    let mut path = path.to_path_buf();
    // As many links as the kernel follows (Linux's MAXSYMLINKS).
    for _ in 0..40 {
        match fs::symlink_metadata(&path) {
            Ok(m) if m.file_type().is_symlink() => {
                let link = fs::read_link(&path)?;
                // A relative link is relative to the link's directory.
                path = match path.parent() {
                    Some(dir) => dir.join(link),
                    None => link,
                };
            }
            Ok(_) => return Ok(path),
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(path),
            Err(e) => return Err(e),
        }
    }
    Err(io::Error::from_raw_os_error(libc::ELOOP))
}

/// Writes the report to a temporary file beside `resolved` and renames it
/// into place; `existing` is the regular file being replaced, if any.
fn replace(
    path: &Path,
    resolved: &Path,
    existing: Option<&Metadata>,
    report: impl FnOnce(&mut dyn Write) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let dir = match resolved.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let name = resolved
        .file_name()
        .ok_or_else(|| anyhow!("{}: not a file name", path.display()))?;
    // `.NAME.XXXXXX.tmp`, with NAME cut short so the whole stays a valid name.
    let mut prefix = OsString::from(".");
    prefix.push(std::ffi::OsStr::from_bytes(
        &name.as_bytes()[..name.len().min(128)],
    ));
    prefix.push(".");
    // A new file gets what `File::create` gives (0666 less the umask); a
    // replaced one gets its own mode below. O_EXCL: never through a symlink.
    let create_mode = if existing.is_some() { 0o600 } else { 0o666 };
    let (tmp, in_flight) = InFlight::create(|| {
        tempfile::Builder::new()
            .prefix(&prefix)
            .suffix(".tmp")
            .make_in(dir, |p| {
                OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .mode(create_mode)
                    .open(p)
            })
    })
    .map_err(|e| cannot_write(path, e))?;
    if let Some(old) = existing {
        keep_owner_and_mode(tmp.as_file(), old).map_err(|e| cannot_write(path, e))?;
    }
    let (file, tmp_path) = tmp.into_parts();
    let file = fill(path, file, report)?;
    file.sync_all().map_err(|e| cannot_write(path, e))?;
    drop(file);
    in_flight
        .persist(tmp_path, resolved)
        .map_err(|e| cannot_write(path, e))
}

/// Gives the temporary file the replaced file's owner and group (when the
/// system lets us: always as root, the group alone when we are in it) and
/// its permission bits (setuid, setgid and sticky bits are not copied).
fn keep_owner_and_mode(file: &File, old: &Metadata) -> io::Result<()> {
    let ours = file.metadata()?;
    if (ours.uid(), ours.gid()) != (old.uid(), old.gid())
        && std::os::unix::fs::fchown(file, Some(old.uid()), Some(old.gid())).is_err()
    {
        let _ = std::os::unix::fs::fchown(file, None, Some(old.gid()));
    }
    file.set_permissions(Permissions::from_mode(old.mode() & 0o777))
}

/// Runs the report into `sink` through a buffer; a write that fails is
/// reported as a failure to write the target, whatever the report made of it.
fn fill<W: Write>(
    path: &Path,
    sink: W,
    report: impl FnOnce(&mut dyn Write) -> anyhow::Result<()>,
) -> anyhow::Result<W> {
    let mut w = BufWriter::with_capacity(
        1 << 16,
        Checked {
            inner: sink,
            error: None,
        },
    );
    let reported = report(&mut w).and_then(|()| Ok(w.flush()?));
    let (checked, _) = w.into_parts();
    if let Some(e) = checked.error {
        return Err(cannot_write(path, e));
    }
    reported?;
    Ok(checked.inner)
}

/// The error for a failure to write `path`; its cause keeps the I/O error
/// (so a reader that went away is still seen as a broken pipe).
fn cannot_write(path: &Path, e: io::Error) -> anyhow::Error {
    anyhow::Error::new(e).context(format!("{}: cannot write", path.display()))
}

/// A writer that remembers its first error.
struct Checked<W> {
    inner: W,
    error: Option<io::Error>,
}

impl<W> Checked<W> {
    fn note(&mut self, e: &io::Error) {
        if self.error.is_none() {
            self.error = Some(io::Error::new(e.kind(), e.to_string()));
        }
    }
}

impl<W: Write> Write for Checked<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let r = self.inner.write(buf);
        if let Err(e) = &r {
            self.note(e);
        }
        r
    }

    fn flush(&mut self) -> io::Result<()> {
        let r = self.inner.flush();
        if let Err(e) = &r {
            self.note(e);
        }
        r
    }
}

/// The temporary file being written, if any: the signal thread removes it
/// before the process dies of SIGINT, SIGTERM or SIGHUP.
static IN_FLIGHT: Mutex<Option<PathBuf>> = Mutex::new(None);

/// The registration of a temporary file with the signal thread, undone
/// when dropped.
struct InFlight;

impl InFlight {
    /// Creates the temporary file with `make` and registers it. The registry
    /// stays locked meanwhile, so a signal cannot fall between the two.
    fn create(
        make: impl FnOnce() -> io::Result<tempfile::NamedTempFile>,
    ) -> io::Result<(tempfile::NamedTempFile, InFlight)> {
        remove_on_signals();
        let mut registry = lock_in_flight();
        let tmp = make()?;
        *registry = Some(tmp.path().to_path_buf());
        Ok((tmp, InFlight))
    }

    /// Renames the temporary file into place. The registry stays locked
    /// meanwhile, so a signal either removes the file first or finds it gone.
    fn persist(self, tmp: tempfile::TempPath, target: &Path) -> io::Result<()> {
        let mut registry = lock_in_flight();
        let result = tmp.persist(target).map_err(|e| e.error);
        *registry = None;
        result
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        *lock_in_flight() = None;
    }
}

fn lock_in_flight() -> std::sync::MutexGuard<'static, Option<PathBuf>> {
    IN_FLIGHT.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Starts, once, the thread that turns SIGINT, SIGTERM and SIGHUP into:
/// remove the temporary file in flight, then die of the signal as the
/// default disposition would. Without the thread (it could not be started),
/// a signal leaves the temporary file behind, as before.
fn remove_on_signals() {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    static STARTED: Once = Once::new();
    STARTED.call_once(|| {
        let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP]) else {
            return;
        };
        let _ = std::thread::Builder::new()
            .name("signals".into())
            .spawn(move || {
                if let Some(signal) = signals.forever().next() {
                    // Held until the process ends: the main thread cannot
                    // rename the file once it is gone.
                    let mut registry = lock_in_flight();
                    if let Some(tmp) = registry.take() {
                        let _ = fs::remove_file(tmp);
                    }
                    let _ = signal_hook::low_level::emulate_default_handler(signal);
                    std::process::exit(128 + signal);
                }
            });
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::CString;
    use std::io::Read;

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    fn write(path: &Path, text: &'static str) -> anyhow::Result<()> {
        write_to(Some(path), &mut Vec::new(), |w| {
            Ok(w.write_all(text.as_bytes())?)
        })
    }

    fn mode(path: &Path) -> u32 {
        fs::metadata(path).unwrap().mode() & 0o7777
    }

    fn c_path(path: &Path) -> CString {
        CString::new(path.as_os_str().as_bytes()).unwrap()
    }

    /// A device node made with mknod, or None when not permitted (not root).
    fn device(path: &Path, major: u32, minor: u32) -> Option<()> {
        let c = c_path(path);
        // SAFETY: a valid NUL-terminated path; mknod only creates a node.
        let r = unsafe {
            libc::mknod(
                c.as_ptr(),
                libc::S_IFCHR | 0o666,
                libc::makedev(major, minor),
            )
        };
        if r == 0 {
            return Some(());
        }
        let e = io::Error::last_os_error();
        assert_eq!(e.raw_os_error(), Some(libc::EPERM), "mknod: {e}");
        eprintln!("skipped: mknod is not permitted here");
        None
    }

    #[test]
    fn a_failed_report_leaves_no_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.svg");
        let err = write_to(Some(&path), &mut Vec::new(), |w| {
            w.write_all(b"<svg")?;
            anyhow::bail!("broke halfway")
        });
        assert_eq!(err.unwrap_err().to_string(), "broke halfway");
        assert!(!path.exists());
        assert_eq!(names(dir.path()), Vec::<String>::new());
    }

    #[test]
    fn a_regular_file_is_replaced_atomically_keeping_its_mode() {
        let dir = tempfile::tempdir().unwrap();
        for m in [0o640, 0o600, 0o755] {
            let path = dir.path().join("out.svg");
            fs::write(&path, "old").unwrap();
            fs::set_permissions(&path, Permissions::from_mode(m)).unwrap();
            let before = fs::metadata(&path).unwrap().ino();
            write(&path, "new").unwrap();
            assert_eq!(fs::read_to_string(&path).unwrap(), "new");
            assert_eq!(mode(&path), m, "{m:o}");
            assert_ne!(
                fs::metadata(&path).unwrap().ino(),
                before,
                "a new file was renamed in"
            );
            assert_eq!(names(dir.path()), ["out.svg"]);
        }
    }

    #[test]
    fn a_new_file_gets_the_mode_file_create_gives() {
        let dir = tempfile::tempdir().unwrap();
        let probe = dir.path().join("probe");
        File::create(&probe).unwrap();
        let path = dir.path().join("out.svg");
        write(&path, "new").unwrap();
        assert_eq!(mode(&path), mode(&probe));
        assert_eq!(fs::read_to_string(&path).unwrap(), "new");
    }

    #[test]
    fn the_owner_is_kept_when_permitted() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.svg");
        fs::write(&path, "old").unwrap();
        if std::os::unix::fs::chown(&path, Some(1234), Some(5678)).is_err() {
            eprintln!("skipped: chown is not permitted here (not root)");
            return;
        }
        fs::set_permissions(&path, Permissions::from_mode(0o640)).unwrap();
        write(&path, "new").unwrap();
        let m = fs::metadata(&path).unwrap();
        assert_eq!((m.uid(), m.gid(), m.mode() & 0o7777), (1234, 5678, 0o640));
    }

    #[test]
    fn a_symlink_is_followed_and_stays_a_link() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir(dir.path().join("real")).unwrap();
        let target = dir.path().join("real/out.svg");
        fs::write(&target, "old").unwrap();
        let link = dir.path().join("link.svg");
        std::os::unix::fs::symlink("real/out.svg", &link).unwrap();
        write(&link, "new").unwrap();
        assert!(fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(fs::read_link(&link).unwrap(), Path::new("real/out.svg"));
        assert_eq!(fs::read_to_string(&target).unwrap(), "new");
        assert_eq!(names(&dir.path().join("real")), ["out.svg"]);

        // A dangling link: the file it names is created.
        let dangling = dir.path().join("dangling.svg");
        std::os::unix::fs::symlink("real/new.svg", &dangling).unwrap();
        write(&dangling, "made").unwrap();
        assert_eq!(
            fs::read_to_string(dir.path().join("real/new.svg")).unwrap(),
            "made"
        );
        assert!(fs::symlink_metadata(&dangling)
            .unwrap()
            .file_type()
            .is_symlink());
    }

    #[test]
    fn a_fifo_is_written_directly() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("pipe");
        let c = c_path(&fifo);
        // SAFETY: a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        let reader = {
            let fifo = fifo.clone();
            std::thread::spawn(move || {
                let mut text = String::new();
                File::open(fifo).unwrap().read_to_string(&mut text).unwrap();
                text
            })
        };
        write(&fifo, "through the pipe").unwrap();
        assert_eq!(reader.join().unwrap(), "through the pipe");
        assert!(fs::symlink_metadata(&fifo).unwrap().file_type().is_fifo());
        assert_eq!(names(dir.path()), ["pipe"]);
    }

    #[test]
    fn a_socket_is_written_directly() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sock");
        let listener = std::os::unix::net::UnixListener::bind(&path).unwrap();
        let reader = std::thread::spawn(move || {
            let mut text = String::new();
            listener
                .accept()
                .unwrap()
                .0
                .read_to_string(&mut text)
                .unwrap();
            text
        });
        write(&path, "through the socket").unwrap();
        assert_eq!(reader.join().unwrap(), "through the socket");
        assert!(fs::symlink_metadata(&path).unwrap().file_type().is_socket());
        assert_eq!(names(dir.path()), ["sock"]);
    }

    #[test]
    fn a_device_node_stays_a_device() {
        let dir = tempfile::tempdir().unwrap();
        let null = dir.path().join("null");
        if device(&null, 1, 3).is_none() {
            return;
        }
        write(&null, "gone").unwrap();
        let m = fs::symlink_metadata(&null).unwrap();
        assert!(m.file_type().is_char_device());
        assert_eq!(m.rdev(), libc::makedev(1, 3));
        assert_eq!(names(dir.path()), ["null"]);
    }

    #[test]
    fn a_write_error_names_the_target() {
        let dir = tempfile::tempdir().unwrap();
        let full = dir.path().join("full");
        if device(&full, 1, 7).is_none() {
            return;
        }
        let err = write_to(Some(&full), &mut Vec::new(), |w| {
            w.write_all(&[b'x'; 1 << 17])?;
            Ok(())
        })
        .unwrap_err();
        assert_eq!(
            format!("{err:#}"),
            format!(
                "{}: cannot write: No space left on device (os error 28)",
                full.display()
            )
        );

        let missing = dir.path().join("no/such/dir/out.svg");
        let err = write(&missing, "x").unwrap_err();
        assert_eq!(
            format!("{err:#}"),
            format!(
                "{}: cannot write: No such file or directory (os error 2)",
                missing.display()
            )
        );
    }

    #[test]
    fn a_planted_symlink_at_a_temp_name_is_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim");
        fs::write(&victim, "precious").unwrap();
        // Every name the old scheme could have used, and a few random-looking ones.
        let planted = [
            format!(".out.svg.heapscope-{}.tmp", std::process::id()),
            ".out.svg.AAAAAA.tmp".to_string(),
            ".out.svg..tmp".to_string(),
        ];
        for name in &planted {
            std::os::unix::fs::symlink(&victim, dir.path().join(name)).unwrap();
        }
        let path = dir.path().join("out.svg");
        write(&path, "report").unwrap();
        assert_eq!(fs::read_to_string(&victim).unwrap(), "precious");
        assert_eq!(fs::read_to_string(&path).unwrap(), "report");
        for name in &planted {
            assert_eq!(fs::read_link(dir.path().join(name)).unwrap(), victim);
        }
        let mut expected: Vec<String> = planted.to_vec();
        expected.extend(["out.svg".to_string(), "victim".to_string()]);
        expected.sort();
        assert_eq!(names(dir.path()), expected);
    }

    #[test]
    fn a_directory_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let err = write(dir.path(), "x").unwrap_err();
        assert_eq!(
            err.to_string(),
            format!("{}: is a directory", dir.path().display())
        );
        assert_eq!(names(dir.path()), Vec::<String>::new());
    }

    #[test]
    fn an_output_that_is_an_input_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("heap.pb.gz");
        fs::write(&input, "profile").unwrap();
        let hard = dir.path().join("hard.pb.gz");
        fs::hard_link(&input, &hard).unwrap();
        let link = dir.path().join("link.pb.gz");
        std::os::unix::fs::symlink(&input, &link).unwrap();
        let sources = [Source::Url("http://h/".into()), Source::Path(input.clone())];
        let sources: Vec<&Source> = sources.iter().collect();
        for target in [&input, &hard, &link] {
            let err =
                refuse_input("-o", target, &sources, "one of the input profiles").unwrap_err();
            assert_eq!(
                err.to_string(),
                format!(
                    "-o {}: is one of the input profiles; write the output to another file",
                    target.display()
                )
            );
        }
        // Not yet existing, but the same name.
        let new = Source::Path(dir.path().join("new"));
        assert!(refuse_input("-o", &dir.path().join("new"), &[&new], "the input").is_err());
        let other = dir.path().join("out.svg");
        refuse_input("-o", &other, &sources, "one of the input profiles").unwrap();
    }
}
