//! SVG charts of the results, written next to the report and embedded in it.
//!
//! plotters' SVG backend is used without a font feature: text goes out as `<text>`
//! elements for the viewer to set, so rendering needs no system font. plotters sizes that
//! text from a rough per-character estimate, hence the generous label areas.

use std::error::Error;
use std::ops::Range;
use std::path::Path;

use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::adapters::Kind;
use crate::memo_fns::Memo;
use crate::report::Results;
use crate::stats::Summary;
use crate::workloads::{hit::HitResult, memo::MemoResult, zipf_ratio::ZipfResult};

/// Where the charts go, relative to the report's directory; the report links them by
/// this relative path so the links work wherever the report is written.
pub const DIR: &str = "benches/charts";

const SIZE: (u32, u32) = (960, 540);
const FONT: &str = "sans-serif";

type Res = Result<(), Box<dyn Error>>;

/// The report section a chart belongs in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// After the table of `ZipfResult::sections[i]`.
    Zipf(usize),
    Hit,
    Memo,
}

/// A chart that was written, as the report embeds it.
#[derive(Debug, Clone)]
pub struct Chart {
    pub place: Place,
    /// Relative to the report's directory.
    pub link: String,
    pub alt: String,
}

/// Renders the charts of the workloads in `r` under `report_dir`/[`DIR`]. Returns the
/// charts written and one message per chart that could not be: a missing chart should
/// cost its image, not the report.
pub fn write_all(r: &Results, report_dir: &Path) -> (Vec<Chart>, Vec<String>) {
    type Job<'a> = (Place, String, String, Box<dyn Fn(&Path) -> Res + 'a>);
    let mut jobs: Vec<Job> = Vec::new();
    if let Some(z) = &r.zipf {
        for (i, sec) in z.sections.iter().enumerate() {
            jobs.push((
                Place::Zipf(i),
                format!("zipf_s{}.svg", sec.exponent),
                format!("Hit ratio vs capacity at Zipf s = {}", sec.exponent),
                Box::new(move |p| zipf_chart(p, z, i)),
            ));
        }
    }
    if let Some(h) = &r.hit {
        jobs.push((
            Place::Hit,
            "hit_ns.svg".into(),
            "ns per hit, per cache and thread count".into(),
            Box::new(move |p| hit_chart(p, h)),
        ));
    }
    if let Some(m) = &r.memo {
        jobs.push((
            Place::Memo,
            "memo_ns.svg".into(),
            "ns per memoized call, per memoizer and thread count".into(),
            Box::new(move |p| memo_chart(p, m)),
        ));
    }

    let mut charts = Vec::new();
    let mut errors = Vec::new();
    if jobs.is_empty() {
        return (charts, errors);
    }
    let dir = report_dir.join(DIR);
    if let Err(e) = std::fs::create_dir_all(&dir) {
        errors.push(format!("cannot create {}: {e}", dir.display()));
        return (charts, errors);
    }
    for (place, file, alt, render) in jobs {
        let path = dir.join(&file);
        match render(&path) {
            Ok(()) => charts.push(Chart {
                place,
                link: format!("{DIR}/{file}"),
                alt,
            }),
            Err(e) => errors.push(format!("{}: {e}", path.display())),
        }
    }
    (charts, errors)
}

/// Marker shapes, so lines stay apart where colors are hard to tell (or print in grey).
#[derive(Debug, Clone, Copy)]
pub enum Marker {
    Dot,
    Triangle,
    Square,
    Cross,
    Ring,
}

/// One curve of a hit-ratio chart.
pub struct Line {
    pub name: String,
    pub color: RGBColor,
    pub marker: Marker,
    pub width: u32,
    /// Hit ratio (0..=1) at each capacity.
    pub values: Vec<f64>,
}

