//! pprof's text rows, byte for byte: the fixed printf formats of
//! `internal/report`'s `printText` (`-top`) and `printTree` (`-peek`).
//! Values come formatted (`units::scaled_label`) and percentages as
//! `units::percentage` gives them (pprof's `measurement.Percentage`, at
//! least 6 wide); a long one pushes the rest of its row, as in pprof.
//! Names come escaped (`support::escape::text`).

use std::io::{self, Write};

use crate::profile::graph::InlineMark;

/// `-top`'s legend: `"%10s %5s%% %5s%% %10s %5s%%"` of flat, flat, sum,
/// cum, cum.
pub const TOP_LEGEND: &str = "      flat  flat%   sum%        cum   cum%";

/// One node of `-top`: `"%10s %s %s %10s %s  %s%s"` — flat, flat%, sum%,
/// cum, cum%, the name and its mark (`" (inline)"` or empty).
pub struct TopRow<'a> {
    pub flat: &'a str,
    pub flat_pct: &'a str,
    pub sum_pct: &'a str,
    pub cum: &'a str,
    pub cum_pct: &'a str,
    pub name: &'a str,
    pub mark: &'a str,
}

impl TopRow<'_> {
    pub fn write(&self, w: &mut dyn Write) -> io::Result<()> {
        writeln!(
            w,
            "{:>10} {} {} {:>10} {}  {}{}",
            self.flat, self.flat_pct, self.sum_pct, self.cum, self.cum_pct, self.name, self.mark
        )
    }
}

/// A node's inline mark as `-top` appends it to the name: `" (inline)"`,
/// `" (partial-inline)"` or nothing.
pub fn inline_mark(mark: InlineMark) -> &'static str {
    match mark {
        InlineMark::None => "",
        InlineMark::Inline => " (inline)",
        InlineMark::Partial => " (partial-inline)",
    }
}

/// The line around and between `-peek`'s blocks.
pub const PEEK_SEPARATOR: &str =
    "----------------------------------------------------------+-------------";

/// `-peek`'s legend, with the tab-separated blanks pprof ends it with.
pub const PEEK_LEGEND: &str =
    "      flat  flat%   sum%        cum   cum%   calls calls% + context \t \t ";

/// The node of a `-peek` block: `"%10s %s %s %10s %s                | %s"`.
pub struct PeekNode<'a> {
    pub flat: &'a str,
    pub flat_pct: &'a str,
    pub sum_pct: &'a str,
    pub cum: &'a str,
    pub cum_pct: &'a str,
    pub name: &'a str,
}

impl PeekNode<'_> {
    pub fn write(&self, w: &mut dyn Write) -> io::Result<()> {
        writeln!(
            w,
            "{:>10} {} {} {:>10} {}                | {}",
            self.flat, self.flat_pct, self.sum_pct, self.cum, self.cum_pct, self.name
        )
    }
}

/// A caller or callee of a `-peek` block: `"%50s %s |   %s%s"` — the
/// edge's value, its share of the node's cum, the other node's name and
/// `" (inline)"` for an inlined call.
pub fn write_peek_edge(
    w: &mut dyn Write,
    value: &str,
    pct: &str,
    name: &str,
    inline: bool,
) -> io::Result<()> {
    let mark = if inline { " (inline)" } else { "" };
    writeln!(w, "{value:>50} {pct} |   {name}{mark}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(f: impl FnOnce(&mut Vec<u8>) -> io::Result<()>) -> String {
        let mut out = Vec::new();
        f(&mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn top_rows_keep_printf_widths_and_let_long_values_push() {
        let row = |flat_pct: &'static str| TopRow {
            flat: "1.50MB",
            flat_pct,
            sum_pct: "12.00%",
            cum: "2MB",
            cum_pct: "  100%",
            name: "main.f",
            mark: " (inline)",
        };
        assert_eq!(
            text(|w| row("12.00%").write(w)),
            "    1.50MB 12.00% 12.00%        2MB   100%  main.f (inline)\n"
        );
        // A percentage of 7 characters moves what follows it by one.
        assert_eq!(
            text(|w| row("0.0054%").write(w)),
            "    1.50MB 0.0054% 12.00%        2MB   100%  main.f (inline)\n"
        );
        assert_eq!(TOP_LEGEND.len(), 10 + 1 + 6 + 1 + 6 + 1 + 10 + 1 + 6);
    }

    #[test]
    fn peek_rows_keep_printf_widths() {
        assert_eq!(
            text(|w| write_peek_edge(w, "512kB", "50.00%", "main.g", true)),
            format!("{}512kB 50.00% |   main.g (inline)\n", " ".repeat(45))
        );
        let node = PeekNode {
            flat: "0",
            flat_pct: "    0%",
            sum_pct: "    0%",
            cum: "1MB",
            cum_pct: "  100%",
            name: "main.f",
        };
        assert_eq!(
            text(|w| node.write(w)),
            "         0     0%     0%        1MB   100%                | main.f\n"
        );
        // The node's bar sits under the edges' bar.
        let edge = text(|w| write_peek_edge(w, "1", "  100%", "x", false));
        let node = text(|w| node.write(w));
        assert_eq!(edge.find('|'), node.find('|'));
    }
}
