//! `flame`: flame graphs of a heap profile drawn with inferno (memory
//! palette, human units in tooltips, search and zoom), differential flame
//! graphs of two snapshots, and folded stacks (`root;...;leaf VALUE`).
//! Stacks deeper than [`MAX_DEPTH`] frames lose their middle frames to one
//! marked frame, as Go elides the middle of long tracebacks.
//!
//! The lines come one of two ways, the same either way: [`fold`] folds
//! every sample into distinct stacks and [`folded_lines`] writes them
//! (cutting narrow frames first if asked); [`pruned_lines`] grows only the
//! part of the call tree that will be drawn. [`write_svg`] draws them.

mod fold;
mod svg;
mod tree;

pub use fold::{fold, folded_lines, stacks_total, DepthCut, Stacks};
pub use svg::{labels, write_svg, Labels};
pub use tree::pruned_lines;

/// Options of the `flame` report.
#[derive(Debug, Clone)]
pub struct FlameOptions {
    pub title: Option<String>,
    pub width: Option<usize>,
    /// Frames narrower than this percentage of the total are left out
    /// (inferno's `min_width`).
    pub min_width: f64,
    /// Icicle graph: roots at the top.
    pub reverse: bool,
    /// An inferno palette name ("mem", "hot", …).
    pub colors: String,
    /// Folded stacks instead of SVG.
    pub folded: bool,
}

/// The deepest stack drawn, in frames (inlined calls count as frames). Go
/// records at most 128 frames of a heap sample by default, and 1024 with
/// `GODEBUG=profstackdepth=1024`; a deeper stack is drawn as its
/// [`ROOT_FRAMES`] root-most frames, one [`ELIDED`] frame and its
/// [`LEAF_FRAMES`] leaf-most frames (where the allocation is). Each frame
/// drawn costs a box in the SVG (about 200 bytes), so a 10-million-frame
/// stack would take gigabytes.
pub const MAX_DEPTH: usize = 1024;
pub const ROOT_FRAMES: usize = 512;
pub const LEAF_FRAMES: usize = MAX_DEPTH - ROOT_FRAMES - 1;
/// The frame that stands for the middle of a stack deeper than
/// [`MAX_DEPTH`]. It says no count, so that stacks of a recursion that
/// differ only in how deep they went merge into one call path, as a
/// shallower recursion's do.
pub const ELIDED: &str = "[… frames elided …]";
