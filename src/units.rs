//! Number formatting in one place: pprof's unit scaling (B, kB, MB … in steps
//! of 1024; ns … hrs), its `ScaledLabel` and `Percentage` spellings, and Go's
//! `%g` rendering that those depend on.

/// One unit of a family: its printed name, the spellings it is known by, and
/// its size in the family's base unit.
struct Unit {
    name: &'static str,
    aliases: &'static [&'static str],
    factor: f64,
}

/// A family of convertible units (memory, time, …) and the unit used when a
/// requested unit is unknown.
struct Family {
    units: &'static [Unit],
    default: &'static Unit,
}

const BYTE: Unit = Unit {
    name: "B",
    aliases: &["b", "byte"],
    factor: 1.0,
};
const MEMORY_UNITS: &[Unit] = &[
    BYTE,
    Unit {
        name: "kB",
        aliases: &["kb", "kbyte", "kilobyte"],
        factor: 1024.0,
    },
    Unit {
        name: "MB",
        aliases: &["mb", "mbyte", "megabyte"],
        factor: 1048576.0,
    },
    Unit {
        name: "GB",
        aliases: &["gb", "gbyte", "gigabyte"],
        factor: 1073741824.0,
    },
    Unit {
        name: "TB",
        aliases: &["tb", "tbyte", "terabyte"],
        factor: 1099511627776.0,
    },
    Unit {
        name: "PB",
        aliases: &["pb", "pbyte", "petabyte"],
        factor: 1125899906842624.0,
    },
];

const SECOND: Unit = Unit {
    name: "s",
    aliases: &[],
    factor: 1e9,
};
const TIME_UNITS: &[Unit] = &[
    Unit {
        name: "ns",
        aliases: &["ns", "nanosecond"],
        factor: 1.0,
    },
    Unit {
        name: "us",
        aliases: &["μs", "us", "microsecond"],
        factor: 1e3,
    },
    Unit {
        name: "ms",
        aliases: &["ms", "millisecond"],
        factor: 1e6,
    },
    Unit {
        name: "s",
        aliases: &["s", "sec", "second"],
        factor: 1e9,
    },
    Unit {
        name: "hrs",
        aliases: &["hour", "hr"],
        factor: 3.6e12,
    },
];

const GCU: Unit = Unit {
    name: "GCU",
    aliases: &[],
    factor: 1.0,
};
const GCU_UNITS: &[Unit] = &[
    Unit {
        name: "n*GCU",
        aliases: &["nanogcu"],
        factor: 1e-9,
    },
    Unit {
        name: "u*GCU",
        aliases: &["microgcu"],
        factor: 1e-6,
    },
    Unit {
        name: "m*GCU",
        aliases: &["milligcu"],
        factor: 1e-3,
    },
    Unit {
        name: "GCU",
        aliases: &["gcu"],
        factor: 1.0,
    },
    Unit {
        name: "k*GCU",
        aliases: &["kilogcu"],
        factor: 1e3,
    },
    Unit {
        name: "M*GCU",
        aliases: &["megagcu"],
        factor: 1e6,
    },
    Unit {
        name: "G*GCU",
        aliases: &["gigagcu"],
        factor: 1e9,
    },
    Unit {
        name: "T*GCU",
        aliases: &["teragcu"],
        factor: 1e12,
    },
    Unit {
        name: "P*GCU",
        aliases: &["petagcu"],
        factor: 1e15,
    },
];

const FAMILIES: &[Family] = &[
    Family {
        units: MEMORY_UNITS,
        default: &BYTE,
    },
    Family {
        units: TIME_UNITS,
        default: &SECOND,
    },
    Family {
        units: GCU_UNITS,
        default: &GCU,
    },
];

impl Family {
    /// The unit a spelling names: case-insensitive, a plural `s` dropped from
    /// names longer than two letters ("bytes" → "byte").
    fn sniff(&self, spelling: &str) -> Option<&'static Unit> {
        let lower = spelling.to_lowercase();
        let name = if lower.chars().count() > 2 {
            lower.strip_suffix('s').unwrap_or(&lower)
        } else {
            &lower
        };
        self.units.iter().find(|u| u.aliases.contains(&name))
    }

    /// The largest unit in which `value` (in base units) is at least 1.
    fn auto_scale(&self, value: f64) -> Option<(f64, &'static str)> {
        let mut best: Option<&Unit> = None;
        for u in self.units {
            if best.is_none_or(|b| u.factor >= b.factor) && value / u.factor >= 1.0 {
                best = Some(u);
            }
        }
        best.map(|u| (value / u.factor, u.name))
    }

    fn convert(&self, value: i64, from: &str, to: &str) -> Option<(f64, String)> {
        let from = self.sniff(from)?;
        let v = value as f64 * from.factor;
        if to == "minimum" || to == "auto" {
            return Some(match self.auto_scale(v) {
                Some((v, name)) => (v, name.to_string()),
                None => (v / self.default.factor, self.default.name.to_string()),
            });
        }
        let target = self.sniff(to).unwrap_or(self.default);
        Some((v / target.factor, target.name.to_string()))
    }
}

