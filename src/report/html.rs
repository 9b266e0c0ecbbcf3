//! The pages: `index.html` of a run and of a comparison. Self-contained:
//! inline CSS, no scripts, images by relative link, so a folder opens from
//! disk with no server and no network.

use super::table::Table;
use super::{Rendered, RunData, plot_files};
use std::fmt::Write;

/// Escapes text for HTML element content and attribute values.
pub fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c => o.push(c),
        }
    }
    o
}

const STYLE: &str = "body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,'DejaVu Sans',sans-serif;\
max-width:1100px;margin:24px auto;padding:0 16px;color:#1a1a1a;line-height:1.4}\
h1{font-size:1.7em;margin-bottom:.2em}h2{margin-top:1.6em;border-bottom:1px solid #ddd;padding-bottom:.2em}\
.meta{color:#555}nav a{margin-right:1em}\
table{border-collapse:collapse;font-size:.92em;margin:.5em 0}\
th,td{border:1px solid #ddd;padding:3px 8px;text-align:right}th{background:#f4f4f4}\
td.k,th.k{text-align:left}\
figure{margin:1.2em 0}figure img{max-width:100%;height:auto;border:1px solid #eee}\
figcaption{color:#444;font-size:.92em}\
pre{background:#f7f7f7;border:1px solid #e3e3e3;padding:10px;overflow-x:auto;font-size:.88em}\
.wide{overflow-x:auto}";

fn head(title: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        esc(title)
    )
}

/// A summary value for people: integers with thousands separators.
pub fn show(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Number(n) => match n.as_u64() {
            Some(u) => group_digits(u),
            None => n.to_string(),
        },
        other => other.to_string(),
    }
}

fn group_digits(u: u64) -> String {
    let s = u.to_string();
    let mut o = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            o.push(',');
        }
        o.push(c);
    }
    o
}

/// Every leaf of a JSON value as (dotted path, value), in document order.
pub fn flatten(v: &serde_json::Value) -> Vec<(String, &serde_json::Value)> {
    fn go<'v>(p: &str, v: &'v serde_json::Value, out: &mut Vec<(String, &'v serde_json::Value)>) {
        match v.as_object() {
            Some(o) => {
                for (k, x) in o {
                    let q = if p.is_empty() {
                        k.clone()
                    } else {
                        format!("{p}.{k}")
                    };
                    go(&q, x, out);
                }
            }
            None => out.push((p.to_string(), v)),
        }
    }
    let mut out = Vec::new();
    go("", v, &mut out);
    out
}

