//! The shell and pprof's invocation: `heapscope [FLAGS] PROFILE` read as
//! a script through a pipe (each answer byte for byte the batch command's
//! on the same profile) and at a pseudo-terminal (prompt, an answer, tab
//! completion, history, Ctrl-D); pprof's report flags (`-top -cum FILE`)
//! against Go 1.25.5's pprof; and the refusals, each naming its whole flag.

use std::process::Command;

use crate::util::{heapscope, manifest_in, profile, run, run_with_stdin, stderr, stdout, testdata};

/// The batch command's stdout on server.pb.gz.
fn batch(args: &[&str]) -> String {
    let server = profile("server.pb.gz");
    let mut all = args.to_vec();
    all.push(&server);
    let out = run(&all);
    assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
    stdout(&out)
}

/// The shell's stdout and stderr for `script` on server.pb.gz, started
/// with `flags`, and its exit status.
fn shell(flags: &[&str], script: &str) -> (String, String, Option<i32>) {
    let server = profile("server.pb.gz");
    let mut args = flags.to_vec();
    args.push(&server);
    let out = run_with_stdin(&args, script.as_bytes());
    (stdout(&out), stderr(&out), out.status.code())
}

#[test]
fn a_script_through_a_pipe_answers_as_the_batch_commands() {
    let script = "top\n\
                  top -cum 20\n\
                  top5\n\
                  list handlePut\n\
                  peek handlePut\n\
                  alloc_space\n\
                  top\n\
                  focus=json\n\
                  nodecount=4\n\
                  top -cum\n\
                  :\n\
                  granularity=lines\n\
                  top bufio -runtime\n\
                  inuse_objects\n\
                  flat\n\
                  functions\n\
                  unit=kB\n\
                  text\n";
    let (out, err, code) = shell(&[], script);
    assert_eq!((err.as_str(), code), ("", Some(0)));
    let expected = [
        batch(&["top"]),
        batch(&["top", "-cum", "-nodecount=20"]),
        batch(&["top", "-nodecount=5"]),
        batch(&["list", "handlePut"]),
        batch(&["peek", "handlePut"]),
        batch(&["top", "-sample_index=alloc_space"]),
        batch(&[
            "top",
            "-sample_index=alloc_space",
            "-focus=json",
            "-nodecount=4",
            "-cum",
        ]),
        batch(&[
            "top",
            "-sample_index=alloc_space",
            "-lines",
            "-nodecount=4",
            "-focus=bufio",
            "-ignore=runtime",
        ]),
        batch(&[
            "top",
            "-sample_index=inuse_objects",
            "-nodecount=4",
            "-unit=kB",
        ]),
    ]
    .concat();
    assert_eq!(out, expected);
}

#[test]
fn the_command_lines_flags_are_the_shells_first_options() {
    let (out, err, code) = shell(
        &["-cum", "-nodecount", "3", "-alloc_objects"],
        "top\npeek main\n",
    );
    assert_eq!((err.as_str(), code), ("", Some(0)));
    let expected = [
        batch(&["top", "-cum", "-nodecount=3", "-alloc_objects"]),
        batch(&["peek", "-cum", "-alloc_objects", "main"]),
    ]
    .concat();
    assert_eq!(out, expected);
}

#[test]
fn reports_go_to_files() {
    let dir = tempfile::tempdir().unwrap();
    let flame = dir.path().join("heap.svg");
    let dot = dir.path().join("g.dot");
    let top = dir.path().join("top.txt");
    let script = format!(
        "flame > {}\ngraph -format=dot -o {}\ntop -cum >{}\n",
        flame.display(),
        dot.display(),
        top.display()
    );
    let (out, err, code) = shell(&[], &script);
    assert_eq!((out.as_str(), err.as_str(), code), ("", "", Some(0)));
    let read = |p: &std::path::Path| std::fs::read_to_string(p).unwrap();
    assert_eq!(read(&flame), batch(&["flame"]));
    assert_eq!(read(&dot), batch(&["graph", "--format=dot"]));
    assert_eq!(read(&top), batch(&["top", "-cum"]));
}