/// One color, marker and weight per competitor, the same in every chart. Okabe–Ito
/// colors (distinguishable with the common color-vision deficiencies); cachekit drawn
/// heavier because it is the subject.
fn kind_line(kind: Kind) -> (RGBColor, Marker, u32) {
    match kind {
        Kind::Cachekit => (RGBColor(0xD5, 0x5E, 0x00), Marker::Dot, 3),
        Kind::QuickCache => (RGBColor(0x00, 0x72, 0xB2), Marker::Triangle, 2),
        Kind::Moka => (RGBColor(0x00, 0x9E, 0x73), Marker::Square, 2),
        Kind::MiniMoka => (RGBColor(0xE6, 0x9F, 0x00), Marker::Cross, 2),
        Kind::Lru => (RGBColor(0xCC, 0x79, 0xA7), Marker::Ring, 2),
        Kind::DashMap => (RGBColor(0x56, 0xB4, 0xE9), Marker::Ring, 2),
    }
}

/// Runs `$body` with `$make` bound to a closure drawing marker `$m` at a pixel position
/// (relative to an `EmptyElement` anchor). A macro rather than a function returning one
/// boxed element: plotters' `DynElement` only draws on a `'static` backend, and the SVG
/// backend borrows its output string.
macro_rules! with_marker {
    ($m:expr, $color:expr, $make:ident => $body:expr) => {{
        let c: RGBColor = $color;
        match $m {
            Marker::Dot => {
                let $make = move |p: (i32, i32)| Circle::new(p, 4, c.filled());
                $body
            }
            Marker::Ring => {
                let $make = move |p: (i32, i32)| Circle::new(p, 4, c.stroke_width(2));
                $body
            }
            Marker::Triangle => {
                let $make = move |p: (i32, i32)| TriangleMarker::new(p, 6, c.filled());
                $body
            }
            Marker::Square => {
                let $make = move |(x, y): (i32, i32)| {
                    Rectangle::new([(x - 4, y - 4), (x + 4, y + 4)], c.filled())
                };
                $body
            }
            Marker::Cross => {
                let $make = move |p: (i32, i32)| Cross::new(p, 4, c.stroke_width(2));
                $body
            }
        }
    }};
}

/// `1000` as `1k`: capacities are round numbers and read faster that way.
fn count_label(v: f64) -> String {
    let v = v.round() as u64;
    match v {
        _ if v >= 1_000_000 && v % 1_000_000 == 0 => format!("{}M", v / 1_000_000),
        _ if v >= 1_000 && v % 1_000 == 0 => format!("{}k", v / 1_000),
        _ => v.to_string(),
    }
}

fn zipf_chart(path: &Path, z: &ZipfResult, section: usize) -> Res {
    let sec = &z.sections[section];
    let lines: Vec<Line> = z
        .kinds
        .iter()
        .enumerate()
        .map(|(k, &kind)| {
            let (color, marker, width) = kind_line(kind);
            Line {
                name: kind.name().to_string(),
                color,
                marker,
                width,
                values: sec.rows.iter().map(|r| r.ratios[k]).collect(),
            }
        })
        .collect();
    let capacities: Vec<usize> = sec.rows.iter().map(|r| r.capacity).collect();
    let oracle: Vec<f64> = sec.rows.iter().map(|r| r.oracle).collect();
    ratio_chart(
        path,
        &format!(
            "Hit ratio on a Zipf stream, s = {} ({} keys, {} requests)",
            sec.exponent,
            count_label(z.keys as f64),
            count_label(z.requests as f64)
        ),
        &capacities,
        &lines,
        &oracle,
    )
}

