//! The call graph as Graphviz DOT text, attribute for attribute as
//! `go tool pprof -dot` writes it.

use std::io::{self, Write};

use super::Drawing;

/// Escapes text for a double-quoted DOT string: backslashes and quotes,
/// and a newline becomes a left-justified line break, as pprof does.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\l"),
            c => out.push(c),
        }
    }
    out
}

/// Lines escaped and joined with DOT's centred line break.
fn lines<'a>(lines: impl IntoIterator<Item = &'a str>) -> String {
    lines
        .into_iter()
        .map(escape)
        .collect::<Vec<_>>()
        .join("\\n")
}

/// Writes the graph as DOT.
pub fn write(w: &mut dyn Write, d: &Drawing) -> io::Result<()> {
    let name = if d.title.is_empty() {
        "unnamed"
    } else {
        &d.title
    };
    writeln!(w, "digraph \"{}\" {{", escape(name))?;
    writeln!(w, "node [style=filled fillcolor=\"#f8f8f8\"]")?;
    if let Some(first) = d.legend.first() {
        let label: Vec<String> = d.legend.iter().map(|l| escape(l)).collect();
        write!(
            w,
            "subgraph cluster_L {{ \"{}\" [shape=box fontsize=16 label=\"{}\\l\"",
            escape(first),
            label.join("\\l")
        )?;
        if !d.title.is_empty() {
            write!(w, " tooltip=\"{}\"", escape(&d.title))?;
        }
        writeln!(w, "] }}")?;
    }
    for (i, n) in d.nodes.iter().enumerate() {
        let id = i + 1;
        writeln!(
            w,
            "N{id} [label=\"{}\" id=\"node{id}\" fontsize={} shape=box tooltip=\"{}\" \
             color=\"{}\" fillcolor=\"{}\"]",
            lines(n.lines()),
            n.font_size,
            escape(&n.tooltip),
            n.color,
            n.fill
        )?;
        for t in &n.nodelets {
            let weight = escape(&t.weight);
            writeln!(
                w,
                "{} [label = \"{}\" id=\"{}\" fontsize=8 shape=box3d tooltip=\"{weight}\"]",
                t.id,
                lines(t.label.iter().map(String::as_str)),
                t.id
            )?;
            writeln!(
                w,
                "{} -> {} [label=\" {weight}\" weight=100 tooltip=\"{weight}\" \
                 labeltooltip=\"{weight}\"{}]",
                t.parent,
                t.id,
                if t.dotted { " style=\"dotted\"" } else { "" }
            )?;
        }
    }
    for e in &d.edges {
        let mut attr = format!(
            "label=\" {}{}\"",
            escape(&e.value),
            if e.inline { "\\n (inline)" } else { "" }
        );
        if let Some(weight) = e.weight {
            attr.push_str(&format!(" weight={weight}"));
        }
        if let Some(width) = e.penwidth {
            attr.push_str(&format!(" penwidth={width}"));
        }
        if let Some(color) = &e.color {
            attr.push_str(&format!(" color=\"{color}\""));
        }
        let tooltip = escape(&e.tooltip);
        attr.push_str(&format!(
            " tooltip=\"{tooltip}\" labeltooltip=\"{tooltip}\""
        ));
        if e.residual {
            attr.push_str(" style=\"dotted\"");
        }
        if e.minlen2 {
            attr.push_str(" minlen=2");
        }
        writeln!(w, "N{} -> N{} [{attr}]", e.from + 1, e.to + 1)?;
    }
    writeln!(w, "}}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specials_are_escaped() {
        assert_eq!(escape(r#"a"b\c"#), r#"a\"b\\c"#);
        assert_eq!(escape("x\ny"), r"x\ly");
    }
}
