//! The call graph drawn as SVG by heapscope itself (no Graphviz): sizes
//! every box from its text, lays the graph out with [`super::layout`] and
//! draws boxes, nodelets, edges with their labels, and the legend, in
//! pprof's colours, with tooltips.

use std::io::{self, Write};

use super::layout::{self, EdgeIn, Input, Rect, Size, LAYER_GAP};
use super::text::{line_height, max_width, width};
use super::{Drawing, Node, Nodelet};
use crate::support::escape;

/// Font sizes of edge labels, nodelet weights, nodelets and the legend.
const EDGE_FONT: f64 = 12.0;
const WEIGHT_FONT: f64 = 10.0;
const NODELET_FONT: f64 = 8.0;
const LEGEND_FONT: f64 = 14.0;
/// Padding inside node boxes, around the legend, around the drawing.
const PAD_X: f64 = 8.0;
const PAD_Y: f64 = 4.0;
const MARGIN: f64 = 12.0;
/// Nodelets: the line from the node down to a nodelet, the 3-D depth of
/// its box, the space between columns.
const STALK: f64 = 24.0;
const DEPTH: f64 = 4.0;
const COLUMN_GAP: f64 = 10.0;
const FONT_FAMILY: &str = "Helvetica,Arial,'Liberation Sans','Nimbus Sans',sans-serif";

fn node_size(n: &Node) -> Size {
    let f = f64::from(n.font_size);
    let lines = n.name_lines.len() + n.value_lines.len();
    Size {
        w: max_width(n.lines(), f) + 2.0 * PAD_X,
        h: lines as f64 * line_height(f) + 2.0 * PAD_Y,
    }
}

/// One nodelet placed in its node's block, relative to the block.
struct Placed<'a> {
    nodelet: &'a Nodelet,
    /// The 3-D box, without its depth.
    bx: Rect,
    /// Where its stalk starts (the node, or its parent nodelet's box).
    from: Option<usize>,
}

/// The nodelets of a node in rows under it: those of the node first, those
/// hanging from a label tag in a second row.
struct Block<'a> {
    placed: Vec<Placed<'a>>,
    size: Size,
}

fn block(n: &Node, id: usize) -> Option<Block<'_>> {
    if n.nodelets.is_empty() {
        return None;
    }
    let own = format!("N{id}");
    let mut placed: Vec<Placed<'_>> = Vec::new();
    let mut size = Size::default();
    let mut row_top = 0.0;
    for row in 0..2 {
        let mut x = 0.0;
        let mut row_h: f64 = 0.0;
        for t in &n.nodelets {
            if (t.parent == own) != (row == 0) {
                continue;
            }
            let text_w = max_width(t.label.iter().map(String::as_str), NODELET_FONT);
            let bw = text_w + 2.0 * PAD_X;
            let bh = t.label.len() as f64 * line_height(NODELET_FONT) + 2.0 * PAD_Y;
            let column_w = (bw + DEPTH).max(bw / 2.0 + 4.0 + width(&t.weight, WEIGHT_FONT) + 4.0);
            if x > 0.0 {
                x += COLUMN_GAP;
            }
            let from = placed.iter().position(|p| p.nodelet.id == t.parent);
            placed.push(Placed {
                nodelet: t,
                bx: Rect {
                    x: x + (column_w - bw - DEPTH) / 2.0,
                    y: row_top + STALK + DEPTH,
                    w: bw,
                    h: bh,
                },
                from,
            });
            x += column_w;
            row_h = row_h.max(STALK + DEPTH + bh);
        }
        if row_h > 0.0 {
            size.w = size.w.max(x);
            row_top += row_h;
        }
    }
    size.h = row_top;
    Some(Block { placed, size })
}

fn edge_label_lines(e: &super::Edge) -> Vec<&str> {
    let mut lines = vec![e.value.as_str()];
    if e.inline {
        lines.push("(inline)");
    }
    lines
}