/// Hit ratio (%) against capacity (log scale), one line per cache plus the oracle's
/// ceiling, dashed.
pub fn ratio_chart(
    path: &Path,
    title: &str,
    capacities: &[usize],
    lines: &[Line],
    oracle: &[f64],
) -> Res {
    let xs: Vec<f64> = capacities.iter().map(|&c| c as f64).collect();
    let (xmin, xmax) = bounds(xs.iter().copied()).ok_or("no capacities")?;
    let all = lines.iter().flat_map(|l| &l.values).chain(oracle);
    let (ymin, ymax) = bounds(all.map(|v| v * 100.0)).ok_or("no hit ratios")?;
    // Fit the y axis to the data: the caches differ by a few points, which a 0–100 axis
    // would flatten into one line.
    let lo = (((ymin - 2.0) / 10.0).floor() * 10.0).max(0.0);
    let hi = (((ymax + 2.0) / 10.0).ceil() * 10.0).min(100.0);

    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, (FONT, 26))
            .margin(16)
            .x_label_area_size(56)
            .y_label_area_size(64)
            .build_cartesian_2d(
                (xmin / 1.6..xmax * 1.6)
                    .log_scale()
                    .with_key_points(xs.clone()),
                lo..hi,
            )?;
        chart
            .configure_mesh()
            .x_desc("cache capacity (entries, log scale)")
            .y_desc("hit ratio (%)")
            .x_label_formatter(&|v| count_label(*v))
            .y_label_formatter(&|v| format!("{v:.0}"))
            .max_light_lines(1)
            .label_style((FONT, 17))
            .axis_desc_style((FONT, 19))
            .draw()?;

        let oracle_pts: Vec<(f64, f64)> = xs
            .iter()
            .zip(oracle)
            .map(|(&x, &v)| (x, v * 100.0))
            .collect();
        let dash = BLACK.stroke_width(2);
        chart
            .draw_series(DashedLineSeries::new(oracle_pts, 8, 6, dash))?
            .label("top-C oracle (ceiling)")
            .legend(move |(x, y)| {
                EmptyElement::at((x, y))
                    + PathElement::new(vec![(0, 0), (7, 0)], dash)
                    + PathElement::new(vec![(13, 0), (20, 0)], dash)
            });
        // The legend lists the lines in table order, from empty series; the lines
        // themselves go on in reverse, so the first (cachekit) is drawn over the rest
        // where the curves coincide.
        for line in lines {
            let style = line.color.stroke_width(line.width);
            with_marker!(line.marker, line.color, mark => {
                chart
                    .draw_series(std::iter::empty::<PathElement<(f64, f64)>>())?
                    .label(line.name.as_str())
                    .legend(move |(x, y)| {
                        EmptyElement::at((x, y))
                            + PathElement::new(vec![(0, 0), (20, 0)], style)
                            + mark((10, 0))
                    });
            });
        }
        for line in lines.iter().rev() {
            let pts: Vec<(f64, f64)> = xs
                .iter()
                .zip(&line.values)
                .map(|(&x, &v)| (x, v * 100.0))
                .collect();
            let style = line.color.stroke_width(line.width);
            chart.draw_series(LineSeries::new(pts.clone(), style))?;
            with_marker!(line.marker, line.color, mark => {
                chart.draw_series(pts.iter().map(|&p| EmptyElement::at(p) + mark((0, 0))))?;
            });
        }
        // Upper left: the curves rise with capacity, so that corner stays clear.
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK.mix(0.4))
            .label_font((FONT, 17))
            .margin(12)
            .draw()?;
        root.present()?;
    }
    std::fs::write(path, svg)?;
    Ok(())
}

/// A grouped bar chart: one group per row (cache, memoizer), one bar per thread count.
pub struct Bars {
    pub title: String,
    pub x_desc: String,
    pub y_desc: String,
    pub groups: Vec<String>,
    pub series: Vec<String>,
    /// `[group][series]`, ns.
    pub values: Vec<Vec<Summary>>,
}

/// One shade per thread count, light to dark as the thread count grows.
const SERIES_COLORS: [RGBColor; 4] = [
    RGBColor(0x56, 0xB4, 0xE9),
    RGBColor(0x00, 0x72, 0xB2),
    RGBColor(0xE6, 0x9F, 0x00),
    RGBColor(0xD5, 0x5E, 0x00),
];

