//! Colours of frames by their package, as pprof's web UI colours its flame
//! graph: the package of a function name, a colour number from its SHA-256,
//! and a hue rotated by the golden ratio at 50% saturation, 80% lightness.

use std::sync::OnceLock;

use regex::Regex;
use sha2::{Digest, Sha256};

/// The package of a function name: up to the first "." or "::" after the
/// last "/" ("" if none), as pprof's report package finds it.
pub(super) fn package_name(name: &str) -> &str {
    static PACKAGE: OnceLock<Regex> = OnceLock::new();
    let re = PACKAGE.get_or_init(|| {
        Regex::new(r"^((.*/)?(?-u:[\w\d_])+)(\.|::)([^/]*)$").expect("valid regex")
    });
    re.captures(name)
        .and_then(|c| c.get(1))
        .map_or("", |m| m.as_str())
}

/// pprof's colour number of a package: the first four bytes of its
/// SHA-256, little-endian, modulo 2^20.
pub(super) fn color_number(package: &str) -> u32 {
    let hash = Sha256::digest(package.as_bytes());
    let first = u32::from_le_bytes([hash[0], hash[1], hash[2], hash[3]]);
    first % 1_048_576
}

/// The fill of colour number `index`: hue `(index + 1) · φ` turns, 50%
/// saturation, 80% lightness, as RGB.
pub(super) fn fill(index: u32) -> String {
    const PHI: f64 = 1.618033988;
    let turns = (f64::from(index) + 1.0) * PHI;
    let hue = turns - turns.floor();
    let (s, l) = (0.5, 0.8);
    let chroma = (1.0 - (2.0 * l - 1.0_f64).abs()) * s;
    let h6 = hue * 6.0;
    let x = chroma * (1.0 - ((h6 % 2.0) - 1.0).abs());
    let (r, g, b) = match h6 as u32 {
        0 => (chroma, x, 0.0),
        1 => (x, chroma, 0.0),
        2 => (0.0, chroma, x),
        3 => (0.0, x, chroma),
        4 => (x, 0.0, chroma),
        _ => (chroma, 0.0, x),
    };
    let m = l - chroma / 2.0;
    let byte = |v: f64| ((v + m) * 255.0).round().clamp(0.0, 255.0) as u8;
    format!("rgb({},{},{})", byte(r), byte(g), byte(b))
}

/// The fill of a frame by its name's package (an inlined call's " (inline)"
/// mark aside).
pub(super) fn package_fill(name: &str) -> String {
    let name = name.strip_suffix(" (inline)").unwrap_or(name);
    fill(color_number(package_name(name)))
}

/// Restyles a drawn frame with its package's fill.
pub(super) fn by_package(frame: &super::svg::Drawn<'_>) -> super::svg::Restyled {
    super::svg::Restyled {
        detail: None,
        fill: Some(package_fill(frame.name)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packages_as_pprof_finds_them() {
        assert_eq!(package_name("main.main"), "main");
        assert_eq!(package_name("runtime.mallocgc"), "runtime");
        assert_eq!(
            package_name("github.com/foo/bar.(*T).Method"),
            "github.com/foo/bar"
        );
        assert_eq!(package_name("some.url.com/foo.bar"), "some.url.com/foo");
        assert_eq!(package_name("std::vec::Vec::new"), "std");
        assert_eq!(package_name("malloc"), "");
    }

    #[test]
    fn hues_turn_by_the_golden_ratio() {
        // Index 0: hue 1.618 turns = 0.618 turn = 222.5°, in the blue
        // sextant (3 of 0..6): r = m, g = m + x, b = m + chroma with
        // chroma 0.2, m 0.7, x = 0.2 · (1 - |3.708 mod 2 - 1|) = 0.0584.
        assert_eq!(fill(0), "rgb(179,193,230)");
        // The same package always gets the same colour.
        assert_eq!(package_fill("main.a"), package_fill("main.b (inline)"));
    }
}
