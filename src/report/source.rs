//! Source files for `list`: where a path recorded in a profile is found on
//! this machine (build prefixes trimmed, search directories tried with
//! successively shorter suffixes of the path, `$GOROOT/src` for the standard
//! library), and reading its lines once.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use crate::support::paths::{go_base, trim_path};

/// Where to look for source files.
#[derive(Debug, Clone, Default)]
pub struct SourceSearch {
    /// Directories searched, in order (`-source_path`); the current
    /// directory when none is given.
    pub dirs: Vec<PathBuf>,
    /// Build prefixes stripped from recorded paths first (`-trim_path`).
    pub trim: Vec<String>,
    /// `$GOROOT`, whose `src/` holds the standard library.
    pub goroot: Option<PathBuf>,
}

impl SourceSearch {
    /// All directories searched, in order.
    pub fn search_dirs(&self) -> Vec<PathBuf> {
        let mut dirs = if self.dirs.is_empty() {
            vec![PathBuf::from(".")]
        } else {
            self.dirs.clone()
        };
        if let Some(root) = &self.goroot {
            dirs.push(root.join("src"));
        }
        dirs
    }

    /// The file a recorded path refers to, if it can be found: the path
    /// itself when it exists, else each suffix of it (longest first) under
    /// each search directory. `mymod/pkg/f.go` is found as `pkg/f.go` in a
    /// checkout of the module, `bufio/bufio.go` under `$GOROOT/src`.
    pub fn find(&self, recorded: &str) -> Option<PathBuf> {
        let path = trim_path(recorded, &self.trim);
        let direct = Path::new(&path);
        if direct.is_absolute() && direct.is_file() {
            return Some(direct.to_path_buf());
        }
        let parts: Vec<&str> = path
            .split('/')
            .filter(|p| !p.is_empty() && *p != ".")
            .collect();
        let dirs = self.search_dirs();
        for start in 0..parts.len() {
            let suffix = parts[start..].join("/");
            for dir in &dirs {
                let candidate = dir.join(&suffix);
                if candidate.is_file() {
                    return Some(candidate);
                }
            }
        }
        None
    }

