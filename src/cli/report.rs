//! Errors for people: the message and the chain of its causes, never Rust's Debug form.

use std::error::Error;
use std::fmt;

/// Writes `error` for people: `error: <message>`, then one `  caused by: <source>` line per
/// error in its [`source`](Error::source) chain. A cause whose message the one above already
/// ends with (errors that print their source inline) is not repeated.
///
/// ```
/// let err = std::io::Error::other("disk full");
/// let wrapped = taipy::StoreError::Io { action: "cannot write", path: "store/db".into(), source: err };
/// assert_eq!(
///     taipy::cli::report(&wrapped),
///     "error: cannot write `store/db`: disk full\n"
/// );
/// ```
pub fn report(error: &(dyn Error + 'static)) -> String {
    let mut out = String::new();
    write_report(&mut out, error).expect("writing to a String");
    out
}

/// Prints [`report`] of `error` on stderr (what the examples' `main` does with an error).
pub fn eprint_report(error: &(dyn Error + 'static)) {
    eprint!("{}", report(error));
}

fn write_report(out: &mut impl fmt::Write, error: &(dyn Error + 'static)) -> fmt::Result {
    let mut shown = error.to_string();
    writeln!(out, "error: {shown}")?;
    let mut next = error.source();
    while let Some(cause) = next {
        let message = cause.to_string();
        if !shown.ends_with(&message) {
            writeln!(out, "  caused by: {message}")?;
        }
        shown = message;
        next = cause.source();
    }
    Ok(())
}

/// The lines a task failure adds below its own message: one `  caused by:` per source (a
/// [`TaskError`](crate::TaskError) keeps its sources as text).
pub(crate) fn task_failure(error: &crate::TaskError) -> String {
    let mut out = match (&error.location, error.panicked) {
        (Some(location), _) => format!("panicked at {location}: "),
        (None, true) => "panicked: ".to_owned(),
        (None, false) => String::new(),
    };
    out.push_str(&error.message);
    out.push('\n');
    for source in &error.sources {
        out.push_str(&format!("  caused by: {source}\n"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct Outer(std::io::Error);

    impl fmt::Display for Outer {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("cannot load the customers")
        }
    }

    impl Error for Outer {
        fn source(&self) -> Option<&(dyn Error + 'static)> {
            Some(&self.0)
        }
    }

    #[test]
    fn the_source_chain_is_printed_one_cause_a_line() {
        let err = Outer(std::io::Error::other("no such file"));
        assert_eq!(report(&err), "error: cannot load the customers\n  caused by: no such file\n");
    }

    #[test]
    fn a_cause_already_in_the_message_is_not_repeated() {
        let err = taipy_core::StoreError::Io {
            action: "cannot open",
            path: "x".into(),
            source: std::io::Error::other("denied"),
        };
        assert_eq!(report(&err), "error: cannot open `x`: denied\n");
    }

    #[test]
    fn a_task_failure_lists_its_causes() {
        let error = crate::TaskError {
            message: "cannot score".into(),
            sources: vec!["bad value `abc`".into()],
            backtrace: None,
            panicked: false,
            location: None,
        };
        assert_eq!(task_failure(&error), "cannot score\n  caused by: bad value `abc`\n");
        let panic = crate::TaskError { panicked: true, location: Some("src/score.rs:3:5".into()), ..error };
        assert!(task_failure(&panic).starts_with("panicked at src/score.rs:3:5: cannot score\n"));
    }
}
