//! The flame graph's data for the browser: the folded lines the flame
//! graph draws (`root;…;leaf VALUE`, frames narrower than [`MIN_WIDTH`]
//! percent of the total already cut by `report::flame`, so that what is
//! sent stays bounded) grown into a call tree, each frame with the source
//! location of its function. A differential graph's stacks
//! (`root;…;leaf BEFORE AFTER`, from `flame --base`) grow the same tree
//! with both values, each frame as wide as its stacks' larger values.

use rustc_hash::FxHashMap;
use serde_json::{json, Value};

use crate::input::NamedProfile;
use crate::support::escape;

/// Frames below this percentage of the total are not sent: a thousandth
/// of a percent, far below a pixel even when zoomed a few levels in.
pub const MIN_WIDTH: f64 = 0.001;

struct Node {
    name: u32,
    /// The value (AFTER's in a differential graph).
    value: i64,
    /// BEFORE's value (differential graphs only).
    before: i64,
    /// The drawn width: the value, or the sum over the frame's stacks of
    /// the larger of BEFORE and AFTER.
    width: i64,
    children: Vec<u32>,
}

/// The call tree of folded stacks, the root (`root`) holding the total.
pub struct Tree {
    names: Vec<String>,
    nodes: Vec<Node>,
    differential: bool,
}

impl Tree {
    /// Grows the tree from folded lines; a line that is not `STACK VALUE`
    /// with a positive value is skipped.
    pub fn from_lines<S: AsRef<str>>(folded: &[S]) -> Tree {
        Tree::grow(folded, false)
    }

    /// Grows a differential tree from `STACK BEFORE AFTER` lines; a line
    /// of another form, or with a negative value or both zero, is skipped.
    pub fn from_differential_lines<S: AsRef<str>>(folded: &[S]) -> Tree {
        Tree::grow(folded, true)
    }

    fn grow<S: AsRef<str>>(folded: &[S], differential: bool) -> Tree {
        let mut names: Vec<String> = vec!["root".into()];
        let mut name_ids: FxHashMap<&str, u32> = FxHashMap::default();
        let mut nodes = vec![Node {
            name: 0,
            value: 0,
            before: 0,
            width: 0,
            children: Vec::new(),
        }];
        let mut child: FxHashMap<(u32, u32), u32> = FxHashMap::default();
        for line in folded {
            let Some((stack, value)) = line.as_ref().rsplit_once(' ') else {
                continue;
            };
            let Ok(value) = value.parse::<i64>() else {
                continue;
            };
            let (stack, before) = if differential {
                let Some((stack, before)) = stack.rsplit_once(' ') else {
                    continue;
                };
                let Ok(before) = before.parse::<i64>() else {
                    continue;
                };
                (stack, before)
            } else {
                (stack, 0)
            };
            let width = value.max(before);
            if value < 0 || before < 0 || width <= 0 {
                continue;
            }
            let root = &mut nodes[0];
            root.value = root.value.saturating_add(value);
            root.before = root.before.saturating_add(before);
            root.width = root.width.saturating_add(width);
            let mut at = 0u32;
            for frame in stack.split(';') {
                let name = *name_ids.entry(frame).or_insert_with(|| {
                    names.push(frame.to_string());
                    (names.len() - 1) as u32
                });
                let next = *child.entry((at, name)).or_insert_with(|| {
                    nodes.push(Node {
                        name,
                        value: 0,
                        before: 0,
                        width: 0,
                        children: Vec::new(),
                    });
                    let id = (nodes.len() - 1) as u32;
                    nodes[at as usize].children.push(id);
                    id
                });
                let node = &mut nodes[next as usize];
                node.value = node.value.saturating_add(value);
                node.before = node.before.saturating_add(before);
                node.width = node.width.saturating_add(width);
                at = next;
            }
        }
        Tree {
            names,
            nodes,
            differential,
        }
    }