#[test]
fn errors_keep_the_session_and_fail_the_script() {
    let (out, err, code) = shell(
        &[],
        "bogus\nnodecount 3\nlist\nsample_index=cpu\ndisasm main\ndiff\nlist (\ntop 1\nquit\ntop 2\n",
    );
    assert_eq!(out, batch(&["top", "-nodecount=1"]), "quit ends the script");
    for expected in [
        "unrecognized command: \"bogus\"",
        "did you mean: nodecount=3",
        "command list requires an argument",
        "sample_index \"cpu\" must be one of: alloc_objects, alloc_space, inuse_objects, inuse_space",
        "pprof's disasm report is not in heapscope (yet)",
        "diff reads profiles or logs of its own",
        "invalid list regex",
        "7 command(s) of the script failed",
    ] {
        assert!(err.contains(expected), "{expected:?} not in {err}");
    }
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(code, Some(1));
}

#[test]
fn options_and_help() {
    let (out, err, code) = shell(
        &[],
        "nodecount=20\ncum\nalloc_space\noptions\nhelp\nhelp top\nhelp focus\n",
    );
    assert_eq!((err.as_str(), code), ("", Some(0)));
    for expected in [
        "  nodecount                 = 20\n",
        "  sort                      = cum                  //: [cum | flat]\n",
        "  sample_index              = alloc_space          //: [alloc_objects | alloc_space | inuse_objects | inuse_space]\n",
        "  focus                     = \"\"\n",
        "    top              Functions (or files, or lines) that hold or allocate the most memory\n",
        "    o/options        List options and their current values\n",
        "  Usage:\n    top [n] [focus_regex]* [-ignore_regex]* [-cum]",
        "Restricts to samples going through a node matching regexp\n",
    ] {
        assert!(out.contains(expected), "{expected:?} not in {out}");
    }
}

#[test]
fn the_shell_wants_a_named_profile_and_valid_options() {
    let file = profile("server.pb.gz");
    let out = run_with_stdin(&["-cum"], b"top\n");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("name a profile file or URL"),
        "{}",
        stderr(&out)
    );
    let out = run(&["-sample_index=cpu", &file]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("-sample_index=cpu: sample_index \"cpu\" must be one of"));
    let out = run(&["-no_such_file.pb.gz"]);
    assert_eq!(out.status.code(), Some(2));
}

/// pprof's `-top`, `-top -cum`, `-peek=RE` as heapscope takes them, against
/// Go 1.25.5's pprof: byte for byte.
#[test]
fn pprofs_report_flags_give_pprofs_reports() {
    let cases: Vec<_> = manifest_in("")
        .into_iter()
        .filter(|c| c.golden.contains(".flag"))
        .collect();
    assert_eq!(cases.len(), 4);
    for case in cases {
        let file = profile(&case.profile);
        let mut args: Vec<&str> = case.args.iter().map(String::as_str).collect();
        args.push(&file);
        let out = heapscope()
            .current_dir(testdata().join("profiles"))
            .args(&args)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
        let got = stdout(&out);
        let expected = case.expected();
        assert_eq!(got, expected, "{}", case.golden);
        assert!(got.starts_with("File: server\nType: "), "{got}");
    }
}

#[test]
fn refusals_name_the_whole_flag() {
    let file = profile("server.pb.gz");
    for (args, expected) in [
        (
            vec!["top", "-http=localhost:1", &file],
            "-http=localhost:1: heapscope top does not take -http (web do)",
        ),
        (
            vec!["-tX", &file],
            "unknown flag -tX (neither heapscope nor pprof has it",
        ),
        (vec!["top", "-tX", &file], "unknown flag -tX"),
        (vec!["top", "-hx", &file], "unknown flag -hx"),
        (
            vec!["-call_tree", &file],
            "-call_tree: pprof's -call_tree is not in heapscope (yet)",
        ),
        (
            vec!["top", "-symbolize=local", &file],
            "-symbolize: local: heapscope does not symbolize addresses",
        ),
        (
            vec!["-disasm=main", &file],
            "-disasm=main: pprof's -disasm report is not in heapscope (yet)",
        ),
        (
            vec!["-proto", &file],
            "-proto: pprof's -proto report is not in heapscope (yet)",
        ),
        (
            vec!["-top", "-list=x", &file],
            "-list=x: choose one report, not -top and -list",
        ),
        (vec!["-list", &file, "-top"], "choose one report"),
        (vec!["-top=5", &file], "-top=5: -top takes no value"),
        (vec!["-cum=1", &file], "-cum=1: -cum takes no value"),
    ] {
        let out = run(&args);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(out.stdout.is_empty(), "{args:?}");
        assert!(
            err.contains(expected),
            "{args:?}: {expected:?} not in {err:?}"
        );
        assert!(!err.contains("'-t'") && !err.contains("'-h'"), "{err}");
    }
}

