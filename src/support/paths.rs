//! Go's path helpers as pprof uses them on recorded file paths:
//! `filepath.Base`, `filepath.Clean`, and pprof's `-trim_path` clean-up.

/// Go's `filepath.Base`.
pub fn go_base(path: &str) -> &str {
    if path.is_empty() {
        return ".";
    }
    let trimmed = path.trim_end_matches('/');
    if trimmed.is_empty() {
        return "/";
    }
    match trimmed.rfind('/') {
        Some(i) => &trimmed[i + 1..],
        None => trimmed,
    }
}

/// Go's `filepath.Clean` for slash-separated paths: the shortest equivalent
/// path, lexically.
pub fn go_clean(path: &str) -> String {
    if path.is_empty() {
        return ".".to_string();
    }
    let rooted = path.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|p| *p != "..") {
                    parts.pop();
                } else if !rooted {
                    parts.push("..");
                }
            }
            p => parts.push(p),
        }
    }
    let joined = parts.join("/");
    match (rooted, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".to_string(),
        (false, false) => joined,
    }
}

/// pprof's default clean-up of recorded file paths: a configured prefix and
/// the `/proc/self/cwd/` prefixes of some build systems are removed.
pub fn trim_path(path: &str, trim_prefixes: &[String]) -> String {
    let defaults = [
        "/proc/self/cwd/./".to_string(),
        "/proc/self/cwd/".to_string(),
    ];
    for prefix in trim_prefixes.iter().chain(defaults.iter()) {
        let prefix = if prefix.ends_with('/') {
            prefix.clone()
        } else {
            format!("{prefix}/")
        };
        if let Some(rest) = path.strip_prefix(&prefix) {
            return rest.to_string();
        }
    }
    path.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_path_helpers() {
        assert_eq!(go_clean("/a/./b/../c//d.go"), "/a/c/d.go");
        assert_eq!(go_clean("../x/../y"), "../y");
        assert_eq!(go_clean("a/.."), ".");
        assert_eq!(go_base("/usr/bin/prog"), "prog");
        assert_eq!(trim_path("/proc/self/cwd/pkg/x.go", &[]), "pkg/x.go");
        assert_eq!(
            trim_path("/build/src/x.go", &["/build".to_string()]),
            "src/x.go"
        );
    }
}
