//! Function names as pprof shows them: its `-symbolize` demangling step,
//! applied once at load. A function whose name is its system name (or has
//! none) is demangled (C++ `_Z…`, Rust legacy `_ZN…17h…E` and v0 `_R…`) or,
//! when it looks like demangled C++, simplified (parameter lists and, by
//! default, template arguments dropped); Go generic instantiations take the
//! same road. Functions that end up sharing a name share a node, as in
//! pprof. Go names need nothing: a byte scan tells so.

use std::fmt;

use super::{Function, Profile};

/// pprof's `-symbolize=demangle=…` choices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Demangle {
    /// Demangled, no parameters, no template arguments, no return type.
    #[default]
    Default,
    /// Demangled, no parameters, no return type.
    Templates,
    /// Demangled in full (clone suffixes dropped, as pprof's `NoClones`), and
    /// names that look demangled left whole.
    Full,
    /// Not demangled: names are the system names.
    None,
}

/// What `-symbolize` asks of the names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Symbolize {
    /// `-symbolize=none`: names are left exactly as read.
    pub skip: bool,
    /// `force` (implied by any `demangle=`): names already demangled are
    /// demangled again from their system names.
    pub force: bool,
    pub demangle: Demangle,
}

impl Symbolize {
    /// Reads pprof's `-symbolize` value: `:`-separated, case-insensitive
    /// `none`/`no`, `force`, `demangle=default|full|templates|none`. The
    /// symbolizer's own choices (`local`, `fastlocal`, `remote`) need the
    /// profiled binaries or a symbol server and are refused, as is any
    /// other word (pprof ignores unknown ones with a warning).
    pub fn parse(value: &str) -> Result<Symbolize, String> {
        let mut s = Symbolize::default();
        for part in value.to_ascii_lowercase().split(':') {
            match part {
                "" | "demangle=default" => {}
                "none" | "no" => s.skip = true,
                "force" => s.force = true,
                "demangle=full" => (s.force, s.demangle) = (true, Demangle::Full),
                "demangle=templates" => (s.force, s.demangle) = (true, Demangle::Templates),
                "demangle=none" => (s.force, s.demangle) = (true, Demangle::None),
                "local" | "fastlocal" | "remote" => {
                    return Err(format!(
                        "{part}: heapscope does not symbolize addresses (it reads no binaries \
                         and asks no symbol server); it accepts none, force and \
                         demangle=default|full|templates|none"
                    ))
                }
                _ => {
                    return Err(format!(
                        "unknown choice {part:?}: expecting none, force or \
                         demangle=default|full|templates|none, joined by ':'"
                    ))
                }
            }
        }
        Ok(s)
    }
}

/// Applies pprof's demangling step to every function of `p` (pprof's
/// `symbolizer.Demangle`, with the `force` and mode of `opts`).
pub fn apply(p: &mut Profile, opts: &Symbolize) {
    if opts.skip {
        return;
    }
    let mut functions = std::mem::take(&mut p.functions);
    if opts.force {
        for f in &mut functions {
            if !p.str(f.name).is_empty() && !p.str(f.system_name).is_empty() {
                f.name = f.system_name;
            }
        }
    }
    if opts.demangle != Demangle::None {
        for f in &mut functions {
            name_function(p, f, opts.demangle);
        }
    }
    p.functions = functions;
}

/// One function (pprof's `demangleSingleFunction`): left alone when its
/// name differs from its system name; else named by the demangled system
/// name, or the system name less one leading underscore (pprof retries
/// without it, for macOS, and keeps the shorter name even when that fails
/// too), or the system name simplified when it looks like demangled C++.
fn name_function(p: &mut Profile, f: &mut Function, mode: Demangle) {
    let name = p.str(f.name);
    let system = p.str(f.system_name);
    if !name.is_empty() && system != name {
        return;
    }
    let renamed = if !system.starts_with('_') {
        simplified(system, mode)
    } else if let Some(d) = demangled(system, mode) {
        Some(d)
    } else {
        Some(demangled(&system[1..], mode).unwrap_or_else(|| system[1..].to_string()))
    };
    let id = match renamed {
        Some(n) if n != system => p.strings.push(&n),
        _ => f.system_name,
    };
    f.name = id;
}

/// pprof's heuristics for a name it could not demangle: when it looks like
/// demangled C++, parameter lists go and, by default, template arguments.
/// `None` when the name stays as it is (the fast path of every Go name).
fn simplified(name: &str, mode: Demangle) -> Option<String> {
    if mode == Demangle::Full || !looks_like_demangled_cpp(name) {
        return None;
    }
    let mut out = remove_matching(name, b'(', b')');
    if mode == Demangle::Default {
        out = remove_matching(&out, b'<', b'>');
    }
    (out != name).then_some(out)
}

/// pprof's test of a name already demangled from C++: brackets or `::`,
/// but not Java's `class.<init>` nor Go's `pkg.(*T[…]).Method`.
fn looks_like_demangled_cpp(name: &str) -> bool {
    let b = name.as_bytes();
    if !b
        .iter()
        .any(|&c| matches!(c, b'<' | b'>' | b'[' | b']' | b':'))
    {
        return false;
    }
    if name.contains(".<") || name.contains("]).") {
        return false;
    }
    name.contains(['<', '>', '[', ']']) || name.contains("::")
}