fn csv_table(t: &Table, max_rows: usize) -> String {
    let mut h = String::from("<div class=\"wide\"><table>\n<tr>");
    for c in &t.columns {
        let _ = write!(h, "<th>{}</th>", esc(c));
    }
    h.push_str("</tr>\n");
    for r in t.rows.iter().take(max_rows) {
        h.push_str("<tr>");
        for (i, v) in r.iter().enumerate() {
            let k = if v.parse::<f64>().is_err() || i == 0 {
                " class=\"k\""
            } else {
                ""
            };
            let _ = write!(h, "<td{k}>{}</td>", esc(v));
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</table></div>\n");
    if t.rows.len() > max_rows {
        let _ = writeln!(
            h,
            "<p>{} more rows in the file.</p>",
            t.rows.len() - max_rows
        );
    }
    h
}

fn figures(rendered: &[Rendered]) -> String {
    let mut h = String::new();
    for r in rendered {
        let (svg, png) = plot_files(r.id);
        let (w, ht) = super::render::size(&r.figure);
        let _ = write!(
            h,
            "<figure id=\"{id}\">\n<img src=\"{png}\" width=\"{w}\" height=\"{ht}\" alt=\"{t}\">\n\
             <figcaption>{c} <a href=\"{svg}\">SVG</a> · <a href=\"{png}\">PNG</a></figcaption>\n</figure>\n",
            id = esc(r.id),
            png = esc(&png),
            svg = esc(&svg),
            t = esc(&r.figure.title),
            c = esc(&r.figure.caption),
        );
    }
    h
}

/// The page of one run folder.
pub fn run_page(run: &RunData, rendered: &[Rendered], files: &[&str]) -> String {
    let name = run.value("scenario").map(show).unwrap_or_default();
    let mut h = head(&format!("cdnsim: {name}"));
    let _ = writeln!(h, "<h1>cdnsim run: {}</h1>", esc(&name));
    let meta: Vec<String> = [
        "seed",
        "steering",
        "transport",
        "duration_s",
        "warmup_s",
        "cdnsim_version",
    ]
    .iter()
    .filter_map(|k| Some(format!("{k} {}", show(run.value(k)?))))
    .collect();
    let _ = writeln!(h, "<p class=\"meta\">{}</p>", esc(&meta.join(" · ")));
    h.push_str(
        "<nav><a href=\"#summary\">Summary</a><a href=\"#plots\">Plots</a>\
         <a href=\"#pops\">PoPs</a><a href=\"#clients\">Clients</a>\
         <a href=\"#config\">Configuration</a><a href=\"#files\">Files</a></nav>\n",
    );

    h.push_str("<h2 id=\"summary\">Summary</h2>\n<table>\n<tr><th class=\"k\">metric</th><th>value</th></tr>\n");
    for (key, label) in super::compare::HEADLINE {
        if let Some(v) = run.value(key) {
            let _ = writeln!(
                h,
                "<tr><td class=\"k\">{}</td><td>{}</td></tr>",
                esc(label),
                esc(&show(v))
            );
        }
    }
    h.push_str("</table>\n<details><summary>Every key of summary.json</summary>\n<table>\n");
    for (k, v) in flatten(&run.summary) {
        let _ = writeln!(
            h,
            "<tr><td class=\"k\">{}</td><td>{}</td></tr>",
            esc(&k),
            esc(&show(v))
        );
    }
    h.push_str("</table>\n</details>\n");

    h.push_str("<h2 id=\"plots\">Plots</h2>\n");
    h.push_str(&figures(rendered));

    if let Some(t) = run.table("pops.csv") {
        h.push_str("<h2 id=\"pops\">PoPs (pops.csv)</h2>\n");
        h.push_str(&csv_table(t, 200));
    }
    if let Some(t) = run.table("clients.csv") {
        h.push_str("<h2 id=\"clients\">Client groups (clients.csv)</h2>\n");
        h.push_str(&csv_table(t, 200));
    }
    h.push_str("<h2 id=\"config\">Configuration (config.toml)</h2>\n<pre>");
    h.push_str(&esc(run
        .config
        .as_deref()
        .unwrap_or("(config.toml missing)")));
    h.push_str("</pre>\n");

    h.push_str("<h2 id=\"files\">Files</h2>\n<ul>\n");
    for f in files {
        let _ = writeln!(h, "<li><a href=\"{0}\">{0}</a></li>", esc(f));
    }
    h.push_str("</ul>\n<p class=\"meta\">Column meanings: docs/outputs.md of cdnsim.</p>\n</body>\n</html>\n");
    h
}

/// The page of a study folder (`[study]`, e.g. report::imc2015): a title,
/// an introduction paragraph, the figures, then sections of HTML the
/// study built (escaped by it with [`esc`]).
pub fn study_page(
    title: &str,
    intro: &str,
    rendered: &[Rendered],
    sections: &[(String, String)],
) -> String {
    let mut h = head(title);
    let _ = writeln!(
        h,
        "<h1>{}</h1>\n<p class=\"meta\">{}</p>",
        esc(title),
        esc(intro)
    );
    for (heading, body) in sections.iter().take(1) {
        let _ = writeln!(h, "<h2>{}</h2>\n{body}", esc(heading));
    }
    h.push_str("<h2 id=\"plots\">Figures</h2>\n");
    h.push_str(&figures(rendered));
    for (heading, body) in sections.iter().skip(1) {
        let _ = writeln!(h, "<h2>{}</h2>\n{body}", esc(heading));
    }
    h.push_str("</body>\n</html>\n");
    h
}

/// The page of a comparison: the side-by-side table and the overlays.
pub fn compare_page(
    labels: &[String],
    dirs: &[String],
    table: &[(String, Vec<String>)],
    rendered: &[Rendered],
) -> String {
    let mut h = head(&format!("cdnsim compare: {}", labels.join(" vs ")));
    let _ = writeln!(h, "<h1>cdnsim compare: {}</h1>", esc(&labels.join(" vs ")));
    h.push_str("<ul>\n");
    for (l, d) in labels.iter().zip(dirs) {
        // A folder given relative to this page (ending in '/') is linked.
        if d.ends_with('/') {
            let _ = writeln!(
                h,
                "<li><b>{}</b>: <a href=\"{1}index.html\">{1}</a></li>",
                esc(l),
                esc(d)
            );
        } else {
            let _ = writeln!(h, "<li><b>{}</b>: {}</li>", esc(l), esc(d));
        }
    }
    h.push_str(
        "<p class=\"meta\">Per-PoP and per-event plots (requests and load per PoP, \
         stacked load, catchment over time and around routing events, the map) are \
         per run and not overlaid: see each run's own page.</p>\n",
    );
    h.push_str("</ul>\n<h2 id=\"table\">Headline metrics (compare.csv)</h2>\n<div class=\"wide\"><table>\n<tr><th class=\"k\">metric</th>");
    for l in labels {
        let _ = write!(h, "<th>{}</th>", esc(l));
    }
    h.push_str("</tr>\n");
    for (label, vals) in table {
        let _ = write!(h, "<tr><td class=\"k\">{}</td>", esc(label));
        for v in vals {
            let _ = write!(h, "<td>{}</td>", esc(v));
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</table></div>\n<h2 id=\"plots\">Plots</h2>\n");
    h.push_str(&figures(rendered));
    h.push_str("</body>\n</html>\n");
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_and_numbers() {
        assert_eq!(esc("a<b & \"c\""), "a&lt;b &amp; &quot;c&quot;");
        assert_eq!(show(&serde_json::json!(1234567)), "1,234,567");
        assert_eq!(show(&serde_json::json!(123)), "123");
        assert_eq!(show(&serde_json::json!(0.25)), "0.25");
        assert_eq!(show(&serde_json::json!("x")), "x");
    }

    #[test]
    fn flatten_joins_paths() {
        let v = serde_json::json!({"a": 1, "b": {"p99.9": 2}});
        let f: Vec<String> = flatten(&v).into_iter().map(|(k, _)| k).collect();
        assert_eq!(f, ["a", "b.p99.9"]);
    }
}
