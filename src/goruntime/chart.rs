//! Line charts as standalone SVG, written by hand: axes with round ticks,
//! grid lines, one polyline per series, markers with hover titles, a legend.

use std::fmt::Write as _;

use crate::support::escape;

/// One line of a chart.
pub struct Series {
    pub name: String,
    /// A CSS color.
    pub color: &'static str,
    /// An SVG `stroke-dasharray`, or "" for a solid line.
    pub dash: &'static str,
    pub points: Vec<(f64, f64)>,
}

/// A point drawn as a dot, with a text shown when the mouse is over it.
pub struct Marker {
    pub x: f64,
    pub y: f64,
    pub color: &'static str,
    pub radius: f64,
    pub title: String,
}

/// What to draw.
pub struct Chart {
    pub title: String,
    pub subtitle: String,
    pub x_label: String,
    pub y_label: String,
    pub series: Vec<Series>,
    pub markers: Vec<Marker>,
    /// Text of a tick value on each axis.
    pub x_format: fn(f64) -> String,
    pub y_format: fn(f64) -> String,
}

const WIDTH: f64 = 960.0;
const HEIGHT: f64 = 540.0;
const LEFT: f64 = 80.0;
const RIGHT: f64 = 190.0;
const TOP: f64 = 64.0;
const BOTTOM: f64 = 56.0;

/// A round step (1, 2 or 5 × 10^k) giving about `target` intervals.
fn nice_step(range: f64, target: f64) -> f64 {
    if !(range.is_finite() && range > 0.0) {
        return 1.0;
    }
    let raw = range / target;
    let magnitude = 10f64.powf(raw.log10().floor());
    let fraction = raw / magnitude;
    let nice = if fraction <= 1.0 {
        1.0
    } else if fraction <= 2.0 {
        2.0
    } else if fraction <= 5.0 {
        5.0
    } else {
        10.0
    };
    nice * magnitude
}

/// The axis range, extended to whole steps, and its ticks.
fn axis(min: f64, max: f64, target: f64) -> (f64, f64, Vec<f64>) {
    let (min, max) = if max > min {
        (min, max)
    } else {
        (min, min + 1.0)
    };
    let step = nice_step(max - min, target);
    let lo = (min / step).floor() * step;
    let hi = (max / step).ceil() * step;
    let count = ((hi - lo) / step).round() as usize;
    let ticks = (0..=count.min(100)).map(|i| lo + i as f64 * step).collect();
    (lo, hi, ticks)
}