/// Converts `value`, measured in `from_unit`, to `to_unit` ("minimum" or
/// "auto" pick the largest unit the value fills), as pprof's
/// `measurement.Scale` does. Returns the number and the unit's printed name.
pub fn scale(value: i64, from_unit: &str, to_unit: &str) -> (f64, String) {
    if value < 0 && value != i64::MIN {
        let (v, u) = scale(-value, from_unit, to_unit);
        return (-v, u);
    }
    for family in FAMILIES {
        if let Some(r) = family.convert(value, from_unit, to_unit) {
            return r;
        }
    }
    match to_unit {
        "count" | "sample" | "unit" | "minimum" | "auto" => (value as f64, String::new()),
        _ => (value as f64, to_unit.to_string()),
    }
}

/// `value` in `to_unit` with two decimals, ".00" dropped, as pprof prints
/// values in `top` ("1.50MB", "512kB", "0").
pub fn scaled_label(value: i64, from_unit: &str, to_unit: &str) -> String {
    let (v, unit) = scale(value, from_unit, to_unit);
    let text = format!("{v:.2}");
    let text = text.strip_suffix(".00").unwrap_or(&text);
    if text == "0" || text == "-0" {
        return "0".to_string();
    }
    format!("{text}{unit}")
}

/// The share `value / total` as pprof prints it: width 6, "  100%" near
/// 100%, two decimals from 1% up, two significant digits below.
/// The sign is dropped, as in pprof; see [`signed_percentage`].
pub fn percentage(value: i64, total: i64) -> String {
    let ratio = if total != 0 {
        (value as f64 / total as f64).abs() * 100.0
    } else {
        0.0
    };
    format_ratio(ratio)
}

/// Like [`percentage`] but keeps a negative sign, for reports of change.
pub fn signed_percentage(value: i64, total: i64) -> String {
    let text = percentage(value, total);
    if value < 0 && total != 0 && text.trim() != "0%" {
        let trimmed = text.trim_start();
        format!("{:>6}", format!("-{trimmed}"))
    } else {
        text
    }
}

fn format_ratio(ratio: f64) -> String {
    if (99.95..=100.05).contains(&ratio) {
        "  100%".to_string()
    } else if ratio >= 1.0 {
        format!("{ratio:5.2}%")
    } else {
        format!("{:>5}%", go_g(ratio, 2))
    }
}

/// Go's `%.{precision}g` for a finite, non-negative number: `precision`
/// significant digits, trailing zeros removed, exponent form when the
/// exponent is below -4 or at least `precision`.
pub fn go_g(value: f64, precision: usize) -> String {
    if value == 0.0 {
        return "0".to_string();
    }
    let sci = format!("{:.*e}", precision.saturating_sub(1), value);
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    if exp < -4 || exp >= precision as i32 {
        let mantissa = trim_fraction_zeros(mantissa);
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{mantissa}e{sign}{:02}", exp.abs())
    } else {
        let decimals = (precision as i32 - 1 - exp).max(0) as usize;
        trim_fraction_zeros(&format!("{value:.decimals$}")).to_string()
    }
}

fn trim_fraction_zeros(s: &str) -> &str {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        s
    }
}

/// Reads a size as people write one: a number, then an optional unit —
/// B, k/kB/KiB, M/MB/MiB, G/GB/GiB, T/TB/TiB, P/PB/PiB, any case — each
/// 1024 times the one before, as pprof's units are. `None` when it is not
/// one, or past `u64`.
pub fn parse_bytes(text: &str) -> Option<u64> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    if number.is_empty() || number.starts_with('.') || number.ends_with('.') {
        return None;
    }
    let value: f64 = number.parse().ok()?;
    let unit = unit.trim().to_ascii_lowercase();
    let prefix = unit
        .strip_suffix("ib")
        .or_else(|| unit.strip_suffix('b'))
        .unwrap_or(&unit);
    let power = match prefix {
        "" => 0,
        "k" => 1,
        "m" => 2,
        "g" => 3,
        "t" => 4,
        "p" => 5,
        _ => return None,
    };
    if unit.ends_with("ib") && power == 0 {
        return None;
    }
    let bytes = (value * 1024f64.powi(power)).round();
    (bytes.is_finite() && bytes < u64::MAX as f64).then_some(bytes as u64)
}

/// A byte count in human units, "1.85 GB" style with a space, for titles and
/// summaries (not pprof tables).
pub fn human_bytes(value: i64) -> String {
    let label = scaled_label(value, "bytes", "auto");
    split_unit(&label)
}

/// A duration in nanoseconds in human units, "1.50 ms" style with a space,
/// for summaries (pprof's time units: ns, us, ms, s, hrs).
pub fn human_duration(nanos: i64) -> String {
    let label = scaled_label(nanos, "nanoseconds", "auto");
    split_unit(&label)
}

fn split_unit(label: &str) -> String {
    match label.find(|c: char| c.is_ascii_alphabetic()) {
        Some(i) if i > 0 => format!("{} {}", &label[..i], &label[i..]),
        _ => label.to_string(),
    }
}

