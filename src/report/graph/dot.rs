//! The call graph as Graphviz DOT text, attribute for attribute as
//! `go tool pprof -dot` writes it.

use std::io::{self, Write};

use super::Drawing;
use crate::support::escape;

/// Lines escaped and joined with DOT's centred line break.
fn lines<'a>(lines: impl IntoIterator<Item = &'a str>) -> String {
    lines
        .into_iter()
        .map(escape::dot)
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
    writeln!(w, "digraph \"{}\" {{", escape::dot(name))?;
    writeln!(w, "node [style=filled fillcolor=\"#f8f8f8\"]")?;
    if let Some(first) = d.legend.first() {
        let label: Vec<String> = d.legend.iter().map(|l| escape::dot(l)).collect();
        write!(
            w,
            "subgraph cluster_L {{ \"{}\" [shape=box fontsize=16 label=\"{}\\l\"",
            escape::dot(first),
            label.join("\\l")
        )?;
        if !d.title.is_empty() {
            write!(w, " tooltip=\"{}\"", escape::dot(&d.title))?;
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
            escape::dot(&n.tooltip),
            n.color,
            n.fill
        )?;
        for t in &n.nodelets {
            let weight = escape::dot(&t.weight);
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
            escape::dot(&e.value),
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
        let tooltip = escape::dot(&e.tooltip);
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
