//! Draws a [`Figure`] with plotters, as SVG text or PNG bytes. Fonts are
//! compiled in (DejaVu Sans), so rendering needs no system fonts.

use super::figure::{Axis, Bar, Body, Figure, MapData, Panel, Series, Shade, Tone, stack};
use plotters::coord::Shift;
use plotters::coord::ranged1d::{AsRangedCoord, Ranged, ValueFormatter};
use plotters::prelude::*;
use plotters::style::{FontStyle, register_font};
use std::sync::Once;

const FONT: &str = "sans-serif";
/// Pixel size of line and bar plots.
pub const SIZE: (u32, u32) = (1000, 600);
/// Pixel size of the map.
pub const MAP_SIZE: (u32, u32) = (1200, 620);

/// Tableau 10: distinguishable, and readable on white.
pub const PALETTE: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];
const INK: RGBColor = RGBColor(20, 20, 20);
/// Line series with at most this many points also get a dot per point.
const MARKERS_UP_TO: usize = 24;

/// The land outlines drawn on maps: Natural Earth 1:110m (public domain),
/// one ring per line of `lon,lat` pairs; see topologies/ne_110m_land.py.
const LAND: &str = include_str!("../../topologies/ne_110m_land.txt");

pub fn color(t: Tone) -> RGBColor {
    match t {
        Tone::Ink => INK,
        Tone::Pal(i) => PALETTE[i % PALETTE.len()],
    }
}

/// Registers DejaVu Sans as "sans-serif" (once per process).
pub fn register_fonts() {
    static FONTS: Once = Once::new();
    FONTS.call_once(|| {
        // Both fonts are valid TrueType compiled into the binary.
        let _ = register_font(FONT, FontStyle::Normal, dejavu::sans::regular());
        let _ = register_font(FONT, FontStyle::Bold, dejavu::sans::bold());
    });
}

/// Height of one panel of grouped bars, and of the title above them.
const PANEL_H: u32 = 380;
const TITLE_H: u32 = 50;

pub fn size(fig: &Figure) -> (u32, u32) {
    match &fig.body {
        Body::Map(_) => MAP_SIZE,
        Body::Grouped(p) => (SIZE.0, TITLE_H + PANEL_H * p.len().max(1) as u32),
        _ => SIZE,
    }
}

pub fn svg(fig: &Figure) -> Result<String, String> {
    register_fonts();
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, size(fig)).into_drawing_area();
        draw(&root, fig)?;
        root.present().map_err(|e| e.to_string())?;
    }
    Ok(out)
}

pub fn png(fig: &Figure) -> Result<Vec<u8>, String> {
    register_fonts();
    let (w, h) = size(fig);
    let mut rgb = vec![0u8; (w * h * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, (w, h)).into_drawing_area();
        draw(&root, fig)?;
        root.present().map_err(|e| e.to_string())?;
    }
    let mut out = Vec::new();
    let mut enc = png::Encoder::new(&mut out, w, h);
    enc.set_color(png::ColorType::Rgb);
    enc.set_depth(png::BitDepth::Eight);
    enc.set_compression(png::Compression::Fast);
    let mut wr = enc.write_header().map_err(|e| e.to_string())?;
    wr.write_image_data(&rgb).map_err(|e| e.to_string())?;
    wr.finish().map_err(|e| e.to_string())?;
    Ok(out)
}

fn err<E: std::fmt::Display>(e: E) -> String {
    e.to_string()
}

fn draw<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, fig: &Figure) -> Result<(), String> {
    root.fill(&WHITE).map_err(err)?;
    match &fig.body {
        Body::Lines { series, shade } => {
            let xr = fit(
                &fig.x,
                series.iter().flat_map(|s| s.points.iter().map(|p| p.0)),
            );
            let yr = fit(
                &fig.y,
                series.iter().flat_map(|s| s.points.iter().map(|p| p.1)),
            );
            let shade = shade.as_ref();
            match (fig.x.log, fig.y.log) {
                (false, false) => lines(root, fig, series, shade, xr.0..xr.1, yr.0..yr.1, xr, yr),
                (true, false) => lines(
                    root,
                    fig,
                    series,
                    shade,
                    (xr.0..xr.1).log_scale(),
                    yr.0..yr.1,
                    xr,
                    yr,
                ),
                (false, true) => lines(
                    root,
                    fig,
                    series,
                    shade,
                    xr.0..xr.1,
                    (yr.0..yr.1).log_scale(),
                    xr,
                    yr,
                ),
                (true, true) => lines(
                    root,
                    fig,
                    series,
                    shade,
                    (xr.0..xr.1).log_scale(),
                    (yr.0..yr.1).log_scale(),
                    xr,
                    yr,
                ),
            }
        }
        Body::Stacked { series, shade } => draw_stacked(root, fig, series, shade.as_ref()),
        Body::Bars(bars) => draw_bars(root, fig, bars),
        Body::Grouped(panels) => draw_grouped(root, fig, panels),
        Body::Map(m) => draw_map(root, fig, m),
    }
}

