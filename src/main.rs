//! The `heapscope` binary: parse the command line, run the request, map
//! errors to exit codes (1 runtime failure, 2 usage error; a closed stdout
//! is a clean exit). Writing a diagnostic never panics: when stderr cannot
//! be written, the exit code still tells what happened.

use std::ffi::OsString;
use std::io::{self, BufWriter, Write};
use std::process::ExitCode;

use heapscope::support::escape;
use heapscope::{cli, run, UsageError};

fn main() -> ExitCode {
    let args: Vec<OsString> = std::env::args_os().collect();
    let request = match cli::parse(args.iter().cloned()) {
        Ok(cli::Action::Run(request)) => request,
        Ok(cli::Action::Print(bytes)) => return print(&bytes),
        Err(cli::ParseError::Clap(e)) if e.use_stderr() && args.iter().any(has_unsafe) => {
            // clap would quote an argument's terminal controls raw: its plain
            // text (no styling, escape sequences dropped), the rest escaped.
            let _ = write!(
                io::stderr(),
                "{}",
                escape::text_lines(&e.render().to_string())
            );
            return ExitCode::from(2);
        }
        Err(cli::ParseError::Clap(e)) => return clap_exit(&e),
        Err(cli::ParseError::Usage(e)) => {
            let _ = writeln!(
                io::stderr(),
                "heapscope: {}",
                escape::text_lines(&e.to_string())
            );
            return ExitCode::from(2);
        }
    };
    let stdout = io::stdout();
    let mut out = BufWriter::with_capacity(1 << 16, stdout.lock());
    let mut notes = Notes(io::stderr());
    let result = run(&request, &mut out, &mut notes).and_then(|()| Ok(out.flush()?));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            // The report may have been cut short; what it wrote still goes out.
            let _ = out.flush();
            // Messages quote names from outside; whatever quoted them raw,
            // no terminal control reaches the terminal.
            let _ = writeln!(
                io::stderr(),
                "heapscope: {}",
                escape::text_lines(&format!("{e:#}"))
            );
            if e.downcast_ref::<UsageError>().is_some() {
                ExitCode::from(2)
            } else {
                ExitCode::from(1)
            }
        }
    }
}

/// clap's help, version or usage error, printed without panicking: exit 0
/// for help and version (1 when they cannot be written, unless the reader
/// went away), clap's code (2) for usage errors.
fn clap_exit(e: &clap::Error) -> ExitCode {
    let printed = e.print();
    let code = e.exit_code();
    if code == 0 {
        if let Err(w) = printed {
            if w.kind() != io::ErrorKind::BrokenPipe {
                let _ = writeln!(io::stderr(), "heapscope: cannot write to stdout: {w}");
                return ExitCode::from(1);
            }
        }
    }
    ExitCode::from(u8::try_from(code).unwrap_or(2))
}

/// Writes what `completions` or `man` made to stdout.
fn print(bytes: &[u8]) -> ExitCode {
    let mut stdout = io::stdout().lock();
    match stdout.write_all(bytes).and_then(|()| stdout.flush()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            let _ = writeln!(io::stderr(), "heapscope: cannot write to stdout: {e}");
            ExitCode::from(1)
        }
    }
}

/// Stderr for notes and warnings: one that cannot be written (`2>/dev/full`)
/// costs the notes, never the report.
struct Notes(io::Stderr);

impl Write for Notes {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let _ = self.0.write_all(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        let _ = self.0.flush();
        Ok(())
    }
}

/// Whether an argument holds a character a terminal would act on.
fn has_unsafe(arg: &OsString) -> bool {
    arg.to_string_lossy().chars().any(escape::is_unsafe)
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|cause| {
        cause
            .downcast_ref::<io::Error>()
            .is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe)
    })
}