/// Removes every outermost `open … close` span, nesting counted; at a
/// closing bracket without its opening one pprof stops, and so does this.
fn remove_matching(name: &str, open: u8, close: u8) -> String {
    let mut out = String::with_capacity(name.len());
    let mut depth = 0usize;
    let mut kept_from = 0;
    for (i, c) in name.bytes().enumerate() {
        if c == open {
            if depth == 0 {
                out.push_str(&name[kept_from..i]);
            }
            depth += 1;
        } else if c == close {
            if depth == 0 {
                // A mismatch: pprof stops, keeping what it has removed.
                break;
            }
            depth -= 1;
            if depth == 0 {
                kept_from = i + 1;
            }
        }
    }
    // The rest, with an unclosed span or after a mismatch, is kept.
    out.push_str(&name[kept_from..]);
    out
}

/// The demangled form of a mangled name, or `None` when it is not one
/// (pprof's `demangle.Filter` failing).
fn demangled(name: &str, mode: Demangle) -> Option<String> {
    if name.starts_with("_R") {
        let d = rustc_demangle::try_demangle(name).ok()?;
        let s = Alternate(d).to_string();
        return Some(if mode == Demangle::Default {
            remove_generic_args(&s)
        } else {
            s
        });
    }
    if name.starts_with("_ZN") {
        let rust = match name.rfind("E.") {
            Some(pos) if pos > 0 => &name[..=pos],
            _ => name,
        };
        if is_legacy_rust(rust) {
            if let Ok(d) = rustc_demangle::try_demangle(rust) {
                return Some(Alternate(d).to_string());
            }
        }
    }
    if !name.starts_with("_Z") {
        return None;
    }
    // Clone suffixes (`.constprop.0`) are dropped in every mode of pprof's
    // (`NoParams` and `NoClones` both turn them off).
    let name = name.split('.').next().unwrap_or(name);
    let symbol = cpp_demangle::Symbol::new(name).ok()?;
    let options = match mode {
        Demangle::Full => cpp_demangle::DemangleOptions::new(),
        _ => cpp_demangle::DemangleOptions::new()
            .no_params()
            .no_return_type(),
    };
    let s = symbol.demangle_with_options(&options).ok()?;
    Some(if mode == Demangle::Default {
        remove_matching(&s, b'<', b'>')
    } else {
        s
    })
}

/// A legacy Rust name: `_ZN…17h` then 16 hex digits (at least five
/// distinct) then `E`.
fn is_legacy_rust(name: &str) -> bool {
    let b = name.as_bytes();
    if b.len() <= 23 || b[b.len() - 1] != b'E' || &b[b.len() - 20..b.len() - 17] != b"17h" {
        return false;
    }
    let mut seen = 0u16;
    for &c in &b[b.len() - 17..b.len() - 1] {
        match c {
            b'0'..=b'9' => seen |= 1 << (c - b'0'),
            b'a'..=b'f' => seen |= 1 << (c - b'a' + 10),
            _ => return false,
        }
    }
    seen.count_ones() >= 5
}

/// A v0 Rust name's generic arguments (`::<…>`) dropped, their brackets
/// kept (`drop_in_place::<>`), as pprof's demangler does by default.
fn remove_generic_args(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut rest = name;
    while let Some(i) = rest.find("::<") {
        out.push_str(&rest[..i]);
        out.push_str("::<>");
        let mut depth = 0usize;
        let mut end = rest.len();
        for (j, c) in rest[i + 2..].char_indices() {
            match c {
                '<' => depth += 1,
                '>' => {
                    depth -= 1;
                    if depth == 0 {
                        end = i + 2 + j + 1;
                        break;
                    }
                }
                _ => {}
            }
        }
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// rustc-demangle's form without hashes (`{:#}`).
struct Alternate<'a>(rustc_demangle::Demangle<'a>);

impl fmt::Display for Alternate<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:#}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_names_need_nothing() {
        assert_eq!(simplified("main.main", Demangle::Default), None);
        assert_eq!(
            simplified("main.Collect[go.shape.int]", Demangle::Default),
            None
        );
        assert_eq!(
            simplified("main.(*Box[go.shape.int]).Put", Demangle::Default),
            None
        );
        assert_eq!(
            simplified(
                "main.Collect[go.shape.interface { Key() string; Size() (int, error) }]",
                Demangle::Default
            )
            .as_deref(),
            Some("main.Collect[go.shape.interface { Key string; Size  }]")
        );
    }

    #[test]
    fn cpp_like_names_lose_params_and_templates() {
        let s = |n| simplified(n, Demangle::Default);
        assert_eq!(
            s("std::vector<int>::push_back(int const&)").as_deref(),
            Some("std::vector::push_back")
        );
        assert_eq!(s("a::b<c<d>>()").as_deref(), Some("a::b"));
        assert_eq!(s("java.lang.Object.<init>"), None);
        assert_eq!(s("a::b(x)c)d(y)").as_deref(), Some("a::bc)d(y)"));
        assert_eq!(
            simplified("a::b<c>(int)", Demangle::Templates).as_deref(),
            Some("a::b<c>")
        );
    }

    #[test]
    fn symbolize_values() {
        assert_eq!(Symbolize::parse("").unwrap(), Symbolize::default());
        assert!(Symbolize::parse("None").unwrap().skip);
        let full = Symbolize::parse("demangle=full").unwrap();
        assert_eq!((full.force, full.demangle), (true, Demangle::Full));
        assert!(Symbolize::parse("local").is_err());
        assert!(Symbolize::parse("demangle=fancy").is_err());
    }

    #[test]
    fn legacy_rust_hash() {
        assert!(is_legacy_rust("_ZN3foo3bar17h0123456789abcdefE"));
        assert!(!is_legacy_rust("_ZN3foo3bar17h0000000000000000E"));
    }
}
