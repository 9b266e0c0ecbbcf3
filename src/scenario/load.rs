//! Reading a scenario: text -> table -> `--set` overrides -> raw structs,
//! with every error located (file:line:col, field path).

use super::raw::Scenario;
use crate::error::{InputError, line_col};
use std::path::Path;
use toml::{Table, Value};

/// A scenario read and deserialized (not yet validated), with what is
/// needed to locate later validation errors.
#[derive(Clone, Debug)]
pub struct Loaded {
    pub scenario: Scenario,
    pub locator: Locator,
}

/// Turns a field path into a located error: attributed to the `--set` that
/// wrote it, else to its line and column in the file.
#[derive(Clone, Debug)]
pub struct Locator {
    /// The file as given on the command line.
    pub file: String,
    text: String,
    json: bool,
    /// `--set` overrides applied: (path, original argument).
    sets: Vec<(Vec<Seg>, String)>,
}

impl Locator {
    pub fn error_at(&self, path: &str, message: impl Into<String>) -> InputError {
        let segs = parse_path(path).unwrap_or_default();
        if let Some((_, arg)) = self
            .sets
            .iter()
            .rev()
            .find(|(p, _)| segs.starts_with(p) || p.starts_with(&segs))
        {
            return InputError::new(format!("--set {arg}"), path, message);
        }
        let err = InputError::new(&self.file, path, message);
        match locate(&self.text, self.json, &segs) {
            Some((l, c)) => err.with_position(l, c),
            None => err,
        }
    }
}

/// One step of a field path: a key or an array index.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Seg {
    Key(String),
    Index(usize),
}

/// Parses `a.b[2].c` (also `a.b.2.c`) into segments.
pub fn parse_path(path: &str) -> Option<Vec<Seg>> {
    let mut out = Vec::new();
    if path.is_empty() {
        return Some(out);
    }
    for part in path.split('.') {
        let (key, rest) = match part.find('[') {
            Some(i) => part.split_at(i),
            None => (part, ""),
        };
        if key.is_empty() && rest.is_empty() {
            return None;
        }
        if !key.is_empty() {
            match key.parse::<usize>() {
                Ok(i) if !out.is_empty() => out.push(Seg::Index(i)),
                _ => out.push(Seg::Key(key.to_string())),
            }
        }
        let mut rest = rest;
        while let Some(r) = rest.strip_prefix('[') {
            let end = r.find(']')?;
            out.push(Seg::Index(r[..end].parse().ok()?));
            rest = &r[end + 1..];
        }
        if !rest.is_empty() {
            return None;
        }
    }
    Some(out)
}

pub(crate) fn format_path(segs: &[Seg]) -> String {
    let mut s = String::new();
    for seg in segs {
        match seg {
            Seg::Key(k) => {
                if !s.is_empty() {
                    s.push('.');
                }
                s.push_str(k);
            }
            Seg::Index(i) => s.push_str(&format!("[{i}]")),
        }
    }
    s
}

/// Reads and deserializes a scenario file, applying `--set` overrides.
pub fn load_file(path: &Path, sets: &[String]) -> Result<Loaded, InputError> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| {
        InputError::new(
            &file,
            "",
            format!("cannot read scenario: {e} (expected a readable TOML or JSON file)"),
        )
    })?;
    let json = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"));
    load_str(&file, text, json, sets)
}

/// Deserializes scenario text; `file` names it in errors.
pub fn load_str(
    file: &str,
    text: String,
    json: bool,
    sets: &[String],
) -> Result<Loaded, InputError> {
    let mut table = if json {
        parse_json(file, &text)?
    } else {
        parse_toml(file, &text)?
    };
    let mut applied = Vec::new();
    for arg in sets {
        let segs = apply_set(&mut table, arg)?;
        applied.push((segs, arg.clone()));
    }
    let locator = Locator {
        file: file.to_string(),
        text,
        json,
        sets: applied,
    };
    match serde_path_to_error::deserialize::<_, Scenario>(Value::Table(table)) {
        Ok(scenario) => Ok(Loaded { scenario, locator }),
        Err(e) => {
            let path = e.path().to_string();
            let path = if path == "." { String::new() } else { path };
            Err(locator.error_at(&path, clean_serde_message(e.inner().message())))
        }
    }
}

/// Makes serde's messages read as "what is valid": backticks to quotes.
fn clean_serde_message(m: &str) -> String {
    m.replace('`', "\"")
}

