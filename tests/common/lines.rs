//! A writer that hands what a command prints to a channel, line by line: the web page's tests
//! read the served address and token from `ui`'s first lines while it runs on another thread.
//! (Included by `tests/ui_http.rs` and `algos/tests/ui_browser.rs`.)

use std::io::Write;
use std::sync::mpsc;

/// What the command prints, line by line (each without its line end).
pub(crate) struct Lines(pub(crate) mpsc::Sender<String>, pub(crate) Vec<u8>);

impl Write for Lines {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.1.extend_from_slice(buf);
        while let Some(end) = self.1.iter().position(|b| *b == b'\n') {
            let line: Vec<u8> = self.1.drain(..=end).collect();
            let _ = self.0.send(String::from_utf8_lossy(&line).trim_end().to_owned());
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
