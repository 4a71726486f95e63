//! `-o FILE` (and gctrace's `--svg FILE`) through the binary: an output that
//! is an input is refused before anything is written; a signal leaves
//! nothing behind; devices stay devices; modes are kept; errors name the
//! target.

use std::fs;
use std::os::unix::fs::{FileTypeExt, MetadataExt, PermissionsExt};
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use crate::util::{heapscope, profile, run, stderr, stdout};

fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn an_output_that_is_an_input_is_refused_before_anything_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("heap.pb.gz");
    let original = fs::read(profile("inline.pb.gz")).unwrap();
    fs::write(&input, &original).unwrap();
    fs::hard_link(&input, dir.path().join("hard.pb.gz")).unwrap();
    std::os::unix::fs::symlink("heap.pb.gz", dir.path().join("link.pb.gz")).unwrap();
    let gclog = dir.path().join("gc.log");
    fs::write(
        &gclog,
        "gc 1 @0.1s 0%: 0+0+0 ms clock, 0+0/0/0+0 ms cpu, 4->4->1 MB, 4 MB goal, 8 P\n",
    )
    .unwrap();
    let before = names(dir.path());
    let p = |name: &str| dir.path().join(name).to_string_lossy().into_owned();
    let other = profile("inline.pb");
    let cases: Vec<(Vec<String>, String)> = vec![
        (
            vec![
                "graph".into(),
                "-o".into(),
                p("heap.pb.gz"),
                p("heap.pb.gz"),
            ],
            format!("-o {}: is one of the input profiles", p("heap.pb.gz")),
        ),
        (
            vec![
                "flame".into(),
                "-o".into(),
                p("hard.pb.gz"),
                other.clone(),
                p("heap.pb.gz"),
            ],
            format!("-o {}: is one of the input profiles", p("hard.pb.gz")),
        ),
        (
            vec![
                "flame".into(),
                "--output".into(),
                p("link.pb.gz"),
                "--base".into(),
                p("heap.pb.gz"),
                other.clone(),
            ],
            format!("-o {}: is one of the input profiles", p("link.pb.gz")),
        ),
        (
            vec!["gctrace".into(), "--svg".into(), p("gc.log"), p("gc.log")],
            format!("--svg {}: is the input file", p("gc.log")),
        ),
    ];
    for (args, message) in &cases {
        let out = run(&args.iter().map(String::as_str).collect::<Vec<_>>());
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert_eq!(
            stderr(&out),
            format!("heapscope: {message}; write the output to another file\n")
        );
        assert_eq!(stdout(&out), "");
        assert_eq!(fs::read(&input).unwrap(), original, "{args:?}");
        assert_eq!(names(dir.path()), before, "{args:?}");
    }
    // The input given on stdin (`< heap.pb.gz`).
    let out = heapscope()
        .args(["flame", "-o", &p("heap.pb.gz")])
        .stdin(fs::File::open(&input).unwrap())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert_eq!(fs::read(&input).unwrap(), original);
    assert_eq!(names(dir.path()), before);
}

/// Waits (without a deadline: the test harness has one) until `dir` holds
/// heapscope's temporary file for `name`, and returns its name.
fn wait_for_temp_file(dir: &Path, name: &str) -> String {
    loop {
        if let Some(tmp) = names(dir)
            .into_iter()
            .find(|n| n.starts_with(&format!(".{name}.")) && n.ends_with(".tmp"))
        {
            return tmp;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn a_signal_while_writing_leaves_nothing_behind() {
    for signal in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP] {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("heap.svg");
        fs::write(&target, "old").unwrap();
        // The temporary file exists while the profile is still being read
        // from stdin, which stays open until the signal.
        let mut child = heapscope()
            .args(["flame", "-o", target.to_str().unwrap()])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Kept open until the child is gone (waiting would close it).
        let stdin = child.stdin.take();
        wait_for_temp_file(dir.path(), "heap.svg");
        // SAFETY: kill only sends a signal to our own child.
        assert_eq!(unsafe { libc::kill(child.id() as libc::pid_t, signal) }, 0);
        let out = child.wait_with_output().unwrap();
        drop(stdin);
        assert_eq!(
            out.status.signal(),
            Some(signal),
            "{:?} {}",
            out.status,
            stderr(&out)
        );
        assert_eq!(names(dir.path()), ["heap.svg"], "signal {signal}");
        assert_eq!(fs::read_to_string(&target).unwrap(), "old");
    }
}

#[test]
fn a_device_node_is_written_not_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let null = dir.path().join("null");
    let c = std::ffi::CString::new(null.to_str().unwrap()).unwrap();
    // SAFETY: a valid NUL-terminated path; mknod only creates a node.
    if unsafe { libc::mknod(c.as_ptr(), libc::S_IFCHR | 0o666, libc::makedev(1, 3)) } != 0 {
        let e = std::io::Error::last_os_error();
        assert_eq!(e.raw_os_error(), Some(libc::EPERM), "mknod: {e}");
        eprintln!("skipped: mknod is not permitted here");
        return;
    }
    for command in ["flame", "graph"] {
        let out = run(&[
            command,
            "-o",
            null.to_str().unwrap(),
            &profile("inline.pb.gz"),
        ]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let m = fs::symlink_metadata(&null).unwrap();
        assert!(m.file_type().is_char_device(), "{command}");
        assert_eq!(m.rdev(), libc::makedev(1, 3));
        assert_eq!(names(dir.path()), ["null"]);
    }
}

#[test]
fn dev_stdout_is_stdout_whatever_it_is() {
    if !Path::new("/dev/stdout").exists() {
        eprintln!("skipped: no /dev/stdout");
        return;
    }
    let kind = fs::symlink_metadata("/dev/stdout").unwrap().file_type();
    let file = profile("inline.pb.gz");
    let expected = stdout(&run(&["flame", &file]));
    // A pipe: written in place.
    let out = run(&["flame", "-o", "/dev/stdout", &file]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), expected);
    // A regular file (`> heap.svg`): that file is replaced.
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("heap.svg");
    let out = heapscope()
        .args(["flame", "-o", "/dev/stdout", &file])
        .stdout(fs::File::create(&target).unwrap())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(fs::read_to_string(&target).unwrap(), expected);
    assert_eq!(names(dir.path()), ["heap.svg"]);
    assert_eq!(
        fs::symlink_metadata("/dev/stdout").unwrap().file_type(),
        kind
    );
}

#[test]
fn a_replaced_file_keeps_its_mode() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("heap.svg");
    fs::write(&target, "old").unwrap();
    fs::set_permissions(&target, fs::Permissions::from_mode(0o600)).unwrap();
    let file = profile("inline.pb.gz");
    let out = run(&["graph", "-o", target.to_str().unwrap(), &file]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(fs::metadata(&target).unwrap().mode() & 0o7777, 0o600);
    assert_eq!(
        fs::read_to_string(&target).unwrap(),
        stdout(&run(&["graph", &file]))
    );
    assert_eq!(names(dir.path()), ["heap.svg"]);
}

#[test]
fn output_errors_name_the_target() {
    let dir = tempfile::tempdir().unwrap();
    let file = profile("inline.pb.gz");
    let d = dir.path().to_str().unwrap();
    let out = run(&["flame", "-o", d, &file]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stderr(&out), format!("heapscope: {d}: is a directory\n"));
    let missing = format!("{d}/no/such/heap.svg");
    let out = run(&["graph", "-o", &missing, &file]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        format!("heapscope: {missing}: cannot write: No such file or directory (os error 2)\n")
    );
    assert_eq!(names(dir.path()), Vec::<String>::new());
}