pub(crate) fn parse_toml(file: &str, text: &str) -> Result<Table, InputError> {
    text.parse::<Table>().map_err(|e| {
        let msg = e.message().trim().to_string();
        let err = InputError::new(file, "", format!("TOML syntax: {msg}"));
        match e.span() {
            Some(span) => {
                let (l, c) = line_col(text, span.start);
                err.with_position(l, c)
            }
            None => err,
        }
    })
}

fn parse_json(file: &str, text: &str) -> Result<Table, InputError> {
    let v: serde_json::Value = serde_json::from_str(text).map_err(|e| {
        InputError::new(file, "", format!("JSON syntax: {e}")).with_position(e.line(), e.column())
    })?;
    match json_to_toml(&v, &mut Vec::new())
        .map_err(|(path, msg)| InputError::new(file, path, msg))?
    {
        Value::Table(t) => Ok(t),
        _ => Err(InputError::new(
            file,
            "",
            "a scenario must be a JSON object",
        )),
    }
}

fn json_to_toml(v: &serde_json::Value, path: &mut Vec<Seg>) -> Result<Value, (String, String)> {
    use serde_json::Value as J;
    Ok(match v {
        J::Null => {
            return Err((
                format_path(path),
                "null is not a valid value (omit the key for its default)".into(),
            ));
        }
        J::Bool(b) => Value::Boolean(*b),
        J::Number(n) => match n.as_i64() {
            Some(i) => Value::Integer(i),
            None => Value::Float(n.as_f64().unwrap_or(f64::NAN)),
        },
        J::String(s) => Value::String(s.clone()),
        J::Array(a) => {
            let mut out = Vec::with_capacity(a.len());
            for (i, x) in a.iter().enumerate() {
                path.push(Seg::Index(i));
                out.push(json_to_toml(x, path)?);
                path.pop();
            }
            Value::Array(out)
        }
        J::Object(o) => {
            let mut t = Table::new();
            for (k, x) in o {
                path.push(Seg::Key(k.clone()));
                t.insert(k.clone(), json_to_toml(x, path)?);
                path.pop();
            }
            Value::Table(t)
        }
    })
}

/// Applies one `key.path=value` override. The value is read as a TOML value
/// (`42`, `true`, `"text"`, `[1, 2]`) or, failing that, as a plain string.
fn apply_set(table: &mut Table, arg: &str) -> Result<Vec<Seg>, InputError> {
    let file = format!("--set {arg}");
    let (path, value) = arg.split_once('=').ok_or_else(|| {
        InputError::new(
            &file,
            "",
            "expected KEY.PATH=VALUE, e.g. --set cdn.edge.capacity=4GB",
        )
    })?;
    let path = path.trim();
    let segs = parse_path(path)
        .filter(|s| matches!(s.first(), Some(Seg::Key(_))))
        .ok_or_else(|| InputError::new(&file, path, "invalid key path (expected dotted keys, e.g. cdn.edge.capacity or cdn.pops[0].city)"))?;
    let value = parse_value(value.trim());
    let mut root = Value::Table(std::mem::take(table));
    let result = set_in(&mut root, &segs, value, &file, path);
    if let Value::Table(t) = root {
        *table = t;
    }
    result.map(|_| segs)
}

fn set_in(
    cur: &mut Value,
    segs: &[Seg],
    value: Value,
    file: &str,
    path: &str,
) -> Result<(), InputError> {
    let Some((first, rest)) = segs.split_first() else {
        *cur = value;
        return Ok(());
    };
    match (first, cur) {
        (Seg::Key(k), Value::Table(t)) => {
            if rest.is_empty() {
                t.insert(k.clone(), value);
                return Ok(());
            }
            let next = t.entry(k.clone()).or_insert_with(|| match rest[0] {
                Seg::Key(_) => Value::Table(Table::new()),
                Seg::Index(_) => Value::Array(Vec::new()),
            });
            set_in(next, rest, value, file, path)
        }
        (Seg::Index(i), Value::Array(a)) => {
            let len = a.len();
            let slot = a.get_mut(*i).ok_or_else(|| {
                InputError::new(
                    file,
                    path,
                    format!("index {i} is out of range (the list has {len} entries)"),
                )
            })?;
            set_in(slot, rest, value, file, path)
        }
        (seg, v) => Err(InputError::new(
            file,
            path,
            format!(
                "cannot set {} inside a value of type {} (expected a path to a table or list)",
                match seg {
                    Seg::Key(k) => format!("key {k:?}"),
                    Seg::Index(i) => format!("index {i}"),
                },
                v.type_str()
            ),
        )),
    }
}

