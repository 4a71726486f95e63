//! The tables of the text reports: borderless, unwrapped, with pprof's
//! right-aligned numeric columns and no trailing blanks.

use std::io::{self, Write};

/// A borderless table without wrapping, as every text report prints one.
pub fn plain_table<const N: usize>(header: [&str; N]) -> comfy_table::Table {
    let mut table = comfy_table::Table::new();
    table
        .load_preset(comfy_table::presets::NOTHING)
        .set_content_arrangement(comfy_table::ContentArrangement::Disabled)
        .set_header(header);
    table
}

/// Lays out pprof's numeric columns: the first `widths.len()` columns
/// right-aligned, each at least its width (one space of padding included);
/// the column after them (the names) gets `name_padding`.
pub fn align_pprof_columns(
    table: &mut comfy_table::Table,
    widths: &[u16],
    name_padding: (u16, u16),
) {
    use comfy_table::{CellAlignment, ColumnConstraint, Width};
    for (i, &width) in widths.iter().enumerate() {
        if let Some(col) = table.column_mut(i) {
            col.set_cell_alignment(CellAlignment::Right);
            col.set_constraint(ColumnConstraint::LowerBoundary(Width::Fixed(width)));
            col.set_padding((0, 1));
        }
    }
    if let Some(col) = table.column_mut(widths.len()) {
        col.set_padding(name_padding);
    }
}

/// Writes a table's lines without trailing blanks.
pub fn write_table(w: &mut dyn Write, table: &comfy_table::Table) -> io::Result<()> {
    for line in table.lines() {
        writeln!(w, "{}", line.trim_end())?;
    }
    Ok(())
}
