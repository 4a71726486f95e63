//! The shell at a terminal: rustyline's line editing, history kept in
//! `$XDG_STATE_HOME/heapscope/history` (never an error when it cannot be),
//! and tab completion as pprof's (`newCompleter` in `interactive.go`):
//! the first word from the commands and options, later words of a report
//! command from the profile's function names (a `-` kept in front).

use std::io::Write;

use rustyline::completion::Completer;
use rustyline::error::ReadlineError;
use rustyline::highlight::Highlighter;
use rustyline::hint::Hinter;
use rustyline::history::DefaultHistory;
use rustyline::validate::Validator;
use rustyline::{CompletionType, Config, Context, Editor, Helper};

use super::{history_path, is_broken_pipe, report_error, Flow, Session};

/// The words completion draws from.
#[derive(Debug, Clone, Default)]
pub struct Words {
    /// Commands and options: the first word of a line (and `help`'s).
    pub first: Vec<String>,
    /// The profile's function names: the later words.
    pub functions: Vec<String>,
}

impl Words {
    /// Where the word being completed starts in `line`, and what it can
    /// become.
    pub fn candidates(&self, line: &str) -> (usize, Vec<String>) {
        let start = line.rfind(char::is_whitespace).map_or(0, |i| {
            i + line[i..].chars().next().map_or(1, char::len_utf8)
        });
        let word = &line[start..];
        let before: Vec<&str> = line[..start].split_whitespace().collect();
        if before.is_empty() || before == ["help"] {
            let found = self
                .first
                .iter()
                .filter(|w| w.starts_with(word))
                .cloned()
                .collect();
            return (start, found);
        }
        if before[0] == "tags" {
            return (start, Vec::new());
        }
        let (dash, needle) = match word.strip_prefix('-') {
            Some(rest) => ("-", rest),
            None => ("", word),
        };
        let found = self
            .functions
            .iter()
            .filter(|f| f.contains(needle))
            .map(|f| format!("{dash}{f}"))
            .collect();
        (start, found)
    }
}

/// rustyline's helper: completion only.
struct ShellHelper(Words);

impl Completer for ShellHelper {
    type Candidate = String;

    fn complete(
        &self,
        line: &str,
        pos: usize,
        _ctx: &Context<'_>,
    ) -> rustyline::Result<(usize, Vec<String>)> {
        Ok(self.0.candidates(line.get(..pos).unwrap_or(line)))
    }
}

impl Hinter for ShellHelper {
    type Hint = String;
}
impl Highlighter for ShellHelper {}
impl Validator for ShellHelper {}
impl Helper for ShellHelper {}

/// The session at a terminal: the profile's header lines, then commands
/// at the `(heapscope)` prompt until `quit` or Ctrl-D; Ctrl-C drops the
/// line being typed.
pub(super) fn interactive(
    session: &mut Session,
    out: &mut dyn Write,
    notes: &mut dyn Write,
) -> anyhow::Result<()> {
    out.write_all(session.greeting().as_bytes())?;
    out.flush()?;
    let config = Config::builder()
        .completion_type(CompletionType::List)
        .auto_add_history(false)
        .max_history_size(10_000)?
        .build();
    let mut editor: Editor<ShellHelper, DefaultHistory> = Editor::with_config(config)?;
    editor.set_helper(Some(ShellHelper(session.words())));
    let history = history_path();
    if let Some(path) = &history {
        let _ = editor.load_history(path);
    }
    let result = loop {
        let line = match editor.readline("(heapscope) ") {
            Ok(line) => line,
            Err(ReadlineError::Interrupted) => continue,
            Err(ReadlineError::Eof) => break Ok(()),
            Err(e) => break Err(e.into()),
        };
        if !line.trim().is_empty() {
            let _ = editor.add_history_entry(line.trim());
        }
        match session.execute(&line, out, notes) {
            Ok(Flow::Continue) => {}
            Ok(Flow::Quit) => break Ok(()),
            Err(e) if is_broken_pipe(&e) => break Err(e),
            Err(e) => report_error(notes, &e),
        }
        if let Err(e) = out.flush() {
            break Err(e.into());
        }
    };
    if let Some(path) = &history {
        // Kept when it can be; a read-only home costs the history only.
        if let Some(dir) = path.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        let _ = editor.save_history(path);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_words_complete_to_commands_and_later_ones_to_functions() {
        let words = Words {
            first: ["list", "lines", "top", "peek"].map(String::from).to_vec(),
            functions: ["main.alloc", "main.leak", "runtime.malg"]
                .map(String::from)
                .to_vec(),
        };
        assert_eq!(words.candidates("to"), (0, vec!["top".to_string()]));
        assert_eq!(
            words.candidates("li"),
            (0, vec!["list".to_string(), "lines".to_string()])
        );
        assert_eq!(
            words.candidates("list lea"),
            (5, vec!["main.leak".to_string()])
        );
        assert_eq!(
            words.candidates("top -mal"),
            (4, vec!["-runtime.malg".to_string()])
        );
        assert_eq!(words.candidates("help pe"), (5, vec!["peek".to_string()]));
    }
}