fn parse_value(s: &str) -> Value {
    let doc = format!("v = {s}");
    match doc.parse::<Table>() {
        Ok(mut t) if t.len() == 1 => t
            .remove("v")
            .unwrap_or_else(|| Value::String(s.to_string())),
        _ => Value::String(s.to_string()),
    }
}

/// Finds the (line, col) of a field path in the original text: the value's
/// position when the path exists, else that of its nearest existing parent.
pub(crate) fn locate(text: &str, json: bool, segs: &[Seg]) -> Option<(usize, usize)> {
    if json {
        return locate_json(text, segs);
    }
    let doc = toml::de::DeTable::parse(text).ok()?;
    let mut best = None;
    let mut table = doc.get_ref();
    let mut array: Option<&toml::de::DeArray> = None;
    for seg in segs {
        let found = match (seg, array) {
            (Seg::Key(k), None) => table
                .iter()
                .find(|(key, _)| key.get_ref().as_ref() == k.as_str())
                .map(|(key, v)| (key.span(), v)),
            (Seg::Index(i), Some(a)) => a.get(*i).map(|v| (v.span(), v)),
            _ => None,
        };
        let Some((span, v)) = found else { break };
        best = Some(span.start);
        match v.get_ref() {
            toml::de::DeValue::Table(t) => {
                table = t;
                array = None;
            }
            toml::de::DeValue::Array(a) => array = Some(a),
            _ => {
                best = Some(v.span().start);
                break;
            }
        }
    }
    best.map(|off| line_col(text, off))
}

/// JSON has no span-preserving parser here; find the last key of the path
/// textually (good enough to point at the line).
fn locate_json(text: &str, segs: &[Seg]) -> Option<(usize, usize)> {
    let key = segs.iter().rev().find_map(|s| match s {
        Seg::Key(k) => Some(k),
        _ => None,
    })?;
    let off = text.find(&format!("\"{key}\""))?;
    Some(line_col(text, off))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_parse_both_index_styles() {
        let want = vec![
            Seg::Key("cdn".into()),
            Seg::Key("pops".into()),
            Seg::Index(2),
            Seg::Key("city".into()),
        ];
        assert_eq!(parse_path("cdn.pops[2].city"), Some(want.clone()));
        assert_eq!(parse_path("cdn.pops.2.city"), Some(want.clone()));
        assert_eq!(format_path(&want), "cdn.pops[2].city");
        assert_eq!(parse_path("a..b"), None);
        assert_eq!(parse_path("a[x]"), None);
    }

    #[test]
    fn set_overrides_nested_values_and_reports_bad_paths() {
        let mut t: Table = "[cdn]\npops = [{ name = \"a\" }]\n".parse().unwrap();
        apply_set(&mut t, "cdn.pops[0].name=b").unwrap();
        apply_set(&mut t, "seed=7").unwrap();
        assert_eq!(t["cdn"]["pops"][0]["name"].as_str(), Some("b"));
        assert_eq!(t["seed"].as_integer(), Some(7));
        let e = apply_set(&mut t, "cdn.pops[3].name=x").unwrap_err();
        assert_eq!(
            e.to_string(),
            "--set cdn.pops[3].name=x: cdn.pops[3].name: index 3 is out of range (the list has 1 entries)"
        );
        assert!(
            apply_set(&mut t, "novalue")
                .unwrap_err()
                .to_string()
                .contains("expected KEY.PATH=VALUE")
        );
        assert!(
            apply_set(&mut t, "seed.x=1")
                .unwrap_err()
                .to_string()
                .contains("cannot set key \"x\" inside a value of type integer")
        );
    }

    #[test]
    fn locate_points_at_the_value() {
        let text = "name = \"x\"\n[cdn.edge]\npolicy = \"lruu\"\n[[cdn.pops]]\ncity = \"A\"\n[[cdn.pops]]\ncity = \"B\"\n";
        let p = |s| parse_path(s).unwrap();
        assert_eq!(locate(text, false, &p("cdn.edge.policy")), Some((3, 10)));
        assert_eq!(locate(text, false, &p("cdn.pops[1].city")), Some((7, 8)));
        // A missing key points at its nearest parent.
        assert_eq!(
            locate(text, false, &p("cdn.edge.capacity")).map(|x| x.0),
            Some(2)
        );
    }
}