/// The nodelet blocks of a drawing and what the layout needs to know.
fn layout_input(d: &Drawing) -> (Vec<Option<Block<'_>>>, Input) {
    let blocks: Vec<Option<Block<'_>>> = d
        .nodes
        .iter()
        .enumerate()
        .map(|(i, n)| block(n, i + 1))
        .collect();
    let input = Input {
        nodes: d.nodes.iter().map(node_size).collect(),
        attachments: blocks.iter().map(|b| b.as_ref().map(|b| b.size)).collect(),
        edges: d
            .edges
            .iter()
            .map(|e| {
                let lines = edge_label_lines(e);
                EdgeIn {
                    from: e.from,
                    to: e.to,
                    weight: e.penwidth.unwrap_or(1) as f64,
                    label: Some(Size {
                        w: max_width(lines.iter().copied(), EDGE_FONT),
                        h: lines.len() as f64 * line_height(EDGE_FONT),
                    }),
                }
            })
            .collect(),
    };
    (blocks, input)
}

/// Lays the drawing out: its boxes, nodelet blocks, edges and labels.
#[cfg(test)]
pub fn layout(d: &Drawing) -> layout::Output {
    layout::layout(&layout_input(d).1)
}

/// Writes the graph as SVG.
pub fn write(w: &mut dyn Write, d: &Drawing) -> io::Result<()> {
    let (blocks, input) = layout_input(d);
    let out = layout::layout(&input);

    let legend_w = max_width(d.legend.iter().map(String::as_str), LEGEND_FONT) + 2.0 * PAD_X;
    let legend_h = d.legend.len() as f64 * line_height(LEGEND_FONT) + 2.0 * PAD_Y;
    let (ox, oy) = (MARGIN, MARGIN + legend_h + 2.0 * MARGIN);
    let total_w = (out.width + 2.0 * MARGIN).max(legend_w + 2.0 * MARGIN);
    let total_h = oy + out.height + MARGIN;

    writeln!(
        w,
        r#"<?xml version="1.0" encoding="UTF-8" standalone="no"?>"#
    )?;
    writeln!(w, "<!-- heapscope graph: built-in layout -->")?;
    writeln!(
        w,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{total_w:.0}pt" height="{total_h:.0}pt" viewBox="0 0 {total_w:.2} {total_h:.2}" font-family="{FONT_FAMILY}">"#
    )?;
    writeln!(w, "<title>{}</title>", escape::xml(&d.title))?;
    writeln!(
        w,
        r#"<rect x="0" y="0" width="{total_w:.2}" height="{total_h:.2}" fill="white"/>"#
    )?;
    write_legend(w, d, legend_w, legend_h)?;
    writeln!(
        w,
        r#"<g id="graph" transform="translate({ox:.2},{oy:.2})">"#
    )?;
    for (k, e) in d.edges.iter().enumerate() {
        write_edge(w, e, &out.edges[k], k)?;
    }
    for (i, n) in d.nodes.iter().enumerate() {
        write_node(w, n, i + 1, &out.nodes[i])?;
        if let (Some(b), Some(at)) = (&blocks[i], out.attachments[i]) {
            write_nodelets(w, b, &out.nodes[i], at)?;
        }
    }
    writeln!(w, "</g>")?;
    writeln!(w, "</svg>")
}

