//! The bad-input suite: every malformed input under `tests/bad_inputs/` is
//! refused by the real binary with exit code 2 and exactly one line on
//! stderr, equal to the case's expectation; nothing panics and no output
//! folder is left behind. Layout and how to add a case:
//! `tests/bad_inputs/README.md`.

use super::{root, tmp};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The suite must not shrink below this (issue #13 asks for 60).
const MIN_CASES: usize = 60;

/// One case: the commands to run and the line each must print.
struct Case {
    /// Path of the case file, relative to the repository root.
    rel: String,
    /// Argument lists (already substituted).
    commands: Vec<Vec<String>>,
    expect: String,
    /// Output folder the commands were told to write (must not exist after).
    out: PathBuf,
}

/// Files of a kind folder that are not cases: its command, notes and the
/// shared inputs cases refer to (`_` prefix).
fn is_case_file(p: &Path) -> bool {
    let name = p.file_name().unwrap().to_string_lossy();
    p.is_file() && name != "command" && !name.starts_with('_') && !name.ends_with(".md")
}

/// Replaces FILE (the input's path), NAME (its file name) and OUT (a fresh
/// output folder) in one command template.
fn substitute(template: &str, file: &str, name: &str, out: &Path) -> Vec<String> {
    template
        .split_whitespace()
        .map(|w| {
            let w = replace_token(w, "FILE", file);
            let w = replace_token(&w, "NAME", name);
            replace_token(&w, "OUT", out.to_str().unwrap())
        })
        .collect()
}

/// Replaces `token` where it stands alone (not inside a longer word such
/// as `<FILES>`).
fn replace_token(text: &str, token: &str, with: &str) -> String {
    let word = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
    let mut out = String::new();
    let mut rest = text;
    while let Some(i) = rest.find(token) {
        let before = rest[..i].chars().next_back();
        let after = rest[i + token.len()..].chars().next();
        out.push_str(&rest[..i]);
        if word(before) || word(after) {
            out.push_str(token);
        } else {
            out.push_str(with);
        }
        rest = &rest[i + token.len()..];
    }
    out.push_str(rest);
    out
}

fn decode_hex(s: &str) -> Vec<u8> {
    let digits: Vec<u8> = s.bytes().filter(|c| c.is_ascii_hexdigit()).collect();
    assert!(digits.len() % 2 == 0, "odd number of hex digits");
    digits
        .chunks(2)
        .map(|p| u8::from_str_radix(std::str::from_utf8(p).unwrap(), 16).unwrap())
        .collect()
}

/// Reads one case. A `.case` file is TOML: `expect`, optional `args`
/// (replacing the folder's command), optional `input` (text) or `input_hex`
/// (bytes) written to a scratch file named `input_name`, which FILE then
/// names. Any other file is its own input; its first line is
/// `# expect: ...` (or `// expect: ...`) and the folder's `command` file
/// says how to run it.
fn read_case(path: &Path, scratch: &Path) -> Case {
    let rel = path
        .strip_prefix(root())
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    let name = path.file_name().unwrap().to_string_lossy().to_string();
    let out = scratch.join(format!("out-{name}"));
    let dir_command = || {
        let cmd = path.parent().unwrap().join("command");
        std::fs::read_to_string(&cmd)
            .unwrap_or_else(|_| panic!("{rel}: no `command` file beside it"))
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(String::from)
            .collect::<Vec<_>>()
    };
    if name.ends_with(".case") {
        let t: toml::Table = std::fs::read_to_string(path)
            .unwrap()
            .parse()
            .unwrap_or_else(|e| panic!("{rel}: {e}"));
        let expect = t["expect"].as_str().expect("expect = \"...\"").to_string();
        let (file, fname) = if let Some(v) = t.get("input").or(t.get("input_hex")) {
            let bytes = match (v.as_str(), t.contains_key("input_hex")) {
                (Some(s), false) => s.as_bytes().to_vec(),
                (Some(s), true) => decode_hex(s),
                _ => panic!("{rel}: input must be a string"),
            };
            let fname = t
                .get("input_name")
                .and_then(|v| v.as_str())
                .unwrap_or("input")
                .to_string();
            let dir = scratch.join(format!("in-{name}"));
            std::fs::create_dir_all(&dir).unwrap();
            let f = dir.join(&fname);
            std::fs::write(&f, bytes).unwrap();
            (f.to_str().unwrap().to_string(), fname)
        } else {
            (rel.clone(), name.clone())
        };
        let templates = match t.get("args") {
            Some(a) => vec![
                a.as_array()
                    .expect("args = [\"...\"]")
                    .iter()
                    .map(|x| x.as_str().unwrap())
                    .collect::<Vec<_>>()
                    .join(" "),
            ],
            None => dir_command(),
        };
        let commands = templates
            .iter()
            .map(|c| substitute(c, &file, &fname, &out))
            .collect();
        let expect = replace_token(&expect, "FILE", &file);
        return Case {
            rel,
            commands,
            expect,
            out,
        };
    }
    let text = std::fs::read(path).unwrap();
    let first = String::from_utf8_lossy(text.split(|&c| c == b'\n').next().unwrap()).to_string();
    let expect = first
        .strip_prefix("# expect: ")
        .or_else(|| first.strip_prefix("// expect: "))
        .unwrap_or_else(|| panic!("{rel}: first line must be `# expect: ...`"))
        .to_string();
    let expect = replace_token(&expect, "FILE", &rel);
    let commands = dir_command()
        .iter()
        .map(|c| substitute(c, &rel, &name, &out))
        .collect();
    Case {
        rel,
        commands,
        expect,
        out,
    }
}

/// Every case under tests/bad_inputs/*/, sorted by path.
fn all_case_files() -> Vec<PathBuf> {
    let base = root().join("tests/bad_inputs");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&base)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    let mut files = Vec::new();
    for d in dirs {
        let mut f: Vec<PathBuf> = std::fs::read_dir(&d)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| is_case_file(p))
            .collect();
        f.sort();
        files.extend(f);
    }
    files
}

