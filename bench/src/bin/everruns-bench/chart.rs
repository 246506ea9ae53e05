//! The PNG chart (plotters, bitmap backend, a system TrueType font through `ab_glyph`):
//! three panels on log scales — replay throughput, call overhead and live latency p50.

use std::path::Path;

use plotters::prelude::*;
use plotters::style::FontStyle;

use crate::run::{Results, Who};

const FONT_PATHS: [&str; 4] = [
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
];

fn load_font() -> Result<(), String> {
    let path = FONT_PATHS
        .iter()
        .find(|p| Path::new(p).exists())
        .ok_or("no TrueType font found (install fonts-dejavu-core)")?;
    let bytes: &'static [u8] = Box::leak(
        std::fs::read(path)
            .map_err(|e| format!("{path}: {e}"))?
            .into_boxed_slice(),
    );
    plotters::style::register_font("sans-serif", FontStyle::Normal, bytes)
        .map_err(|_| format!("{path}: not a usable font"))?;
    Ok(())
}

fn color(w: Who) -> RGBColor {
    match w {
        Who::RustOurs => RGBColor(0xd9, 0x5f, 0x02),
        Who::PyOurs => RGBColor(0x1b, 0x9e, 0x77),
        Who::NodeOurs => RGBColor(0x75, 0x70, 0xb3),
        Who::PyUpstream => RGBColor(0x99, 0x99, 0x99),
        Who::RustUpstream => RGBColor(0x66, 0x66, 0x66),
        Who::Floor => RGBColor(0x22, 0x22, 0x22),
    }
}

struct Bar {
    group: usize,
    who: Who,
    value: f64,
}

#[allow(clippy::too_many_arguments)]
fn panel(
    area: &DrawingArea<BitMapBackend, plotters::coord::Shift>,
    title: &str,
    unit: &str,
    groups: &[String],
    bars: &[Bar],
    series: &[Who],
    label: &dyn Fn(Who) -> String,
    grouped: bool,
) -> Result<(), String> {
    let e = |e: Box<dyn std::error::Error>| e.to_string();
    if bars.is_empty() {
        return Ok(());
    }
    let lo = bars.iter().map(|b| b.value).fold(f64::MAX, f64::min) / 3.0;
    let hi = bars.iter().map(|b| b.value).fold(0.0, f64::max) * 3.0;
    let n = groups.len() as f64;
    let mut chart = ChartBuilder::on(area)
        .caption(title, ("sans-serif", 22))
        .margin(12)
        .x_label_area_size(28)
        .y_label_area_size(70)
        .build_cartesian_2d(-0.5f64..(n - 0.5), (lo.max(1e-6)..hi).log_scale())
        .map_err(|x| e(Box::new(x)))?;
    let groups_owned = groups.to_vec();
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(groups.len() * 2 + 1)
        .x_label_formatter(&|x| {
            let r = x.round();
            if (x - r).abs() < 1e-6 && r >= 0.0 && (r as usize) < groups_owned.len() {
                groups_owned[r as usize].clone()
            } else {
                String::new()
            }
        })
        .y_labels(8)
        .y_label_formatter(&|y| crate::report::num(*y))
        .y_desc(unit)
        .label_style(("sans-serif", 14))
        .draw()
        .map_err(|x| e(Box::new(x)))?;
    // Grouped panels: one bar per series inside each group; otherwise one centred bar per group.
    let width = if grouped {
        0.8 / series.len().max(1) as f64
    } else {
        0.6
    };
    for (si, who) in series.iter().enumerate() {
        let mine: Vec<&Bar> = bars.iter().filter(|b| b.who == *who).collect();
        if mine.is_empty() {
            continue;
        }
        let c = color(*who);
        chart
            .draw_series(mine.iter().map(|b| {
                let x0 = if grouped {
                    b.group as f64 - 0.4 + si as f64 * width
                } else {
                    b.group as f64 - 0.3
                };
                Rectangle::new(
                    [(x0, lo.max(1e-6)), (x0 + width * 0.9, b.value)],
                    c.filled(),
                )
            }))
            .map_err(|x| e(Box::new(x)))?
            .label(label(*who))
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 10, y + 5)], c.filled()));
    }
    if !grouped {
        return Ok(());
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .label_font(("sans-serif", 13))
        .position(SeriesLabelPosition::UpperLeft)
        .draw()
        .map_err(|x| e(Box::new(x)))?;
    Ok(())
}

/// Writes the chart to `path`.
pub fn render(r: &Results, path: &Path) -> Result<(), String> {
    load_font()?;
    let label = |w: Who| -> String {
        if w == Who::Floor {
            return "curl (raw bytes)".into();
        }
        r.clients
            .iter()
            .find(|c| c.who == w)
            .map(|c| c.label.clone())
            .unwrap_or_default()
    };
    let get = |metric: &str, w: Who| {
        r.cells
            .get(metric)
            .and_then(|m| m.get(w.key()))
            .map(|c| c.summary.median)
            .filter(|v| *v > 0.0)
    };
    let root = BitMapBackend::new(path, (1200, 1350)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| e.to_string())?;
    let areas = root.split_evenly((3, 1));

    let all: Vec<Who> = Who::SDKS.iter().copied().chain([Who::Floor]).collect();
    let bars: Vec<Bar> = all
        .iter()
        .enumerate()
        .filter_map(|(i, w)| {
            get("throughput", *w).map(|v| Bar {
                group: i,
                who: *w,
                value: v,
            })
        })
        .collect();
    let names: Vec<String> = all.iter().map(|w| label(*w)).collect();
    panel(
        &areas[0],
        &format!(
            "Replay of {} stored events into user code (higher is better)",
            r.params.replay_events
        ),
        "events/s (log)",
        &names,
        &bars,
        &all,
        &label,
        false,
    )?;

    let sdks: Vec<Who> = Who::SDKS.to_vec();
    let bars: Vec<Bar> = sdks
        .iter()
        .enumerate()
        .filter_map(|(i, w)| {
            get("calls_us", *w).map(|v| Bar {
                group: i,
                who: *w,
                value: v,
            })
        })
        .collect();
    let names: Vec<String> = sdks.iter().map(|w| label(*w)).collect();
    panel(
        &areas[1],
        "Median agents.get call (lower is better)",
        "µs (log)",
        &names,
        &bars,
        &sdks,
        &label,
        false,
    )?;

    let groups: Vec<String> = r
        .params
        .latency_streams
        .iter()
        .map(|n| format!("{n} stream{}", if *n == 1 { "" } else { "s" }))
        .collect();
    let mut bars = Vec::new();
    for (g, n) in r.params.latency_streams.iter().enumerate() {
        for w in &sdks {
            if let Some(v) = get(&format!("lat_p50_ms_{n}"), *w) {
                bars.push(Bar {
                    group: g,
                    who: *w,
                    value: v,
                });
            }
        }
    }
    panel(
        &areas[2],
        "Live latency p50, append → user code (lower is better)",
        "ms (log)",
        &groups,
        &bars,
        &sdks,
        &label,
        true,
    )?;
    root.present().map_err(|e| e.to_string())?;
    Ok(())
}