fn write_legend(w: &mut dyn Write, d: &Drawing, lw: f64, lh: f64) -> io::Result<()> {
    if d.legend.is_empty() {
        return Ok(());
    }
    writeln!(w, r#"<g id="legend">"#)?;
    writeln!(w, "<title>{}</title>", escape::xml(&d.title))?;
    writeln!(
        w,
        r##"<rect x="{MARGIN}" y="{MARGIN}" width="{lw:.2}" height="{lh:.2}" fill="#f8f8f8" stroke="black"/>"##
    )?;
    for (k, line) in d.legend.iter().enumerate() {
        let y = MARGIN + PAD_Y + k as f64 * line_height(LEGEND_FONT) + 0.9 * LEGEND_FONT;
        // Filters are indented under "Active filters:"; SVG would collapse
        // the spaces, no-break spaces stay.
        let body = line.trim_start_matches(' ');
        let line = "\u{a0}".repeat(line.len() - body.len()) + body;
        writeln!(
            w,
            r#"<text x="{:.2}" y="{y:.2}" font-size="{LEGEND_FONT}">{}</text>"#,
            MARGIN + PAD_X,
            escape::xml(&line)
        )?;
    }
    writeln!(w, "</g>")
}

/// Text lines centred on `cx`, filling a block that starts at `top`.
fn centred_lines<'a>(
    w: &mut dyn Write,
    lines: impl Iterator<Item = &'a str>,
    cx: f64,
    top: f64,
    font: f64,
) -> io::Result<()> {
    for (k, line) in lines.enumerate() {
        let y = top + k as f64 * line_height(font) + 0.9 * font;
        writeln!(
            w,
            r#"<text x="{cx:.2}" y="{y:.2}" font-size="{font}" text-anchor="middle">{}</text>"#,
            escape::xml(line)
        )?;
    }
    Ok(())
}