    /// Where `find` looked, for a message.
    pub fn describe(&self) -> String {
        self.search_dirs()
            .iter()
            .map(|d| d.display().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The name pprof shows for a recorded source path: without `-trim_path`,
/// everything up to and including the first `/BASE/` of a `-source_path`
/// directory whose last element is `BASE` is dropped
/// (`/build/x/gen/inline/main.go` with `-source_path=testdata/gen` is
/// `inline/main.go`); otherwise the path as trimmed.
pub fn display_path(recorded: &str, search: &SourceSearch) -> String {
    if search.trim.is_empty() {
        for dir in &search.dirs {
            let dir = dir.to_string_lossy();
            let want = format!("/{}/", go_base(&dir));
            if let Some(found) = recorded.find(&want) {
                return recorded[found + want.len()..].to_string();
            }
        }
    }
    trim_path(recorded, &search.trim)
}

/// Reads source files, each once.
#[derive(Debug, Default)]
pub struct SourceReader {
    search: SourceSearch,
    cache: HashMap<String, Option<Rc<Vec<String>>>>,
}

impl SourceReader {
    pub fn new(search: SourceSearch) -> Self {
        SourceReader {
            search,
            cache: HashMap::new(),
        }
    }

    pub fn search(&self) -> &SourceSearch {
        &self.search
    }

    /// The lines of the file a recorded path refers to (line 1 at index 0),
    /// or `None` when it cannot be found or read.
    pub fn lines(&mut self, recorded: &str) -> Option<Rc<Vec<String>>> {
        if let Some(hit) = self.cache.get(recorded) {
            return hit.clone();
        }
        let lines = self
            .search
            .find(recorded)
            .and_then(|p| read_source_file(&p))
            .map(|bytes| {
                Rc::new(
                    String::from_utf8_lossy(&bytes)
                        .lines()
                        .map(str::to_string)
                        .collect(),
                )
            });
        self.cache.insert(recorded.to_string(), lines.clone());
        lines
    }
}

/// The largest source file read. A profile names its source files itself:
/// one naming a huge file (or a special one that never ends, like
/// `/proc/self/pagemap`) must not make `list` read it all.
const MAX_SOURCE_FILE: u64 = 64 << 20;

/// A source file's bytes; `None` when it cannot be read or is larger than
/// [`MAX_SOURCE_FILE`].
fn read_source_file(path: &Path) -> Option<Vec<u8>> {
    use std::io::Read;
    let file = std::fs::File::open(path).ok()?;
    if file.metadata().ok()?.len() > MAX_SOURCE_FILE {
        return None;
    }
    let mut bytes = Vec::new();
    file.take(MAX_SOURCE_FILE + 1)
        .read_to_end(&mut bytes)
        .ok()?;
    (bytes.len() as u64 <= MAX_SOURCE_FILE).then_some(bytes)
}

/// The last line of a Go function that starts at `start` (1-based): where
/// its braces balance again. Braces in strings, runes and comments are
/// skipped. `None` when they never balance.
pub fn function_end(lines: &[String], start: usize) -> Option<usize> {
    let mut depth = 0i64;
    let mut opened = false;
    let mut in_block_comment = false;
    let mut in_raw = false;
    for (i, line) in lines.iter().enumerate().skip(start.checked_sub(1)?) {
        let mut chars = line.chars().peekable();
        let mut in_str: Option<char> = None;
        while let Some(c) = chars.next() {
            if in_block_comment {
                if c == '*' && chars.peek() == Some(&'/') {
                    chars.next();
                    in_block_comment = false;
                }
                continue;
            }
            if in_raw {
                in_raw = c != '`';
                continue;
            }
            if let Some(q) = in_str {
                if c == '\\' {
                    chars.next();
                } else if c == q {
                    in_str = None;
                }
                continue;
            }
            match c {
                '/' if chars.peek() == Some(&'/') => break,
                '/' if chars.peek() == Some(&'*') => {
                    chars.next();
                    in_block_comment = true;
                }
                '`' => in_raw = true,
                '"' | '\'' => in_str = Some(c),
                '{' => {
                    depth += 1;
                    opened = true;
                }
                '}' => depth -= 1,
                _ => {}
            }
        }
        if opened && depth <= 0 {
            return Some(i + 1);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn function_end_balances_braces_outside_strings_and_comments() {
        let src: Vec<String> = [
            "package main",
            "func f() {",
            "\ts := \"}\" // }",
            "\tif true { /* { */",
            "\t\t_ = '}'",
            "\t}",
            "}",
            "func g() {}",
        ]
        .iter()
        .map(ToString::to_string)
        .collect();
        assert_eq!(function_end(&src, 2), Some(7));
        assert_eq!(function_end(&src, 8), Some(8));
        assert_eq!(function_end(&src, 0), None);
    }

    #[test]
    fn display_path_drops_up_to_a_source_directory_name() {
        let search = SourceSearch {
            dirs: vec![PathBuf::from("testdata/gen"), PathBuf::from("/src")],
            ..Default::default()
        };
        assert_eq!(
            display_path("/work/main/testdata/gen/inline/main.go", &search),
            "inline/main.go"
        );
        assert_eq!(display_path("/x/src/a/b.go", &search), "a/b.go");
        assert_eq!(display_path("/usr/lib/x.go", &search), "/usr/lib/x.go");
        let trimmed = SourceSearch {
            trim: vec!["/work/main".to_string()],
            ..search
        };
        assert_eq!(
            display_path("/work/main/testdata/gen/inline/main.go", &trimmed),
            "testdata/gen/inline/main.go"
        );
        assert_eq!(
            display_path("/proc/self/cwd/a.go", &SourceSearch::default()),
            "a.go"
        );
    }

    #[test]
    fn source_files_beyond_the_limit_are_not_read() {
        let dir = tempfile::tempdir().unwrap();
        let small = dir.path().join("small.go");
        std::fs::write(&small, "package main\n").unwrap();
        let huge = dir.path().join("huge.go");
        // Sparse: nothing is written, the file just says it is that long.
        std::fs::File::create(&huge)
            .unwrap()
            .set_len(MAX_SOURCE_FILE + 1)
            .unwrap();
        let mut reader = SourceReader::new(SourceSearch::default());
        let lines = reader.lines(&small.to_string_lossy()).unwrap();
        assert_eq!(*lines, ["package main"]);
        assert!(reader.lines(&huge.to_string_lossy()).is_none());
    }

    #[test]
    fn find_tries_shorter_suffixes_under_each_directory() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("pkg")).unwrap();
        std::fs::write(dir.path().join("pkg/f.go"), "package pkg\n").unwrap();
        let search = SourceSearch {
            dirs: vec![dir.path().to_path_buf()],
            ..Default::default()
        };
        assert_eq!(
            search.find("mymod/pkg/f.go"),
            Some(dir.path().join("pkg/f.go"))
        );
        assert_eq!(
            search.find("/build/x/mymod/pkg/f.go"),
            Some(dir.path().join("pkg/f.go"))
        );
        assert_eq!(search.find("other/g.go"), None);
        let goroot = SourceSearch {
            goroot: Some(dir.path().join("go")),
            ..Default::default()
        };
        std::fs::create_dir_all(dir.path().join("go/src/bufio")).unwrap();
        std::fs::write(dir.path().join("go/src/bufio/bufio.go"), "package bufio\n").unwrap();
        assert_eq!(
            goroot.find("bufio/bufio.go"),
            Some(dir.path().join("go/src/bufio/bufio.go"))
        );
    }
}