fn thread_label(t: usize) -> String {
    if t == 1 {
        "1 thread".to_string()
    } else {
        format!("{t} threads")
    }
}

fn hit_chart(path: &Path, h: &HitResult) -> Res {
    bar_chart(
        path,
        &Bars {
            title: format!(
                "Hit latency: ns per get, per thread ({} resident entries)",
                count_label(h.resident as f64)
            ),
            x_desc: format!(
                "cache (bar: median of {} rounds; whisker: fastest to slowest round)",
                h.rounds
            ),
            y_desc: "ns per get, per thread".into(),
            groups: h.rows.iter().map(|(k, _)| k.name().to_string()).collect(),
            series: h.threads.iter().map(|&t| thread_label(t)).collect(),
            values: h.rows.iter().map(|(_, s)| s.clone()).collect(),
        },
    )
}

/// The report's row names carry the full attribute; the axis has room for the gist.
fn memo_label(m: Memo) -> &'static str {
    match m {
        Memo::Plain => "plain call (no cache)",
        Memo::Cachekit => "cachekit #[ttl_cached]",
        Memo::Cached => "cached #[cached]",
        Memo::CachedTtl => "cached #[cached] + ttl",
    }
}

fn memo_chart(path: &Path, m: &MemoResult) -> Res {
    bar_chart(
        path,
        &Bars {
            title: format!(
                "Memoized call (every call a hit): ns per call, per thread ({} argument pairs)",
                count_label(m.pairs as f64)
            ),
            x_desc: format!(
                "function (bar: median of {} rounds; whisker: fastest to slowest round)",
                m.rounds
            ),
            y_desc: "ns per call, per thread".into(),
            groups: m
                .rows
                .iter()
                .map(|&(r, _)| memo_label(r).to_string())
                .collect(),
            series: m.threads.iter().map(|&t| thread_label(t)).collect(),
            values: m.rows.iter().map(|(_, s)| s.clone()).collect(),
        },
    )
}

/// 1, 2, 5, 10, 20, ... within `lo..=hi`; powers of ten alone over more than two
/// decades, where 1-2-5 would crowd the axis.
fn log_ticks(lo: f64, hi: f64) -> Vec<f64> {
    let steps: &[f64] = if hi / lo > 100.0 {
        &[1.0]
    } else {
        &[1.0, 2.0, 5.0]
    };
    let mut ticks = Vec::new();
    let mut decade = 10f64.powf(lo.log10().floor());
    while decade <= hi {
        for &m in steps {
            let t = decade * m;
            if t >= lo * (1.0 - 1e-9) && t <= hi * (1.0 + 1e-9) {
                ticks.push(t);
            }
        }
        decade *= 10.0;
    }
    ticks
}

/// Multiples of a 1-2-5 step, about six of them, from 0 to `hi`.
fn linear_ticks(hi: f64) -> Vec<f64> {
    let raw = hi / 6.0;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * mag)
        .find(|&s| s >= raw)
        .unwrap_or(10.0 * mag);
    (0..)
        .map(|i| i as f64 * step)
        .take_while(|&t| t <= hi * (1.0 + 1e-9))
        .collect()
}

