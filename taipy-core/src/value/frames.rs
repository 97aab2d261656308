//! polars frames as data values (feature `polars`): written here in a later change.