/// pprof's `selectOutputUnit`: with "minimum", the unit of the smallest
/// non-zero value shown (flat, else cum), moved up a unit when that value is
/// under 1% of the total. Any other request is used as given.
pub fn select_output_unit(
    values: impl Iterator<Item = (i64, i64)>,
    total: i64,
    sample_unit: &str,
    requested: &str,
) -> String {
    if requested != "minimum" {
        return requested.to_string();
    }
    let mut any = false;
    let mut min: i64 = 0;
    for (flat, cum) in values {
        any = true;
        let v = if flat != 0 {
            flat.saturating_abs()
        } else {
            cum.saturating_abs()
        };
        if v > 0 && (min == 0 || v < min) {
            min = v;
        }
    }
    if !any {
        return requested.to_string();
    }
    let max = total;
    if min == 0 {
        min = max;
    }
    let (_, min_unit) = scale(min, sample_unit, "minimum");
    let (_, max_unit) = scale(max, sample_unit, "minimum");
    let mut unit = min_unit.clone();
    if min_unit != max_unit && min.saturating_mul(100) < max {
        unit = scale(min.saturating_mul(100), sample_unit, "minimum").1;
    }
    if unit.is_empty() {
        sample_unit.to_string()
    } else {
        unit
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_are_read_in_units_of_1024() {
        assert_eq!(parse_bytes("16GiB"), Some(16 << 30));
        assert_eq!(parse_bytes("16GB"), Some(16 << 30));
        assert_eq!(parse_bytes("16g"), Some(16 << 30));
        assert_eq!(parse_bytes("512 MB"), Some(512 << 20));
        assert_eq!(parse_bytes("1.5kB"), Some(1536));
        assert_eq!(parse_bytes("1073741824"), Some(1 << 30));
        assert_eq!(parse_bytes("7B"), Some(7));
        for bad in [
            "",
            "GiB",
            "1.2.3",
            ".5G",
            "5.G",
            "-1G",
            "1iB",
            "1 XB",
            "99999999PB",
            "1e9",
        ] {
            assert_eq!(parse_bytes(bad), None, "{bad}");
        }
    }

    #[test]
    fn memory_scaling_matches_pprof() {
        assert_eq!(scaled_label(0, "bytes", "minimum"), "0");
        assert_eq!(scaled_label(512, "bytes", "minimum"), "512B");
        assert_eq!(scaled_label(1024, "bytes", "minimum"), "1kB");
        // 1152 / 1024 = 1.125, a tie: Go rounds half to even.
        assert_eq!(scaled_label(1152, "bytes", "minimum"), "1.12kB");
        assert_eq!(scaled_label(1536 * 1024, "bytes", "MB"), "1.50MB");
        assert_eq!(scaled_label(-2048, "bytes", "kB"), "-2kB");
        assert_eq!(scaled_label(1234, "bytes", "B"), "1234B");
    }

    #[test]
    fn counts_are_plain_and_unknown_targets_are_appended() {
        assert_eq!(scaled_label(42, "count", "minimum"), "42");
        // pprof prints `-unit=B` on a count as a suffix, unchanged.
        assert_eq!(scaled_label(42, "count", "B"), "42B");
        assert_eq!(scale(5, "count", "auto"), (5.0, String::new()));
    }

    #[test]
    fn time_scaling() {
        assert_eq!(scaled_label(1_500_000, "nanoseconds", "auto"), "1.50ms");
        assert_eq!(scaled_label(30_000_000_000, "nanoseconds", "auto"), "30s");
    }

    #[test]
    fn percentages_match_go_formatting() {
        assert_eq!(percentage(1, 1), "  100%");
        assert_eq!(percentage(1, 4), "25.00%");
        assert_eq!(percentage(1, 200), "  0.5%");
        assert_eq!(percentage(1, 80000), "0.0013%");
        assert_eq!(percentage(1, 10_000_000), "1e-05%");
        assert_eq!(percentage(0, 10), "    0%");
        assert_eq!(percentage(5, 0), "    0%");
        assert_eq!(percentage(-1, 4), "25.00%");
        assert_eq!(signed_percentage(-1, 4), "-25.00%");
    }

    #[test]
    fn go_g_matches_go() {
        assert_eq!(go_g(0.99999, 2), "1");
        assert_eq!(go_g(0.000012345, 2), "1.2e-05");
        assert_eq!(go_g(0.5, 2), "0.5");
        assert_eq!(go_g(0.00013, 2), "0.00013");
    }

    #[test]
    fn human_duration_has_a_space() {
        assert_eq!(human_duration(171_887), "171.89 us");
        assert_eq!(human_duration(7_000_000), "7 ms");
        assert_eq!(human_duration(1_500_000_000), "1.50 s");
        assert_eq!(human_duration(0), "0");
    }

    #[test]
    fn human_bytes_has_a_space() {
        assert_eq!(human_bytes(1_986_422_374), "1.85 GB");
        assert_eq!(human_bytes(12), "12 B");
    }
}