fn ns_label(v: f64) -> String {
    if v >= 100.0 {
        format!("{v:.0}")
    } else if v >= 1.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

/// Tick values are round: no trailing `.0`, and below 1 only the digits needed.
fn tick_label(v: f64) -> String {
    if v >= 1.0 || v <= 0.0 {
        format!("{v:.0}")
    } else {
        format!("{:.*}", (-v.log10()).ceil() as usize, v)
    }
}

pub fn bar_chart(path: &Path, b: &Bars) -> Res {
    let all = || b.values.iter().flatten();
    // The axis fits the medians; whiskers are clipped to it, so one wild round (a
    // descheduled thread on a shared machine) cannot squash every bar.
    let (lo_med, hi_med) = bounds(all().map(|s| s.median)).ok_or("no timings")?;
    // A log axis when one row dwarfs another (moka's hits, a plain call next to a
    // memoized one): on a linear one the fast rows would be slivers. The axis is drawn in
    // log10 space with labels mapped back, so both cases share the drawing code.
    let log = lo_med > 0.0 && hi_med / lo_med > 10.0;
    let (y_lo, y_hi, ticks) = if log {
        let lo = 10f64.powf(lo_med.log10().floor());
        // Head room for the whiskers, the value labels and the legend.
        let hi = hi_med * 6.0;
        let ticks = log_ticks(lo, hi).iter().map(|v| v.log10()).collect();
        (lo.log10(), hi.log10(), ticks)
    } else {
        let hi = hi_med * 1.6;
        (0.0, hi, linear_ticks(hi))
    };
    // ns to the drawing space, clipped to the axis.
    let t = |ns: f64| {
        let y = match (log, ns > 0.0) {
            (false, _) => ns,
            (true, true) => ns.log10(),
            (true, false) => y_lo,
        };
        y.clamp(y_lo, y_hi)
    };
    let y_desc = if log {
        format!("{} (log scale)", b.y_desc)
    } else {
        b.y_desc.clone()
    };
    let n = b.groups.len();
    let centers: Vec<f64> = (0..n).map(|g| g as f64 + 0.5).collect();
    let groups = &b.groups;

    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(&b.title, (FONT, 25))
            .margin(16)
            .x_label_area_size(56)
            .y_label_area_size(64)
            .build_cartesian_2d(
                Axis {
                    range: 0.0..n as f64,
                    ticks: centers,
                },
                Axis {
                    range: y_lo..y_hi,
                    ticks,
                },
            )?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_desc(b.x_desc.as_str())
            .y_desc(y_desc)
            .x_label_formatter(&|v| {
                let g = (v - 0.5).round();
                if g >= 0.0 && (g as usize) < groups.len() {
                    groups[g as usize].clone()
                } else {
                    String::new()
                }
            })
            .y_label_formatter(&|v| tick_label(if log { 10f64.powf(*v) } else { *v }))
            .label_style((FONT, 17))
            .axis_desc_style((FONT, 19))
            .draw()?;

        let per = b.series.len().max(1) as f64;
        let width = 0.8 / per;
        let bar = |g: usize, s: usize| {
            let x0 = g as f64 + 0.1 + s as f64 * width;
            (x0, x0 + width * 0.9, x0 + width * 0.45)
        };
        for (s, name) in b.series.iter().enumerate() {
            let color = SERIES_COLORS[s % SERIES_COLORS.len()];
            let rects = b.values.iter().enumerate().filter_map(|(g, row)| {
                let v = row.get(s)?;
                let (x0, x1, _) = bar(g, s);
                Some(Rectangle::new(
                    [(x0, y_lo), (x1, t(v.median))],
                    color.filled(),
                ))
            });
            chart
                .draw_series(rects)?
                .label(name.as_str())
                .legend(move |(x, y)| {
                    Rectangle::new([(x, y - 6), (x + 18, y + 6)], color.filled())
                });
        }
        let whisker = BLACK.mix(0.7).stroke_width(1);
        for (g, row) in b.values.iter().enumerate() {
            for (s, v) in row.iter().enumerate() {
                let (x0, x1, xc) = bar(g, s);
                let cap = (x1 - x0) * 0.25;
                chart.draw_series([
                    PathElement::new(vec![(xc, t(v.min)), (xc, t(v.max))], whisker),
                    PathElement::new(vec![(xc - cap, t(v.min)), (xc + cap, t(v.min))], whisker),
                    PathElement::new(vec![(xc - cap, t(v.max)), (xc + cap, t(v.max))], whisker),
                ])?;
                let label = TextStyle::from((FONT, 15)).pos(Pos::new(HPos::Center, VPos::Bottom));
                chart.draw_series(std::iter::once(
                    EmptyElement::at((xc, t(v.max)))
                        + Text::new(ns_label(v.median), (0, -4), label),
                ))?;
            }
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK.mix(0.4))
            .label_font((FONT, 17))
            .margin(12)
            .draw()?;
        root.present()?;
    }
    std::fs::write(path, svg)?;
    Ok(())
}

