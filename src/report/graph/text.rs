//! How much room text needs, without a font at hand: advance widths of the
//! Helvetica/Arial family (the font the built-in SVG asks for), with a
//! margin for the wider sans-serif fonts a browser may fall back to.

/// Advance widths of ASCII 32..=126 in thousandths of an em (Helvetica's
/// metrics; Arial, Liberation Sans and Nimbus Sans share them).
const WIDTHS: [u16; 95] = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, // ' '../
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, // 0-9
    278, 278, 584, 584, 584, 556, 1015, // :;<=>?@
    667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, // A-M
    722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, // N-Z
    278, 278, 278, 469, 556, 333, // [\]^_`
    556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, // a-m
    556, 556, 556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, // n-z
    334, 260, 334, 584, // {|}~
];

/// Fallback fonts (DejaVu Sans, say) run up to about this much wider.
const FALLBACK_MARGIN: f64 = 1.1;

/// Width of `s` at `font_size`, in the same units as the size.
pub fn width(s: &str, font_size: f64) -> f64 {
    let thousandths: u32 = s
        .chars()
        .map(|c| match c as u32 {
            32..=126 => u32::from(WIDTHS[c as usize - 32]),
            // Wide characters (CJK, the ellipsis) take about an em.
            0x2026 | 0x1100.. if c.len_utf8() >= 3 => 1000,
            _ => 600,
        })
        .sum();
    f64::from(thousandths) / 1000.0 * font_size * FALLBACK_MARGIN
}

/// Width of the widest of `lines`.
pub fn max_width<'a>(lines: impl IntoIterator<Item = &'a str>, font_size: f64) -> f64 {
    lines
        .into_iter()
        .map(|l| width(l, font_size))
        .fold(0.0, f64::max)
}

/// Distance between baselines of consecutive lines.
pub fn line_height(font_size: f64) -> f64 {
    font_size * 1.2
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_follow_the_characters() {
        assert!(width("mmmm", 10.0) > width("iiii", 10.0) * 3.0);
        assert_eq!(width("", 12.0), 0.0);
        // 10 digits at 10 units: 5.56 × 10 × margin.
        assert!((width("0123456789", 10.0) - 55.6 * FALLBACK_MARGIN).abs() < 1e-9);
        assert!(width("漢字", 10.0) >= 20.0);
    }
}
