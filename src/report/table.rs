//! A CSV file of a run folder as a table of text cells, with typed column
//! access. Plots look columns up by name, so a file that gains columns keeps
//! working and a plot whose columns are absent is simply not drawn.

use crate::error::{Error, InputError};

#[derive(Clone, Debug, PartialEq)]
pub struct Table {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

impl Table {
    /// Parses CSV with a header row; `file` names it in errors.
    pub fn parse(file: &str, bytes: &[u8]) -> Result<Table, Error> {
        let mut r = csv::Reader::from_reader(bytes);
        let columns: Vec<String> = r
            .headers()
            .map_err(|e| InputError::new(file, "", format!("bad CSV header: {e}")))?
            .iter()
            .map(str::to_string)
            .collect();
        let mut rows = Vec::new();
        for (i, rec) in r.records().enumerate() {
            let rec = rec.map_err(|e| {
                InputError::at_line(file, Some(i + 2), "", format!("bad CSV row: {e}"))
            })?;
            rows.push(rec.iter().map(str::to_string).collect());
        }
        Ok(Table { columns, rows })
    }

    pub fn col(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c == name)
    }

    /// The column as numbers; `None` when absent or when a cell is not a number.
    pub fn f64s(&self, name: &str) -> Option<Vec<f64>> {
        let c = self.col(name)?;
        self.rows
            .iter()
            .map(|r| r.get(c).and_then(|v| v.parse::<f64>().ok()))
            .collect()
    }

    /// The column as text; `None` when absent.
    pub fn strs(&self, name: &str) -> Option<Vec<&str>> {
        let c = self.col(name)?;
        self.rows
            .iter()
            .map(|r| r.get(c).map(String::as_str))
            .collect()
    }

    /// Indices of the rows whose column `name` equals `value`.
    pub fn rows_where(&self, name: &str, value: &str) -> Vec<usize> {
        let Some(c) = self.col(name) else {
            return Vec::new();
        };
        (0..self.rows.len())
            .filter(|&i| self.rows[i].get(c).is_some_and(|v| v == value))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_by_name_and_typed() {
        let t = Table::parse("x.csv", b"a,b\n1,x\n2.5,y\n").unwrap();
        assert_eq!(t.f64s("a"), Some(vec![1.0, 2.5]));
        assert_eq!(t.f64s("b"), None, "text is not a number");
        assert_eq!(t.strs("b"), Some(vec!["x", "y"]));
        assert_eq!(t.f64s("c"), None);
        assert_eq!(t.rows_where("b", "y"), vec![1]);
    }

    #[test]
    fn ragged_row_is_a_located_input_error() {
        let e = Table::parse("x.csv", b"a,b\n1,2\n3\n").unwrap_err();
        assert!(e.to_string().starts_with("x.csv:3:"), "{e}");
    }
}