    /// The tree as JSON: `{"names": [...], "root": [name, value, [children…]]}`
    /// with children widest first; a differential tree's nodes are
    /// `[name, after, [children…], before, width]`, frames narrower than
    /// [`MIN_WIDTH`] percent of the whole left out (its stacks are not cut
    /// before). Written without recursion (stacks may be a thousand frames
    /// deep).
    pub fn to_json(&self) -> Value {
        let narrowest = if self.differential {
            (self.nodes[0].width as f64 * MIN_WIDTH / 100.0).ceil() as i64
        } else {
            0
        }
        .max(1);
        // Post-order: build each node's array after its children's.
        let mut built: Vec<Option<Value>> = vec![None; self.nodes.len()];
        let mut stack: Vec<(u32, bool)> = vec![(0, false)];
        while let Some((id, expanded)) = stack.pop() {
            let node = &self.nodes[id as usize];
            let kept = node
                .children
                .iter()
                .copied()
                .filter(|&c| self.nodes[c as usize].width >= narrowest);
            if !expanded {
                stack.push((id, true));
                stack.extend(kept.map(|c| (c, false)));
                continue;
            }
            let mut children: Vec<u32> = kept.collect();
            children.sort_by_key(|&c| std::cmp::Reverse(self.nodes[c as usize].width));
            let children: Vec<Value> = children
                .iter()
                .filter_map(|&c| built[c as usize].take())
                .collect();
            built[id as usize] = Some(if self.differential {
                json!([node.name, node.value, children, node.before, node.width])
            } else {
                json!([node.name, node.value, children])
            });
        }
        let names: Vec<&str> = self.names.iter().map(String::as_str).collect();
        json!({
            "names": names,
            "root": built[0].take().unwrap_or(Value::Null),
        })
    }

    /// Each function's source location (`file:line` where it starts, or
    /// else its first line the profile records), by the name its frames
    /// carry in the folded stacks.
    pub fn locations(&self, loaded: &NamedProfile) -> Value {
        let p = &loaded.profile;
        let mut first_line = vec![i64::MAX; p.functions.len()];
        for line in &p.lines {
            if let Some(first) = first_line.get_mut(line.function.index()) {
                if line.line > 0 {
                    *first = (*first).min(line.line);
                }
            }
        }
        let wanted: FxHashMap<&str, ()> = self.names.iter().map(|n| (n.as_str(), ())).collect();
        let mut out = serde_json::Map::new();
        for (f, &first) in p.functions.iter().zip(&first_line) {
            let name = escape::text(p.strings.get(f.name)).replace(';', ":");
            if !wanted.contains_key(name.as_str()) || out.contains_key(&name) {
                continue;
            }
            let file = p.strings.get(f.filename);
            if file.is_empty() {
                continue;
            }
            let line = if f.start_line > 0 {
                f.start_line
            } else {
                first
            };
            let at = if line == i64::MAX {
                escape::text(file).into_owned()
            } else {
                format!("{}:{line}", escape::text(file))
            };
            out.insert(name, Value::String(at));
        }
        Value::Object(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folded_stacks_grow_one_tree() {
        let tree = Tree::from_lines(&["a;b 10", "a;c 5", "a;b;d 3", "bad line", "x -1"]);
        let json = tree.to_json();
        assert_eq!(json["names"], json!(["root", "a", "b", "c", "d"]));
        // root 18 → a 18 → b 13 (→ d 3), c 5.
        assert_eq!(
            json["root"],
            json!([0, 18, [[1, 18, [[2, 13, [[4, 3, []]]], [3, 5, []]]]]])
        );
    }

    #[test]
    fn differential_stacks_keep_both_values_and_the_larger_width() {
        let tree =
            Tree::from_differential_lines(&["a;b 10 4", "a;c 0 5", "a 3 3", "x 1", "y -1 2"]);
        let json = tree.to_json();
        assert_eq!(json["names"], json!(["root", "a", "b", "c"]));
        // a: before 13, after 12, width 10 + 5 + 3.
        assert_eq!(
            json["root"],
            json!([
                0,
                12,
                [[1, 12, [[2, 4, [], 10, 10], [3, 5, [], 0, 5]], 13, 18]],
                13,
                18
            ])
        );
    }
}
