//! What a plot shows, as plain data: series of points, bars, or places on a
//! map. Plot builders produce a [`Figure`]; [`super::render`] draws it. Tests
//! check figures (the data behind a plot), never pixels.

/// A colour by role: `Ink` for an overall series, `Pal(i)` for the i-th
/// entry of the palette (PoP i, run i, ...), so a PoP has the same colour
/// in every plot of a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tone {
    Ink,
    Pal(usize),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Axis {
    pub label: String,
    pub log: bool,
    /// Fixed range; `None` fits the data.
    pub range: Option<(f64, f64)>,
}

impl Axis {
    pub fn linear(label: &str) -> Axis {
        Axis {
            label: label.to_string(),
            log: false,
            range: None,
        }
    }
    pub fn log(label: &str) -> Axis {
        Axis {
            log: true,
            ..Axis::linear(label)
        }
    }
    pub fn range(mut self, lo: f64, hi: f64) -> Axis {
        self.range = Some((lo, hi));
        self
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    pub name: String,
    pub tone: Tone,
    /// (x, y) in axis units, in drawing order.
    pub points: Vec<(f64, f64)>,
}

/// A shaded x interval, e.g. the warmup.
#[derive(Clone, Debug, PartialEq)]
pub struct Shade {
    pub label: String,
    pub from: f64,
    pub to: f64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Bar {
    pub label: String,
    pub value: f64,
    pub tone: Tone,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Place {
    pub name: String,
    pub lat: f64,
    pub lon: f64,
    pub tone: Tone,
}

#[derive(Clone, Debug, PartialEq)]
pub struct MapData {
    pub pops: Vec<Place>,
    pub clients: Vec<Place>,
    /// (client index, PoP index): who is served where.
    pub links: Vec<(usize, usize)>,
}

/// One member of a group of bars (e.g. "before" or "after"): its value
/// for each category of the panel, in the panel's category order.
#[derive(Clone, Debug, PartialEq)]
pub struct BarSet {
    pub name: String,
    pub tone: Tone,
    pub values: Vec<f64>,
}

/// One panel of grouped bars: for each category (PoP), one bar per set.
#[derive(Clone, Debug, PartialEq)]
pub struct Panel {
    pub title: String,
    pub categories: Vec<String>,
    pub sets: Vec<BarSet>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Body {
    Lines {
        series: Vec<Series>,
        shade: Option<Shade>,
    },
    /// Stacked areas: each series is one layer (its own values, not
    /// cumulative), drawn on top of the previous ones; every series has the
    /// same x values in the same order. [`stack`] gives the layer tops.
    Stacked {
        series: Vec<Series>,
        shade: Option<Shade>,
    },
    Bars(Vec<Bar>),
    /// Grouped bars, one panel under the other (e.g. one per routing
    /// event); the figure's `y` axis applies to every panel.
    Grouped(Vec<Panel>),
    Map(MapData),
}

/// The tops of stacked layers: `out[i][k]` = (x of point k, sum of the
/// values of layers 0..=i at point k). Layers are matched by point index.
pub fn stack(series: &[Series]) -> Vec<Vec<(f64, f64)>> {
    let mut out: Vec<Vec<(f64, f64)>> = Vec::with_capacity(series.len());
    for s in series {
        let layer = s
            .points
            .iter()
            .enumerate()
            .map(|(k, &(x, y))| {
                let below = out.last().and_then(|l| l.get(k)).map_or(0.0, |p| p.1);
                (x, below + y)
            })
            .collect();
        out.push(layer);
    }
    out
}

#[derive(Clone, Debug, PartialEq)]
pub struct Figure {
    pub title: String,
    /// One sentence for the page: what is plotted and from which file.
    pub caption: String,
    pub x: Axis,
    pub y: Axis,
    pub body: Body,
}

impl Figure {
    /// The series of a line or stacked plot (empty for other kinds).
    pub fn series(&self) -> &[Series] {
        match &self.body {
            Body::Lines { series, .. } | Body::Stacked { series, .. } => series,
            _ => &[],
        }
    }
    /// The series called `name`, if any.
    pub fn series_named(&self, name: &str) -> Option<&Series> {
        self.series().iter().find(|s| s.name == name)
    }
}
