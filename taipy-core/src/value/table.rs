//! A window of rows of a table-like value (a frame), as tools show it: column names and types,
//! the cells as text, and how many rows the whole table has.
//!
//! A value is shown as a table by [`DataValue::table_page`](super::DataValue::table_page);
//! frames implement it (feature `polars`), so a viewer pages through a large frame without
//! ever holding more than one page of it.

use std::ops::Range;

/// One column of a [`TablePage`]: its name and its type, as the value's library names it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct TableColumn {
    /// The column's name.
    pub name: String,
    /// The column's type (`f64`, `str`, `i64` ...).
    pub type_name: String,
}

impl TableColumn {
    /// A column named `name` of type `type_name`.
    pub fn new(name: impl Into<String>, type_name: impl Into<String>) -> Self {
        Self { name: name.into(), type_name: type_name.into() }
    }
}

/// Rows `offset..offset + rows.len()` of a table of `total` rows.
///
/// ```
/// use taipy_core::{TableColumn, TablePage};
///
/// let page = TablePage::new(vec![TableColumn::new("id", "i64")], vec![vec!["7".into()]], 20, 100);
/// assert_eq!(page.rows(), 20..21);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct TablePage {
    /// The table's columns.
    pub columns: Vec<TableColumn>,
    /// The page's rows, one text per column.
    pub cells: Vec<Vec<String>>,
    /// The index of the page's first row in the table.
    pub offset: usize,
    /// The number of rows of the whole table.
    pub total: usize,
}

impl TablePage {
    /// A page of `cells` starting at row `offset` of a `total`-row table.
    pub fn new(columns: Vec<TableColumn>, cells: Vec<Vec<String>>, offset: usize, total: usize) -> Self {
        Self { columns, cells, offset, total }
    }

    /// The indices of the page's rows in the table.
    pub fn rows(&self) -> Range<usize> {
        self.offset..self.offset + self.cells.len()
    }
}