fn write_node(w: &mut dyn Write, n: &Node, id: usize, r: &Rect) -> io::Result<()> {
    writeln!(w, r#"<g id="node{id}" class="node">"#)?;
    writeln!(w, "<title>{}</title>", escape::xml(&n.tooltip))?;
    writeln!(
        w,
        r#"<rect x="{:.2}" y="{:.2}" width="{:.2}" height="{:.2}" fill="{}" stroke="{}"/>"#,
        r.x, r.y, r.w, r.h, n.fill, n.color
    )?;
    centred_lines(
        w,
        n.lines(),
        r.center_x(),
        r.y + PAD_Y,
        f64::from(n.font_size),
    )?;
    writeln!(w, "</g>")
}

fn write_nodelets(w: &mut dyn Write, b: &Block<'_>, node: &Rect, at: Rect) -> io::Result<()> {
    let own: Vec<&Placed<'_>> = b.placed.iter().filter(|p| p.from.is_none()).collect();
    let m = own.len().max(1) as f64;
    for p in &b.placed {
        let bx = Rect {
            x: at.x + p.bx.x,
            y: at.y + p.bx.y,
            ..p.bx
        };
        let t = p.nodelet;
        // The stalk: from the node's bottom (spread across it) or the
        // parent nodelet, down to the top of the box.
        let (sx, sy) = match p.from {
            Some(parent) => {
                let q = &b.placed[parent];
                (at.x + q.bx.center_x(), at.y + q.bx.bottom())
            }
            None => {
                let j = own.iter().position(|q| std::ptr::eq(*q, p)).unwrap_or(0) as f64;
                (node.x + node.w * (j + 1.0) / (m + 1.0), node.bottom())
            }
        };
        let (ex, ey) = (bx.center_x(), bx.y - DEPTH);
        // Down from the node into the gap above the block, across there,
        // then straight down: the stalk stays out of other boxes' room.
        let points = match p.from {
            Some(_) => vec![(sx, sy), (ex, ey)],
            None => vec![(sx, sy), (sx, at.y - LAYER_GAP * 0.7), (ex, at.y), (ex, ey)],
        };
        let dash = if t.dotted {
            r#" stroke-dasharray="1,4""#
        } else {
            ""
        };
        writeln!(w, r#"<g id="{}" class="nodelet">"#, escape::xml(&t.id))?;
        writeln!(w, "<title>{}</title>", escape::xml(&t.weight))?;
        writeln!(
            w,
            r#"<path d="{}" fill="none" stroke="black"{dash}/>"#,
            path_data(&points)
        )?;
        writeln!(
            w,
            r#"<text x="{:.2}" y="{:.2}" font-size="{WEIGHT_FONT}">{}</text>"#,
            ex + 4.0,
            ey - STALK / 2.0 + WEIGHT_FONT / 2.0,
            escape::xml(&t.weight)
        )?;
        // A box with depth: the front face and the top and right sides.
        writeln!(
            w,
            r##"<path d="M{x0:.2},{y0:.2} l{d},{nd} h{bw:.2} v{bh:.2} l{nd},{d} M{x1:.2},{y0:.2} l{d},{nd}" fill="#f8f8f8" stroke="black"/>"##,
            x0 = bx.x,
            y0 = bx.y,
            x1 = bx.x + bx.w,
            d = DEPTH,
            nd = -DEPTH,
            bw = bx.w,
            bh = bx.h,
        )?;
        writeln!(
            w,
            r##"<rect x="{:.2}" y="{:.2}" width="{:.2}" height="{:.2}" fill="#f8f8f8" stroke="black"/>"##,
            bx.x, bx.y, bx.w, bx.h
        )?;
        centred_lines(
            w,
            t.label.iter().map(String::as_str),
            bx.center_x(),
            bx.y + PAD_Y,
            NODELET_FONT,
        )?;
        writeln!(w, "</g>")?;
    }
    Ok(())
}

/// The SVG path through the layout's points: straight where x stays,
/// curves that leave and arrive vertically elsewhere.
fn path_data(points: &[(f64, f64)]) -> String {
    let mut d = String::new();
    for (k, &(x, y)) in points.iter().enumerate() {
        if k == 0 {
            d.push_str(&format!("M{x:.2},{y:.2}"));
            continue;
        }
        let (px, py) = points[k - 1];
        if (px - x).abs() < 0.01 {
            d.push_str(&format!(" L{x:.2},{y:.2}"));
        } else {
            let my = (py + y) / 2.0;
            d.push_str(&format!(" C{px:.2},{my:.2} {x:.2},{my:.2} {x:.2},{y:.2}"));
        }
    }
    d
}

fn write_edge(w: &mut dyn Write, e: &super::Edge, o: &layout::EdgeOut, k: usize) -> io::Result<()> {
    if o.points.len() < 2 {
        return Ok(());
    }
    let color = e.color.as_deref().unwrap_or("black");
    let pen = e.penwidth.unwrap_or(1) as f64;
    // The arrowhead ends on the callee; the line stops at its base.
    let mut points = o.points.clone();
    let n = points.len();
    let (tx, ty) = points[n - 1];
    let dir = if points[n - 2].1 <= ty { 1.0 } else { -1.0 };
    let (len, half) = (8.0 + 1.5 * pen, 4.0 + pen);
    let segment = (ty - points[n - 2].1).abs();
    points[n - 1].1 = ty - dir * len.min(segment);
    let dash = if e.residual {
        format!(r#" stroke-dasharray="{},{}""#, pen, 3.0 * pen + 2.0)
    } else {
        String::new()
    };
    writeln!(w, r#"<g id="edge{}" class="edge">"#, k + 1)?;
    writeln!(w, "<title>{}</title>", escape::xml(&e.tooltip))?;
    writeln!(
        w,
        r#"<path d="{}" fill="none" stroke="{color}" stroke-width="{pen}"{dash}/>"#,
        path_data(&points)
    )?;
    let by = ty - dir * len;
    writeln!(
        w,
        r#"<polygon points="{tx:.2},{ty:.2} {:.2},{by:.2} {:.2},{by:.2}" fill="{color}" stroke="{color}"/>"#,
        tx - half,
        tx + half
    )?;
    if let Some(r) = o.label {
        for (j, line) in edge_label_lines(e).iter().enumerate() {
            let y = r.y + j as f64 * line_height(EDGE_FONT) + 0.9 * EDGE_FONT;
            writeln!(
                w,
                r#"<text x="{:.2}" y="{y:.2}" font-size="{EDGE_FONT}">{}</text>"#,
                r.x,
                escape::xml(line)
            )?;
        }
    }
    writeln!(w, "</g>")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn straight_and_curved_segments() {
        assert_eq!(
            path_data(&[(0.0, 0.0), (0.0, 10.0), (20.0, 30.0)]),
            "M0.00,0.00 L0.00,10.00 C0.00,20.00 20.00,20.00 20.00,30.00"
        );
    }
}
