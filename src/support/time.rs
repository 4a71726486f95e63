//! Local time as pprof prints it ("2006-01-02 15:04:05 MST") and as Go's
//! `time.Time.String` does, from the C library's time-zone rules.

/// The local broken-down time of `nanos` since the epoch and its zone's
/// abbreviation; `None` where the C library cannot represent it.
fn local(nanos: i64) -> Option<(libc::tm, String)> {
    let secs = nanos.div_euclid(1_000_000_000) as libc::time_t;
    // SAFETY: `tm` is plain data that localtime_r fills
    // in when it returns non-null, and tm_zone then points at a static
    // NUL-terminated abbreviation (or is null).
    unsafe {
        let mut tm: libc::tm = std::mem::zeroed();
        if libc::localtime_r(&secs, &mut tm).is_null() {
            return None;
        }
        let zone = if tm.tm_zone.is_null() {
            String::new()
        } else {
            std::ffi::CStr::from_ptr(tm.tm_zone)
                .to_string_lossy()
                .into_owned()
        };
        Some((tm, zone))
    }
}

/// Go's `-0700` form of a UTC offset in seconds.
fn numeric_zone(gmtoff: libc::c_long) -> String {
    let sign = if gmtoff < 0 { '-' } else { '+' };
    let minutes = gmtoff.unsigned_abs() / 60;
    format!("{sign}{:02}{:02}", minutes / 60, minutes % 60)
}

fn date_time(tm: &libc::tm) -> String {
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
        tm.tm_year as i64 + 1900,
        tm.tm_mon + 1,
        tm.tm_mday,
        tm.tm_hour,
        tm.tm_min,
        tm.tm_sec
    )
}

/// A time as pprof prints it above a report, in the local time zone: Go's
/// layout "2006-01-02 15:04:05 MST" (pprof before 2023 printed "Jan 2, 2006
/// at 3:04pm (MST)").
pub fn format_time(nanos: i64) -> String {
    let Some((tm, zone)) = local(nanos) else {
        return format!("{nanos}ns since the epoch");
    };
    let zone = if zone.is_empty() {
        numeric_zone(tm.tm_gmtoff)
    } else {
        zone
    };
    format!("{} {zone}", date_time(&tm))
}

/// A time as Go's `time.Time.String` prints it, in the local time zone:
/// "2006-01-02 15:04:05.999999999 -0700 MST" (trailing zeros of the
/// fraction dropped, and its dot with them when it is zero).
pub fn format_go_time(nanos: i64) -> String {
    let Some((tm, zone)) = local(nanos) else {
        return format!("{nanos}ns since the epoch");
    };
    let offset = numeric_zone(tm.tm_gmtoff);
    let fraction = nanos.rem_euclid(1_000_000_000);
    let mut text = date_time(&tm);
    if fraction != 0 {
        let digits = format!(".{fraction:09}");
        text.push_str(digits.trim_end_matches('0'));
    }
    let zone = if zone.is_empty() {
        offset.clone()
    } else {
        zone
    };
    format!("{text} {offset} {zone}")
}

#[cfg(test)]
mod tests {
    use super::*;

    // The tests run in whatever zone the machine has; these pin down the
    // layout, not the zone.
    #[test]
    fn go_layouts() {
        let t = 1_700_000_000_123_400_000;
        let s = format_go_time(t);
        assert!(s.contains(".1234 "), "{s}");
        assert_eq!(s.split(' ').count(), 4, "{s}");
        assert!(!format_go_time(1_700_000_000_000_000_000).contains('.'));
        let d = format_time(t);
        assert_eq!(&d[4..5], "-");
        assert_eq!(&d[13..14], ":");
    }

    #[test]
    fn numeric_zones() {
        assert_eq!(numeric_zone(0), "+0000");
        assert_eq!(numeric_zone(-5 * 3600 - 30 * 60), "-0530");
        assert_eq!(numeric_zone(3600), "+0100");
    }
}