/// Renders the chart. Non-finite points are left out.
pub fn render(chart: &Chart) -> String {
    let points = chart
        .series
        .iter()
        .flat_map(|s| s.points.iter())
        .filter(|(x, y)| x.is_finite() && y.is_finite());
    let (mut x_min, mut x_max, mut y_max) = (f64::INFINITY, f64::NEG_INFINITY, 0.0f64);
    for &(x, y) in points {
        x_min = x_min.min(x);
        x_max = x_max.max(x);
        y_max = y_max.max(y);
    }
    if !x_min.is_finite() {
        (x_min, x_max) = (0.0, 1.0);
    }
    let (x_lo, x_hi, x_ticks) = axis(x_min, x_max, 8.0);
    let (y_lo, y_hi, y_ticks) = axis(0.0, y_max, 6.0);
    let plot_w = WIDTH - LEFT - RIGHT;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let sx = |x: f64| LEFT + (x - x_lo) / (x_hi - x_lo) * plot_w;
    let sy = |y: f64| TOP + plot_h - (y - y_lo) / (y_hi - y_lo) * plot_h;

    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(s, "<title>{}</title>", escape::xml(&chart.title));
    let _ = writeln!(
        s,
        r#"<rect width="{WIDTH}" height="{HEIGHT}" fill="white"/>"#
    );
    let _ = writeln!(
        s,
        r#"<text x="{LEFT}" y="24" font-size="16" font-weight="bold">{}</text>"#,
        escape::xml(&chart.title)
    );
    let _ = writeln!(
        s,
        r##"<text x="{LEFT}" y="44" fill="#555">{}</text>"##,
        escape::xml(&chart.subtitle)
    );

    // Grid and ticks.
    let _ = writeln!(s, r##"<g stroke="#e4e4e4" stroke-width="1">"##);
    for &t in &y_ticks {
        let y = sy(t);
        let _ = writeln!(
            s,
            r#"<line x1="{LEFT}" y1="{y:.1}" x2="{:.1}" y2="{y:.1}"/>"#,
            LEFT + plot_w
        );
    }
    for &t in &x_ticks {
        let x = sx(t);
        let _ = writeln!(
            s,
            r#"<line x1="{x:.1}" y1="{TOP}" x2="{x:.1}" y2="{:.1}"/>"#,
            TOP + plot_h
        );
    }
    let _ = writeln!(s, "</g>");
    let _ = writeln!(
        s,
        r##"<rect x="{LEFT}" y="{TOP}" width="{plot_w}" height="{plot_h}" fill="none" stroke="#888"/>"##
    );
    let _ = writeln!(s, r##"<g fill="#333">"##);
    for &t in &y_ticks {
        let _ = writeln!(
            s,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="end">{}</text>"#,
            LEFT - 8.0,
            sy(t) + 4.0,
            escape::xml(&(chart.y_format)(t))
        );
    }
    for &t in &x_ticks {
        let _ = writeln!(
            s,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="middle">{}</text>"#,
            sx(t),
            TOP + plot_h + 18.0,
            escape::xml(&(chart.x_format)(t))
        );
    }
    let _ = writeln!(
        s,
        r#"<text x="{:.1}" y="{:.1}" text-anchor="middle">{}</text>"#,
        LEFT + plot_w / 2.0,
        HEIGHT - 12.0,
        escape::xml(&chart.x_label)
    );
    let _ = writeln!(
        s,
        r#"<text transform="translate(18 {:.1}) rotate(-90)" text-anchor="middle">{}</text>"#,
        TOP + plot_h / 2.0,
        escape::xml(&chart.y_label)
    );
    let _ = writeln!(s, "</g>");

    // Lines.
    for series in &chart.series {
        let mut path = String::new();
        for &(x, y) in series
            .points
            .iter()
            .filter(|(x, y)| x.is_finite() && y.is_finite())
        {
            let _ = write!(path, "{:.1},{:.1} ", sx(x), sy(y));
        }
        let dash = if series.dash.is_empty() {
            String::new()
        } else {
            format!(r#" stroke-dasharray="{}""#, series.dash)
        };
        let _ = writeln!(
            s,
            r#"<polyline fill="none" stroke="{}" stroke-width="1.8"{dash} points="{}"><title>{}</title></polyline>"#,
            series.color,
            path.trim_end(),
            escape::xml(&series.name)
        );
    }
    for m in chart
        .markers
        .iter()
        .filter(|m| m.x.is_finite() && m.y.is_finite())
    {
        let _ = writeln!(
            s,
            r#"<circle cx="{:.1}" cy="{:.1}" r="{}" fill="{}"><title>{}</title></circle>"#,
            sx(m.x),
            sy(m.y),
            m.radius,
            m.color,
            escape::xml(&m.title)
        );
    }

    // Legend.
    let lx = LEFT + plot_w + 16.0;
    for (i, series) in chart.series.iter().enumerate() {
        let y = TOP + 10.0 + i as f64 * 22.0;
        let dash = if series.dash.is_empty() {
            String::new()
        } else {
            format!(r#" stroke-dasharray="{}""#, series.dash)
        };
        let _ = writeln!(
            s,
            r#"<line x1="{lx:.1}" y1="{y:.1}" x2="{:.1}" y2="{y:.1}" stroke="{}" stroke-width="2.5"{dash}/>"#,
            lx + 24.0,
            series.color
        );
        let _ = writeln!(
            s,
            r#"<text x="{:.1}" y="{:.1}">{}</text>"#,
            lx + 30.0,
            y + 4.0,
            escape::xml(&series.name)
        );
    }
    let _ = writeln!(s, "</svg>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_round() {
        assert_eq!(nice_step(10.0, 5.0), 2.0);
        assert_eq!(nice_step(1.99, 8.0), 0.5);
        assert_eq!(nice_step(151.0, 6.0), 50.0);
        let (lo, hi, ticks) = axis(0.0, 151.0, 6.0);
        assert_eq!((lo, hi), (0.0, 200.0));
        assert_eq!(ticks, [0.0, 50.0, 100.0, 150.0, 200.0]);
        // A single point still gets a range.
        let (lo, hi, _) = axis(3.0, 3.0, 6.0);
        assert!(hi > lo);
    }

    #[test]
    fn text_is_escaped_and_the_document_is_closed() {
        let chart = Chart {
            title: "a <b> & \"c\"".into(),
            subtitle: String::new(),
            x_label: "s".into(),
            y_label: "MB".into(),
            series: vec![Series {
                name: "live".into(),
                color: "green",
                dash: "",
                points: vec![(0.0, 1.0), (1.0, 2.0), (f64::NAN, 3.0)],
            }],
            markers: vec![],
            x_format: |v| format!("{v}"),
            y_format: |v| format!("{v}"),
        };
        let svg = render(&chart);
        assert!(svg.contains("a &lt;b&gt; &amp; &quot;c&quot;"));
        assert!(svg.trim_end().ends_with("</svg>"));
        assert_eq!(svg.matches("<polyline").count(), 1);
    }
}