/// The axis range: fixed, or the data's with a margin (log axes: positive
/// values only, widened to whole decades' neighbours).
pub fn fit(axis: &Axis, values: impl Iterator<Item = f64>) -> (f64, f64) {
    if let Some(r) = axis.range {
        return r;
    }
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for v in values.filter(|v| v.is_finite() && (!axis.log || *v > 0.0)) {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    if lo > hi {
        return if axis.log { (1.0, 10.0) } else { (0.0, 1.0) };
    }
    if axis.log {
        (lo / 1.25, hi * 1.25)
    } else {
        // Counts and rates start at zero; a flat series gets some height.
        let lo = lo.min(0.0);
        let span = if hi > lo { hi - lo } else { hi.abs().max(1.0) };
        (lo, hi + 0.05 * span)
    }
}

/// Tick labels: short, no float noise.
pub fn tick(v: f64) -> String {
    if v == 0.0 {
        return "0".into();
    }
    let a = v.abs();
    if !(1e-3..1e6).contains(&a) {
        format!("{v:.0e}")
    } else if a >= 100.0 {
        format!("{v:.0}")
    } else {
        let s = format!("{v:.3}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

/// A tick label on a log axis spanning `lo..hi`: only 1, 2, 5 (or 1, 2,
/// 3, 5 on short axes, every mantissa on very short ones) times a power of
/// ten are labelled, and only powers of ten once the axis spans more than
/// 2.5 decades, so labels never crowd; other ticks stay unlabelled.
pub fn log_tick(v: f64, lo: f64, hi: f64) -> String {
    if v <= 0.0 || lo <= 0.0 || hi <= lo {
        return String::new();
    }
    let span = (hi / lo).log10();
    let e = v.log10().floor();
    let mut m = v / 10f64.powf(e);
    if m > 9.999 {
        m = 1.0;
    }
    let keep: &[f64] = if span > 2.5 {
        &[1.0]
    } else if span > 1.2 {
        &[1.0, 2.0, 5.0]
    } else if span > 0.5 {
        &[1.0, 2.0, 3.0, 5.0]
    } else {
        &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0]
    };
    if keep.iter().any(|k| (m - k).abs() < 1e-3) {
        tick(v)
    } else {
        String::new()
    }
}

/// A tick label for `axis` spanning `lo..hi`.
fn axis_tick(axis: &Axis, (lo, hi): (f64, f64), v: f64) -> String {
    if axis.log {
        log_tick(v, lo, hi)
    } else {
        tick(v)
    }
}

/// What a legend entry shows.
#[derive(Clone, Copy)]
enum Key {
    Line(RGBColor, u32),
    Box(RGBColor),
}

/// Width of the legend column for these labels (DejaVu Sans at 16 px is
/// about 9.5 px per character), at most a third of the figure.
fn legend_width(labels: &[&str], total: u32) -> u32 {
    let chars = labels.iter().map(|l| l.chars().count()).max().unwrap_or(0);
    ((chars as f64 * 9.5) as u32 + 60).clamp(110, total / 3)
}

/// Splits `root` into the chart (left) and a legend column (right), so
/// legends never cover data, and draws the legend there: one entry per
/// row from below the title, in the given order.
fn with_legend<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    keys: &[(String, Key)],
) -> Result<DrawingArea<DB, Shift>, String> {
    if keys.is_empty() {
        return Ok(root.clone());
    }
    let (w, _) = root.dim_in_pixel();
    let labels: Vec<&str> = keys.iter().map(|k| k.0.as_str()).collect();
    let lw = legend_width(&labels, w);
    let (chart, legend) = root.split_horizontally(w - lw);
    let font = (FONT, 16).into_font().color(&INK);
    for (i, (label, key)) in keys.iter().enumerate() {
        let y = 70 + 24 * i as i32;
        match *key {
            Key::Line(c, wd) => legend
                .draw(&PathElement::new(vec![(4, y), (30, y)], c.stroke_width(wd)))
                .map_err(err)?,
            Key::Box(c) => legend
                .draw(&Rectangle::new([(4, y - 7), (30, y + 7)], c.filled()))
                .map_err(err)?,
        }
        legend
            .draw(&Text::new(
                label.clone(),
                (38, y),
                font.pos(plotters::style::text_anchor::Pos::new(
                    plotters::style::text_anchor::HPos::Left,
                    plotters::style::text_anchor::VPos::Center,
                )),
            ))
            .map_err(err)?;
    }
    Ok(chart)
}

const SHADE: RGBColor = RGBColor(120, 120, 120);

fn line_width(t: Tone) -> u32 {
    if t == Tone::Ink { 3 } else { 2 }
}

#[allow(clippy::too_many_arguments)]
fn lines<DB, X, Y>(
    root: &DrawingArea<DB, Shift>,
    fig: &Figure,
    series: &[Series],
    shade: Option<&Shade>,
    xr: X,
    yr: Y,
    xlim: (f64, f64),
    (ylo, yhi): (f64, f64),
) -> Result<(), String>
where
    DB: DrawingBackend,
    X: AsRangedCoord<Value = f64>,
    Y: AsRangedCoord<Value = f64>,
    X::CoordDescType: Ranged<ValueType = f64> + ValueFormatter<f64>,
    Y::CoordDescType: Ranged<ValueType = f64> + ValueFormatter<f64>,
{
    let mut keys: Vec<(String, Key)> = Vec::new();
    if let Some(s) = shade {
        keys.push((s.label.clone(), Key::Box(RGBColor(226, 226, 226))));
    }
    keys.extend(
        series
            .iter()
            .map(|s| (s.name.clone(), Key::Line(color(s.tone), line_width(s.tone)))),
    );
    let area = with_legend(root, &keys)?;
    let mut chart = ChartBuilder::on(&area)
        .caption(&fig.title, (FONT, 28))
        .margin(18)
        .x_label_area_size(60)
        .y_label_area_size(95)
        .build_cartesian_2d(xr, yr)
        .map_err(err)?;
    chart
        .configure_mesh()
        .x_desc(&fig.x.label)
        .y_desc(&fig.y.label)
        .label_style((FONT, 17))
        .axis_desc_style((FONT, 20))
        .x_label_formatter(&|v| axis_tick(&fig.x, xlim, *v))
        .y_label_formatter(&|v| axis_tick(&fig.y, (ylo, yhi), *v))
        .light_line_style(RGBColor(238, 238, 238))
        .bold_line_style(RGBColor(215, 215, 215))
        .draw()
        .map_err(err)?;
    if let Some(s) = shade {
        let fill = SHADE.mix(0.15).filled();
        chart
            .draw_series(std::iter::once(Rectangle::new(
                [(s.from, ylo), (s.to, yhi)],
                fill,
            )))
            .map_err(err)?;
    }
    for s in series {
        let style = color(s.tone).stroke_width(line_width(s.tone));
        chart
            .draw_series(LineSeries::new(s.points.iter().copied(), style))
            .map_err(err)?;
        // Sparse series (sweep points) get a dot per point, so a series
        // whose points coincide is still seen.
        if s.points.len() <= MARKERS_UP_TO {
            let dot = color(s.tone).filled();
            chart
                .draw_series(s.points.iter().map(|&p| Circle::new(p, 4, dot)))
                .map_err(err)?;
        }
    }
    Ok(())
}

/// Stacked areas on linear axes: layer i fills between the tops of layers
/// i-1 and i ([`stack`]), with the top of each layer outlined.
fn draw_stacked<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    fig: &Figure,
    series: &[Series],
    shade: Option<&Shade>,
) -> Result<(), String> {
    let tops = stack(series);
    let xr = fit(
        &fig.x,
        series.iter().flat_map(|s| s.points.iter().map(|p| p.0)),
    );
    let yr = fit(&fig.y, tops.last().into_iter().flatten().map(|p| p.1));
    let mut keys: Vec<(String, Key)> = Vec::new();
    if let Some(s) = shade {
        keys.push((s.label.clone(), Key::Box(RGBColor(226, 226, 226))));
    }
    // Legend top to bottom as the layers are on the chart.
    keys.extend(
        series
            .iter()
            .rev()
            .map(|s| (s.name.clone(), Key::Box(color(s.tone)))),
    );
    let area = with_legend(root, &keys)?;
    let mut chart = ChartBuilder::on(&area)
        .caption(&fig.title, (FONT, 28))
        .margin(18)
        .x_label_area_size(60)
        .y_label_area_size(95)
        .build_cartesian_2d(xr.0..xr.1, yr.0..yr.1)
        .map_err(err)?;
    chart
        .configure_mesh()
        .x_desc(&fig.x.label)
        .y_desc(&fig.y.label)
        .label_style((FONT, 17))
        .axis_desc_style((FONT, 20))
        .x_label_formatter(&|v| tick(*v))
        .y_label_formatter(&|v| tick(*v))
        .light_line_style(RGBColor(238, 238, 238))
        .bold_line_style(RGBColor(215, 215, 215))
        .draw()
        .map_err(err)?;
    for (i, (s, top)) in series.iter().zip(&tops).enumerate() {
        let mut poly: Vec<(f64, f64)> = top.clone();
        match i.checked_sub(1).map(|j| &tops[j]) {
            Some(below) => poly.extend(below.iter().rev().copied()),
            None => poly.extend(top.iter().rev().map(|p| (p.0, 0.0))),
        }
        let c = color(s.tone);
        chart
            .draw_series(std::iter::once(Polygon::new(poly, c.mix(0.75).filled())))
            .map_err(err)?;
        chart
            .draw_series(LineSeries::new(top.iter().copied(), c.stroke_width(1)))
            .map_err(err)?;
    }
    if let Some(s) = shade {
        chart
            .draw_series(std::iter::once(Rectangle::new(
                [(s.from, yr.0), (s.to, yr.1)],
                SHADE.mix(0.15).filled(),
            )))
            .map_err(err)?;
    }
    Ok(())
}

/// Grouped bars, one panel per [`Panel`] under the figure's title; within
/// a category the sets' bars stand side by side, each labelled with its
/// value as a percentage (shares) or a short number.
fn draw_grouped<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    fig: &Figure,
    panels: &[Panel],
) -> Result<(), String> {
    let mut keys: Vec<(String, Key)> = Vec::new();
    // The legend names the sets of the first panel (the same roles in all).
    if let Some(p) = panels.first() {
        for s in &p.sets {
            let name = s.name.split(" (").next().unwrap_or(&s.name).to_string();
            keys.push((name, Key::Box(color(s.tone))));
        }
    }
    let area = with_legend(root, &keys)?;
    let (title, body) = area.split_vertically(TITLE_H);
    let (w, _) = title.dim_in_pixel();
    title
        .draw(&Text::new(
            fig.title.clone(),
            (w as i32 / 2, TITLE_H as i32 / 2 + 4),
            (FONT, 28)
                .into_font()
                .color(&INK)
                .pos(plotters::style::text_anchor::Pos::new(
                    plotters::style::text_anchor::HPos::Center,
                    plotters::style::text_anchor::VPos::Center,
                )),
        ))
        .map_err(err)?;
    let rows = body.split_evenly((panels.len().max(1), 1));
    let share = fig.y.range == Some((0.0, 1.0));
    for (p, cell) in panels.iter().zip(&rows) {
        let n = p.categories.len().max(1);
        let top = match fig.y.range {
            Some(r) => r.1,
            None => fit(&fig.y, p.sets.iter().flat_map(|s| s.values.iter().copied())).1 * 1.06,
        };
        let labels = p.categories.clone();
        let mut chart = ChartBuilder::on(cell)
            .caption(&p.title, (FONT, 20))
            .margin(12)
            .x_label_area_size(50)
            .y_label_area_size(95)
            .build_cartesian_2d((0..n - 1).into_segmented(), 0f64..top * 1.08)
            .map_err(err)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_desc(&fig.x.label)
            .y_desc(&fig.y.label)
            .label_style((FONT, 16))
            .axis_desc_style((FONT, 18))
            .x_labels(n)
            .y_labels(6)
            .x_label_formatter(&|v| match v {
                SegmentValue::CenterOf(i) => labels.get(*i).cloned().unwrap_or_default(),
                _ => String::new(),
            })
            .y_label_formatter(&|v| tick(*v))
            .light_line_style(RGBColor(238, 238, 238))
            .draw()
            .map_err(err)?;
        let (pw, _) = chart.plotting_area().dim_in_pixel();
        let seg = pw as f64 / n as f64;
        let k = p.sets.len().max(1);
        let gap = (seg * 0.12).round();
        let bw = ((seg - 2.0 * gap) / k as f64).max(1.0);
        for (j, s) in p.sets.iter().enumerate() {
            let left = (gap + j as f64 * bw) as u32;
            let right = (gap + (k - 1 - j) as f64 * bw) as u32;
            chart
                .draw_series(s.values.iter().enumerate().map(|(i, &v)| {
                    let mut r = Rectangle::new(
                        [
                            (SegmentValue::Exact(i), 0.0),
                            (SegmentValue::Exact(i + 1), v),
                        ],
                        color(s.tone).filled(),
                    );
                    r.set_margin(0, 0, left, right + 1);
                    r
                }))
                .map_err(err)?;
            // Value labels centred over each bar, in pixels from the segment.
            let dx = (gap + (j as f64 + 0.5) * bw - seg / 2.0) as i32;
            chart
                .draw_series(s.values.iter().enumerate().map(|(i, &v)| {
                    let text = if share {
                        format!("{:.0}%", v * 100.0)
                    } else {
                        tick(v)
                    };
                    EmptyElement::at((SegmentValue::CenterOf(i), v))
                        + Text::new(
                            text,
                            (dx, -3),
                            (FONT, 13).into_font().color(&INK).pos(
                                plotters::style::text_anchor::Pos::new(
                                    plotters::style::text_anchor::HPos::Center,
                                    plotters::style::text_anchor::VPos::Bottom,
                                ),
                            ),
                        )
                }))
                .map_err(err)?;
        }
    }
    Ok(())
}

