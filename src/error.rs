//! Errors that reach the user, and their exit codes.
//!
//! Library modules return typed errors; [`Error`] gathers them and tells
//! `main` which exit code each deserves: 2 for invalid input (a scenario,
//! topology, trace or flag the user can fix), 1 for a runtime failure.

use std::fmt;

/// Bad input, located: `file:line:col: field.path: message`.
///
/// `line` and `col` are 1-based; `path` is the field path inside the file
/// (`cache.edge.policy`, `cdn.pops[2].city`), empty for line-oriented files.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InputError {
    pub file: String,
    pub line: Option<usize>,
    pub col: Option<usize>,
    pub path: String,
    pub message: String,
}

impl InputError {
    pub fn new(
        file: impl Into<String>,
        path: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        InputError {
            file: file.into(),
            line: None,
            col: None,
            path: path.into(),
            message: message.into(),
        }
    }
    pub fn at_line(
        file: impl Into<String>,
        line: Option<usize>,
        path: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        InputError {
            line,
            ..Self::new(file, path, message)
        }
    }
    pub fn with_position(mut self, line: usize, col: usize) -> Self {
        self.line = Some(line);
        self.col = Some(col);
        self
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.file)?;
        if let Some(l) = self.line {
            write!(f, ":{l}")?;
            if let Some(c) = self.col {
                write!(f, ":{c}")?;
            }
        }
        f.write_str(": ")?;
        if !self.path.is_empty() {
            write!(f, "{}: ", self.path)?;
        }
        // One line, always.
        let msg = self.message.replace('\n', " ");
        f.write_str(msg.trim())
    }
}

impl std::error::Error for InputError {}

/// Converts a byte offset into a 1-based (line, column) pair.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

/// Every error a command can end with.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    Input(#[from] InputError),
    #[error("{0}")]
    Engine(#[from] crate::engine::EngineError),
    #[error("{context}: {source}")]
    Io {
        context: String,
        source: std::io::Error,
    },
    #[error("{0}")]
    Runtime(String),
    /// Stopped by Ctrl-C (SIGINT) or SIGTERM; the message says what was kept.
    #[error("{0}")]
    Interrupted(String),
}

impl Error {
    /// 2 for invalid input, 130 when interrupted, 1 otherwise.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Input(_) => 2,
            Error::Interrupted(_) => crate::cli::interrupt::EXIT_INTERRUPTED,
            _ => 1,
        }
    }
    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        Error::Io {
            context: context.into(),
            source,
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_is_one_line_with_location() {
        let e = InputError::new(
            "s.toml",
            "cache.policy",
            "unknown policy \"lruu\"\n(expected lru)",
        )
        .with_position(14, 3);
        assert_eq!(
            e.to_string(),
            "s.toml:14:3: cache.policy: unknown policy \"lruu\" (expected lru)"
        );
        assert_eq!(
            InputError::at_line("t.txt", Some(4), "", "bad").to_string(),
            "t.txt:4: bad"
        );
    }

    #[test]
    fn line_col_counts_from_one() {
        let t = "a = 1\nbb = 2\n";
        assert_eq!(line_col(t, 0), (1, 1));
        assert_eq!(line_col(t, 6), (2, 1));
        assert_eq!(line_col(t, 9), (2, 4));
    }
}