/// A linear `f64` axis with exactly the ticks given. plotters' `with_key_points` does
/// that too, but over `f64` it drops the label formatting `configure_mesh` requires.
struct Axis {
    range: Range<f64>,
    ticks: Vec<f64>,
}

impl Ranged for Axis {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, v: &f64, limit: (i32, i32)) -> i32 {
        let f = (v - self.range.start) / (self.range.end - self.range.start);
        limit.0 + (f * f64::from(limit.1 - limit.0)).round() as i32
    }

    fn key_points<H: KeyPointHint>(&self, hint: H) -> Vec<f64> {
        // Bold ticks only: light mesh lines between them would be noise.
        if hint.weight().allow_light_points() {
            Vec::new()
        } else {
            self.ticks.clone()
        }
    }

    fn range(&self) -> Range<f64> {
        self.range.clone()
    }
}

/// Smallest and largest of the finite values; `None` when there are none.
fn bounds(values: impl Iterator<Item = f64>) -> Option<(f64, f64)> {
    values
        .filter(|v| v.is_finite())
        .fold(None, |acc, v| match acc {
            None => Some((v, v)),
            Some((lo, hi)) => Some((f64::min(lo, v), f64::max(hi, v))),
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workloads::zipf_ratio::{ZipfRow, ZipfSection};
    use std::path::PathBuf;

    /// A fresh directory per test (tests run in parallel), removed by the test.
    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "cachekit-bench-charts-{}-{name}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    /// The contents of the `<text>` elements.
    fn texts(svg: &str) -> Vec<&str> {
        svg.split("<text")
            .skip(1)
            .filter_map(|t| Some(t.split_once('>')?.1.split_once("</text>")?.0.trim()))
            .collect()
    }

    /// Well-formed enough: one root element, every `<text>` closed, and each of `labels`
    /// the whole of some text element.
    fn assert_svg(svg: &str, labels: &[&str]) {
        assert!(
            svg.starts_with("<svg "),
            "starts {:?}",
            &svg[..svg.len().min(40)]
        );
        assert!(svg.trim_end().ends_with("</svg>"));
        assert_eq!(svg.matches("<svg").count(), 1);
        assert_eq!(svg.matches("<text").count(), svg.matches("</text>").count());
        let texts = texts(svg);
        for l in labels {
            assert!(texts.contains(l), "no text {l:?} in {texts:?}");
        }
    }

    fn summary(median: f64) -> Summary {
        Summary {
            median,
            min: median * 0.9,
            max: median * 1.2,
        }
    }

    #[test]
    fn ratio_chart_has_series_axes_and_legend() {
        let dir = scratch("ratio");
        let path = dir.join("ratio.svg");
        let line = |name: &str, kind, values: Vec<f64>| {
            let (color, marker, width) = kind_line(kind);
            Line {
                name: name.to_string(),
                color,
                marker,
                width,
                values,
            }
        };
        let lines = [
            line("cachekit", Kind::Cachekit, vec![0.41, 0.55, 0.70]),
            line("Mutex<lru>", Kind::Lru, vec![0.35, 0.50, 0.66]),
        ];
        ratio_chart(
            &path,
            "Test ratios",
            &[1_000, 10_000, 100_000],
            &lines,
            &[0.5, 0.62, 0.76],
        )
        .unwrap();
        let svg = std::fs::read_to_string(&path).unwrap();
        assert_svg(
            &svg,
            &[
                "Test ratios",
                "cachekit",
                // Escaped, or the SVG would not parse.
                "Mutex&lt;lru&gt;",
                "top-C oracle (ceiling)",
                "hit ratio (%)",
                "cache capacity (entries, log scale)",
                "1k",
                "100k",
            ],
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn bar_chart_switches_to_log_when_one_row_dwarfs_another() {
        let dir = scratch("bars");
        let path = dir.join("bars.svg");
        let bars = Bars {
            title: "Test bars".into(),
            x_desc: "cache".into(),
            y_desc: "ns per get".into(),
            groups: vec!["fast".into(), "slow".into()],
            series: vec!["1 thread".into(), "2 threads".into()],
            values: vec![
                vec![summary(9.5), summary(12.0)],
                vec![summary(900.0), summary(1500.0)],
            ],
        };
        bar_chart(&path, &bars).unwrap();
        let svg = std::fs::read_to_string(&path).unwrap();
        assert_svg(
            &svg,
            &[
                "Test bars",
                "fast",
                "slow",
                "1 thread",
                "2 threads",
                "ns per get (log scale)",
                "9.5",
                "1500",
            ],
        );

        let near = Bars {
            values: vec![
                vec![summary(9.5), summary(12.0)],
                vec![summary(20.0), summary(25.0)],
            ],
            ..bars
        };
        bar_chart(&path, &near).unwrap();
        let svg = std::fs::read_to_string(&path).unwrap();
        assert_svg(&svg, &["ns per get", "fast"]);
        assert!(!svg.contains("log scale"));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn writes_only_the_charts_of_workloads_run() {
        let dir = scratch("all");
        let row = |capacity, oracle| ZipfRow {
            capacity,
            oracle,
            ratios: vec![oracle - 0.05, oracle - 0.08],
        };
        let results = Results {
            zipf: Some(ZipfResult {
                keys: 100_000,
                requests: 200_000,
                kinds: vec![Kind::Cachekit, Kind::QuickCache],
                sections: vec![
                    ZipfSection {
                        exponent: 0.99,
                        rows: vec![row(1_000, 0.5), row(10_000, 0.7)],
                    },
                    ZipfSection {
                        exponent: 0.8,
                        rows: vec![row(1_000, 0.2), row(10_000, 0.4)],
                    },
                ],
                notes: Vec::new(),
            }),
            ..Default::default()
        };
        let (charts, errors) = write_all(&results, &dir);
        assert!(errors.is_empty(), "{errors:?}");
        let links: Vec<&str> = charts.iter().map(|c| c.link.as_str()).collect();
        assert_eq!(
            links,
            [
                "benches/charts/zipf_s0.99.svg",
                "benches/charts/zipf_s0.8.svg"
            ]
        );
        assert_eq!(charts[1].place, Place::Zipf(1));
        for link in links {
            let svg = std::fs::read_to_string(dir.join(link)).unwrap();
            assert_svg(&svg, &["quick_cache", "hit ratio (%)"]);
        }
        assert!(!dir.join(DIR).join("hit_ns.svg").exists());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn ticks_and_labels() {
        assert_eq!(log_ticks(1.0, 600.0), [1.0, 10.0, 100.0]);
        assert_eq!(log_ticks(1.0, 60.0), [1.0, 2.0, 5.0, 10.0, 20.0, 50.0]);
        assert_eq!(tick_label(0.0), "0");
        assert_eq!(tick_label(0.05), "0.05");
        assert_eq!(tick_label(10f64.powf(200f64.log10())), "200");
        assert_eq!(linear_ticks(30.0), [0.0, 5.0, 10.0, 15.0, 20.0, 25.0, 30.0]);
        assert_eq!(count_label(1_000.0), "1k");
        assert_eq!(count_label(100_000.0), "100k");
        assert_eq!(count_label(1_000_000.0), "1M");
        assert_eq!(count_label(1_500.0), "1500");
    }
}
