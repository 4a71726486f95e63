//! Local time as pprof prints it ("Jan 2, 2006 at 3:04pm (MST)"), from the
//! C library's time-zone rules.

/// A time as pprof prints it, in the local time zone:
/// "Jan 2, 2006 at 3:04pm (MST)".
pub fn format_time(nanos: i64) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let secs = nanos.div_euclid(1_000_000_000) as libc::time_t;
    // SAFETY: `tm` is plain data that localtime_r fills in completely when it
    // returns non-null; both pointers are valid for the call, and tm_zone
    // then points at a static NUL-terminated zone abbreviation (or is null).
    let (tm, zone) = unsafe {
        let mut tm: libc::tm = std::mem::zeroed();
        if libc::localtime_r(&secs, &mut tm).is_null() {
            return format!("{nanos}ns since the epoch");
        }
        let zone = if tm.tm_zone.is_null() {
            "UTC".to_string()
        } else {
            std::ffi::CStr::from_ptr(tm.tm_zone)
                .to_string_lossy()
                .into_owned()
        };
        (tm, zone)
    };
    let hour12 = match tm.tm_hour % 12 {
        0 => 12,
        h => h,
    };
    let ampm = if tm.tm_hour < 12 { "am" } else { "pm" };
    format!(
        "{} {}, {} at {}:{:02}{} ({})",
        MONTHS[tm.tm_mon.clamp(0, 11) as usize],
        tm.tm_mday,
        tm.tm_year as i64 + 1900,
        hour12,
        tm.tm_min,
        ampm,
        zone
    )
}