#[test]
fn report_flags_name_the_command() {
    let file = profile("server.pb.gz");
    let same = |pprof: &[&str], heapscope: &[&str]| {
        let mut a = pprof.to_vec();
        a.push(&file);
        let mut b = heapscope.to_vec();
        b.push(&file);
        assert_eq!(stdout(&run(&a)), stdout(&run(&b)), "{pprof:?}");
    };
    same(&["-top", "-cum"], &["top", "-cum", "-nodecount=0"]);
    same(&["-text", "-nodecount=3"], &["top", "-nodecount=3"]);
    same(&["-list", "handlePut"], &["list", "handlePut"]);
    same(
        &["-alloc_space", "-peek=handlePut"],
        &["peek", "-alloc_space", "handlePut"],
    );
    same(&["-dot"], &["graph", "--format=dot"]);
    // pprof's -svg, though gctrace has a --svg FILE of its own.
    same(
        &["-svg", "-renderer=builtin"],
        &["graph", "--format=svg", "--renderer=builtin"],
    );
    let out = tempfile::tempdir().unwrap();
    let svg = out.path().join("g.svg");
    let arg = format!("-output={}", svg.display());
    let done = run(&["-svg", &arg, "-renderer=builtin", &file]);
    assert!(done.status.success(), "{}", stderr(&done));
    assert_eq!(
        std::fs::read(&svg).unwrap(),
        run(&["graph", "--renderer=builtin", &file]).stdout
    );
}

/// The shell at a terminal: rustyline needs a terminal it knows.
fn spawn(home: &std::path::Path) -> rexpect::session::PtySession {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_heapscope"));
    cmd.arg(profile("server.pb.gz"))
        .env("TZ", "UTC")
        .env("TERM", "xterm")
        .env("HOME", home)
        .env_remove("XDG_STATE_HOME");
    rexpect::session::spawn_command(cmd, Some(30_000)).expect("heapscope starts in a pty")
}

#[test]
fn at_a_terminal_prompt_answers_completion_history_and_ctrl_d() {
    let home = tempfile::tempdir().unwrap();
    let mut p = spawn(home.path());
    p.exp_string("Type: inuse_space").unwrap();
    p.exp_string("Entering interactive mode").unwrap();
    p.exp_string("(heapscope) ").unwrap();
    p.send_line("top 3").unwrap();
    p.exp_string("Showing top 3 nodes out of 42").unwrap();
    p.exp_string("main.handlePut").unwrap();
    p.exp_string("(heapscope) ").unwrap();
    // A unique prefix completes to its command.
    p.send("opti").unwrap();
    p.send("\t").unwrap();
    p.flush().unwrap();
    p.exp_string("options").unwrap();
    p.send_line("").unwrap();
    p.exp_string("nodefraction").unwrap();
    p.exp_string("(heapscope) ").unwrap();
    // An error keeps the session.
    p.send_line("bogus").unwrap();
    p.exp_string("unrecognized command").unwrap();
    p.exp_string("(heapscope) ").unwrap();
    p.send_control('d').unwrap();
    p.exp_eof().unwrap();
    let status = p.process.wait().unwrap();
    assert_eq!(
        status,
        rexpect::process::wait::WaitStatus::Exited(p.process.child_pid, 0)
    );
    let history = home.path().join(".local/state/heapscope/history");
    let kept = std::fs::read_to_string(&history).unwrap();
    assert!(kept.contains("top 3") && kept.contains("options"), "{kept}");
}