fn draw_bars<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    fig: &Figure,
    bars: &[Bar],
) -> Result<(), String> {
    let n = bars.len().max(1);
    let top = fit(&fig.y, bars.iter().map(|b| b.value)).1 * 1.06;
    let labels: Vec<String> = bars.iter().map(|b| b.label.clone()).collect();
    let mut chart = ChartBuilder::on(root)
        .caption(&fig.title, (FONT, 28))
        .margin(18)
        .x_label_area_size(60)
        .y_label_area_size(95)
        .build_cartesian_2d((0..n - 1).into_segmented(), 0f64..top)
        .map_err(err)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_desc(&fig.x.label)
        .y_desc(&fig.y.label)
        .label_style((FONT, 17))
        .axis_desc_style((FONT, 20))
        .x_labels(n)
        .x_label_formatter(&|v| match v {
            SegmentValue::CenterOf(i) => labels.get(*i).cloned().unwrap_or_default(),
            _ => String::new(),
        })
        .y_label_formatter(&|v| tick(*v))
        .light_line_style(RGBColor(238, 238, 238))
        .draw()
        .map_err(err)?;
    chart
        .draw_series(bars.iter().enumerate().map(|(i, b)| {
            let mut r = Rectangle::new(
                [
                    (SegmentValue::Exact(i), 0.0),
                    (SegmentValue::Exact(i + 1), b.value),
                ],
                color(b.tone).filled(),
            );
            r.set_margin(0, 0, 12, 12);
            r
        }))
        .map_err(err)?;
    chart
        .draw_series(bars.iter().enumerate().map(|(i, b)| {
            Text::new(
                tick(b.value),
                (SegmentValue::CenterOf(i), b.value),
                (FONT, 15)
                    .into_font()
                    .color(&INK)
                    .pos(plotters::style::text_anchor::Pos::new(
                        plotters::style::text_anchor::HPos::Center,
                        plotters::style::text_anchor::VPos::Bottom,
                    )),
            )
        }))
        .map_err(err)?;
    Ok(())
}

