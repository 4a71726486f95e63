//! Local time as pprof prints it ("2006-01-02 15:04:05 MST"), from the
//! C library's time-zone rules.

/// A time as pprof prints it, in the local time zone:
/// "2006-01-02 15:04:05 MST" (Go's layout; pprof before 2023 printed
/// "Jan 2, 2006 at 3:04pm (MST)").
pub fn format_time(nanos: i64) -> String {
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
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02} {}",
        i64::from(tm.tm_year) + 1900,
        tm.tm_mon + 1,
        tm.tm_mday,
        tm.tm_hour,
        tm.tm_min,
        tm.tm_sec,
        zone
    )
}
