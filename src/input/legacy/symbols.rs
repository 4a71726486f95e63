//! The `#` symbol lines Go writes under each record: parsing them, giving
//! them to the row's addresses, and grouping inlined calls into locations.

use super::parse::{parse_hex, Row};

/// One `#` symbol line: the frame's pc and, when the runtime knew it, the
/// function, its entry (pc − offset), file and line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Symbol {
    pub(super) pc: u64,
    pub(super) frame: Option<Frame>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Frame {
    pub(super) function: String,
    entry: Option<u64>,
    pub(super) file: String,
    pub(super) line: i64,
}

/// Splits off the first whitespace-delimited token.
fn token(s: &str) -> (&str, &str) {
    let s = s.trim_start();
    match s.find(char::is_whitespace) {
        Some(i) => (&s[..i], s[i..].trim_start()),
        None => (s, ""),
    }
}

/// Parses `#\t0x4b40ea\tmain.newBuf+0x2a\t/path/main.go:41` (tabs or
/// spaces). `None` for other `#` lines (`# runtime.MemStats`, comments).
pub(super) fn parse_symbol(line: &str) -> Option<Symbol> {
    let body = line.strip_prefix('#')?;
    let (pc, rest) = token(body);
    let pc = parse_hex(pc)?;
    let (name, location) = token(rest);
    if name.is_empty() {
        return Some(Symbol { pc, frame: None });
    }
    let (function, entry) = match name.rsplit_once("+0x") {
        Some((f, off)) if !f.is_empty() => (
            f,
            u64::from_str_radix(off, 16)
                .ok()
                .and_then(|off| pc.checked_sub(off)),
        ),
        _ => (name, None),
    };
    let location = location.trim_end();
    let (file, line) = match location.rsplit_once(':') {
        Some((file, n)) => match n.parse::<i64>() {
            Ok(n) => (file, n),
            Err(_) => (location, 0),
        },
        None => (location, 0),
    };
    Some(Symbol {
        pc,
        frame: Some(Frame {
            function: function.to_string(),
            entry,
            file: file.to_string(),
            line,
        }),
    })
}

/// The symbol lines of a row, per address (`None` when no line matches any
/// address: the row is then treated as unsymbolized). A line belongs to the
/// address it names (pc = address − 1, or the address itself when it was a
/// function's entry); several lines with one pc are the inlined frames of
/// that address. Lines that name no address of the row are ignored.
pub(super) fn assign_symbols<'r>(row: &'r Row, pcs: &[u64]) -> Option<Vec<Vec<&'r Symbol>>> {
    if row.symbols.is_empty() {
        return None;
    }
    let mut frames: Vec<Vec<&Symbol>> = vec![Vec::new(); pcs.len()];
    // Every position under its pc and under its address, sorted: the first
    // position at or after `from` that a symbol's pc names is one binary
    // search away.
    let mut index: Vec<(u64, usize)> = Vec::with_capacity(2 * pcs.len());
    for (k, (&pc, &addr)) in pcs.iter().zip(&row.addrs).enumerate() {
        index.push((pc, k));
        index.push((addr, k));
    }
    index.sort_unstable();
    let mut current: Option<usize> = None;
    let mut matched = false;
    for s in &row.symbols {
        if let Some(c) = current {
            if frames[c].last().is_some_and(|last| last.pc == s.pc) {
                frames[c].push(s);
                continue;
            }
        }
        let from = current.map_or(0, |c| c + 1);
        let i = index.partition_point(|&entry| entry < (s.pc, from));
        if let Some(&(pc, k)) = index.get(i).filter(|(pc, _)| *pc == s.pc) {
            debug_assert!(pc == s.pc && k >= from);
            frames[k].push(s);
            current = Some(k);
            matched = true;
        }
    }
    matched.then_some(frames)
}

/// Groups the symbolized addresses of a row into locations: consecutive
/// addresses whose frames share a function entry and differ in name are
/// inlined calls within one physical frame (the runtime's rule for its
/// protobuf profiles). Addresses without frames were hidden by the runtime
/// and are left out.
pub(super) fn group_inlined<'r>(
    pcs: &[u64],
    frames: &[Vec<&'r Symbol>],
) -> Vec<(Vec<u64>, Vec<&'r Symbol>)> {
    let mut groups: Vec<(Vec<u64>, Vec<&Symbol>)> = Vec::new();
    let mut last_index: Option<usize> = None;
    for (k, f) in frames.iter().enumerate() {
        let Some(first) = f.first() else {
            continue;
        };
        let joins = last_index == Some(k.wrapping_sub(1))
            && groups
                .last()
                .and_then(|(_, syms)| syms.last())
                .is_some_and(|last| inlined_into_same_frame(last, first));
        if joins {
            if let Some((g_pcs, g_syms)) = groups.last_mut() {
                g_pcs.push(pcs[k]);
                g_syms.extend(f.iter().copied());
            }
        } else {
            groups.push((vec![pcs[k]], f.clone()));
        }
        last_index = Some(k);
    }
    groups
}

fn inlined_into_same_frame(callee: &Symbol, caller: &Symbol) -> bool {
    match (&callee.frame, &caller.frame) {
        (Some(a), Some(b)) => a.entry.is_some() && a.entry == b.entry && a.function != b.function,
        _ => false,
    }
}