#[test]
fn every_bad_input_is_refused_on_one_line_with_exit_2() {
    let scratch = tmp("bad-inputs");
    let files = all_case_files();
    assert!(
        files.len() >= MIN_CASES,
        "bad-input suite shrank: {} cases",
        files.len()
    );
    let mut failures = Vec::new();
    for f in &files {
        let case = read_case(f, &scratch);
        assert!(!case.commands.is_empty(), "{}: no command", case.rel);
        for args in &case.commands {
            let out = Command::new(env!("CARGO_BIN_EXE_cdnsim"))
                .args(args)
                .current_dir(root())
                // A panic would print its backtrace: the check below sees it.
                .env("RUST_BACKTRACE", "1")
                // The memory check compares against this, not the machine's
                // MemTotal, so expectations are the same everywhere.
                .env("CDNSIM_MEMORY", "16GB")
                .output()
                .expect("cdnsim runs");
            let err = String::from_utf8_lossy(&out.stderr);
            let shown = format!("{} (cdnsim {})", case.rel, args.join(" "));
            if out.status.code() != Some(2) {
                failures.push(format!("{shown}: exit {:?}: {err}", out.status.code()));
            } else if err.lines().count() != 1 || !err.ends_with('\n') {
                failures.push(format!("{shown}: not one line: {err:?}"));
            } else if err.trim_end() != case.expect {
                failures.push(format!(
                    "{shown}:\n   got: {}\n  want: {}",
                    err.trim_end(),
                    case.expect
                ));
            } else if err.contains("panicked") || err.contains("backtrace") {
                failures.push(format!("{shown}: panicked: {err}"));
            }
            if case.out.exists() {
                failures.push(format!("{shown}: left {} behind", case.out.display()));
            }
        }
    }
    // Nothing else (a partial folder) appeared beside the output folders.
    let left: Vec<String> = std::fs::read_dir(&scratch)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .filter(|n| !n.starts_with("in-"))
        .collect();
    if !left.is_empty() {
        failures.push(format!("left behind in the scratch folder: {left:?}"));
    }
    assert!(
        failures.is_empty(),
        "{} of {} bad inputs misbehaved:\n{}",
        failures.len(),
        files.len(),
        failures.join("\n")
    );
    std::fs::remove_dir_all(scratch).unwrap();
}

/// The suite covers every kind of input the brief names.
#[test]
fn bad_input_suite_covers_every_input_kind() {
    let base = root().join("tests/bad_inputs");
    for kind in [
        "scenarios",
        "worlds",
        "sets",
        "topologies",
        "geography",
        "traces",
        "sizes",
        "pairs",
        "flags",
    ] {
        let n = std::fs::read_dir(base.join(kind))
            .unwrap_or_else(|_| panic!("tests/bad_inputs/{kind} missing"))
            .filter(|e| is_case_file(&e.as_ref().unwrap().path()))
            .count();
        assert!(n >= 3, "tests/bad_inputs/{kind} has only {n} cases");
    }
}