/// Land rings parsed from [`LAND`]; lines that do not parse are skipped
/// (the file is compiled in and covered by a test).
pub fn land() -> Vec<Vec<(f64, f64)>> {
    LAND.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            l.split(' ')
                .filter_map(|p| {
                    let (lon, lat) = p.split_once(',')?;
                    Some((lon.parse().ok()?, lat.parse().ok()?))
                })
                .collect()
        })
        .collect()
}

fn draw_map<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    fig: &Figure,
    m: &MapData,
) -> Result<(), String> {
    let (x0, x1) = fig.x.range.unwrap_or((-180.0, 180.0));
    let (y0, y1) = fig.y.range.unwrap_or((-90.0, 90.0));
    let mut chart = ChartBuilder::on(root)
        .caption(&fig.title, (FONT, 26))
        .margin(14)
        .x_label_area_size(40)
        .y_label_area_size(60)
        .build_cartesian_2d(x0..x1, y0..y1)
        .map_err(err)?;
    let deg = |v: &f64| format!("{v:.0}°");
    chart
        .plotting_area()
        .fill(&RGBColor(236, 243, 250))
        .map_err(err)?;
    // Sea, then land, then the graticule on top of both.
    let land_fill = RGBColor(226, 224, 214);
    let land_edge = RGBColor(170, 168, 160);
    for ring in land() {
        let pts: Vec<(f64, f64)> = ring
            .iter()
            .map(|&(x, y)| (x.clamp(x0, x1), y.clamp(y0, y1)))
            .collect();
        chart
            .draw_series(std::iter::once(Polygon::new(
                pts.clone(),
                land_fill.filled(),
            )))
            .map_err(err)?;
        chart
            .draw_series(std::iter::once(PathElement::new(pts, land_edge)))
            .map_err(err)?;
    }
    chart
        .configure_mesh()
        .x_labels(13)
        .y_labels(8)
        .label_style((FONT, 15))
        .x_label_formatter(&deg)
        .y_label_formatter(&deg)
        .light_line_style(TRANSPARENT)
        .bold_line_style(RGBColor(150, 165, 190).mix(0.5))
        .draw()
        .map_err(err)?;
    for &(c, p) in &m.links {
        let (c, p) = (&m.clients[c], &m.pops[p]);
        chart
            .draw_series(std::iter::once(PathElement::new(
                vec![(c.lon, c.lat), (p.lon, p.lat)],
                color(p.tone).mix(0.6).stroke_width(2),
            )))
            .map_err(err)?;
    }
    for c in &m.clients {
        let col = color(c.tone);
        chart
            .draw_series(std::iter::once(
                EmptyElement::at((c.lon, c.lat))
                    + Circle::new((0, 0), 6, col.filled())
                    + Circle::new((0, 0), 6, INK.stroke_width(1)),
            ))
            .map_err(err)?;
    }
    for p in &m.pops {
        let col = color(p.tone);
        chart
            .draw_series(std::iter::once(
                EmptyElement::at((p.lon, p.lat))
                    + TriangleMarker::new((0, 0), 13, INK.filled())
                    + TriangleMarker::new((0, 1), 9, col.filled())
                    + Text::new(p.name.clone(), (9, -24), (FONT, 17).into_font().color(&INK)),
            ))
            .map_err(err)?;
    }
    let (w, h) = root.dim_in_pixel();
    root.draw(&Text::new(
        "Land: Natural Earth (public domain)",
        (w as i32 - 300, h as i32 - 22),
        (FONT, 13).into_font().color(&RGBColor(90, 90, 90)),
    ))
    .map_err(err)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::figure::Axis;

    #[test]
    fn land_outlines_parse_and_cover_the_continents() {
        let rings = land();
        assert!(rings.len() > 100, "{}", rings.len());
        let pts: usize = rings.iter().map(Vec::len).sum();
        assert!(pts > 4000, "{pts}");
        assert!(
            rings
                .iter()
                .flatten()
                .all(|&(x, y)| (-540.0..=540.0).contains(&x) && (-90.0..=90.0).contains(&y))
        );
        // Frankfurt is inside some ring's bounding box; mid-Atlantic is not land
        // of any small ring near it.
        let inside = |lon: f64, lat: f64| {
            rings.iter().any(|r| {
                let (mut c, n) = (false, r.len());
                for i in 0..n {
                    let (a, b) = (r[i], r[(i + n - 1) % n]);
                    if (a.1 > lat) != (b.1 > lat)
                        && lon < (b.0 - a.0) * (lat - a.1) / (b.1 - a.1) + a.0
                    {
                        c = !c;
                    }
                }
                c
            })
        };
        assert!(inside(8.7, 50.1), "Frankfurt on land");
        assert!(inside(-46.6, -23.5), "Sao Paulo on land");
        assert!(!inside(-30.0, 40.0), "mid-Atlantic is sea");
    }

    #[test]
    fn ranges_and_ticks() {
        assert_eq!(
            fit(&Axis::linear("x"), [2.0, 10.0].into_iter()),
            (0.0, 10.5)
        );
        let (lo, hi) = fit(&Axis::log("x"), [0.0, 2.0, 50.0].into_iter());
        assert!(lo > 0.0 && lo < 2.0 && hi > 50.0);
        assert_eq!(
            fit(&Axis::linear("x").range(0.0, 1.0), [5.0].into_iter()),
            (0.0, 1.0)
        );
        assert_eq!(tick(0.1), "0.1");
        assert_eq!(tick(250.0), "250");
        assert_eq!(tick(1e-4), "1e-4");
        assert_eq!(tick(2.50), "2.5");
    }

    #[test]
    fn log_ticks_label_few_values_that_never_crowd() {
        let labelled = |lo: f64, hi: f64| -> Vec<String> {
            let mut v = Vec::new();
            let mut d = 10f64.powf(lo.log10().floor());
            while d <= hi {
                for m in 1..10 {
                    let x = d * m as f64;
                    let t = log_tick(x, lo, hi);
                    if x >= lo && x <= hi && !t.is_empty() {
                        v.push(t);
                    }
                }
                d *= 10.0;
            }
            v
        };
        // The TTFB CDF's range: 1, 2, 5 per decade; 100 once (plotters'
        // light tick 10 x 10 is the same label at the same place).
        assert_eq!(
            labelled(8.8, 575.0),
            ["10", "20", "50", "100", "200", "500"]
        );
        // Five decades: powers of ten only.
        assert_eq!(
            labelled(1e-5, 1.0),
            ["1e-5", "1e-4", "0.001", "0.01", "0.1", "1"]
        );
        // Under one decade some labels remain.
        assert_eq!(labelled(15.0, 60.0), ["20", "30", "50"]);
        assert_eq!(log_tick(100.00000001, 10.0, 1000.0), "100");
        assert_eq!(log_tick(0.0, 1.0, 10.0), "");
    }

    #[test]
    fn every_kind_renders_to_svg_and_png() {
        let s = |tone| Series {
            name: "s".into(),
            tone,
            points: vec![(1.0, 0.1), (10.0, 0.9)],
        };
        let fig = Figure {
            title: "t".into(),
            caption: String::new(),
            x: Axis::log("x"),
            y: Axis::log("y"),
            body: Body::Lines {
                series: vec![s(Tone::Ink), s(Tone::Pal(3))],
                shade: Some(Shade {
                    label: "w".into(),
                    from: 1.0,
                    to: 2.0,
                }),
            },
        };
        let svg = svg(&fig).unwrap();
        assert!(svg.starts_with("<svg") && svg.contains("<polyline"));
        let png = png(&fig).unwrap();
        assert_eq!(&png[1..4], b"PNG");
        let bars = Figure {
            body: Body::Bars(vec![Bar {
                label: "fra".into(),
                value: 3.0,
                tone: Tone::Pal(0),
            }]),
            x: Axis::linear("PoP"),
            y: Axis::linear("n"),
            ..fig.clone()
        };
        assert!(svg_ok(&bars));
        let stacked = Figure {
            body: Body::Stacked {
                series: vec![s(Tone::Pal(0)), s(Tone::Pal(1))],
                shade: None,
            },
            x: Axis::linear("t"),
            y: Axis::linear("n"),
            ..fig.clone()
        };
        assert!(svg_ok(&stacked));
        let grouped = Figure {
            body: Body::Grouped(vec![
                Panel {
                    title: "p".into(),
                    categories: vec!["a".into(), "b".into()],
                    sets: vec![super::super::figure::BarSet {
                        name: "before".into(),
                        tone: Tone::Pal(7),
                        values: vec![0.25, 0.75],
                    }],
                };
                2
            ]),
            x: Axis::linear("PoP"),
            y: Axis::linear("share").range(0.0, 1.0),
            ..fig.clone()
        };
        assert_eq!(size(&grouped), (SIZE.0, TITLE_H + 2 * PANEL_H));
        assert!(svg_ok(&grouped));
    }

    fn svg_ok(f: &Figure) -> bool {
        svg(f).is_ok() && png(f).is_ok()
    }
}
