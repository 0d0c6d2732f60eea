//! A progress line on stderr: redrawn in place on a terminal, printed every few seconds otherwise.

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

/// Formats seconds as `1m05s` / `12.3s`.
pub fn fmt_secs(s: f64) -> String {
    if !s.is_finite() {
        return "?".into();
    }
    if s >= 60.0 {
        format!("{}m{:02}s", (s / 60.0) as u64, (s % 60.0) as u64)
    } else {
        format!("{s:.1}s")
    }
}

/// Throttled progress output.
pub struct Progress {
    tty: bool,
    last: Option<Instant>,
    every: Duration,
    quiet: bool,
}

impl Progress {
    pub fn new(quiet: bool) -> Progress {
        let tty = std::io::stderr().is_terminal();
        Progress {
            tty,
            last: None,
            every: Duration::from_millis(if tty { 100 } else { 5000 }),
            quiet,
        }
    }
    /// Shows `line` if enough time passed since the last one (or `force`).
    pub fn show(&mut self, line: &str, force: bool) {
        if self.quiet {
            return;
        }
        let due = self.last.is_none_or(|t| t.elapsed() >= self.every);
        if !(due || force) {
            return;
        }
        self.last = Some(Instant::now());
        let mut err = std::io::stderr().lock();
        let _ = if self.tty {
            write!(err, "\r\x1b[2K{line}")
        } else {
            writeln!(err, "{line}")
        };
        let _ = err.flush();
    }
    /// Ends an in-place line with a newline and prints `line` for good.
    pub fn finish(&mut self, line: &str) {
        if self.quiet {
            return;
        }
        let mut err = std::io::stderr().lock();
        let _ = if self.tty {
            writeln!(err, "\r\x1b[2K{line}")
        } else {
            writeln!(err, "{line}")
        };
        self.last = None;
    }
}

/// A `[=====>    ]` bar of `width` cells.
pub fn bar(done: usize, total: usize, width: usize) -> String {
    let filled = (done * width).checked_div(total).map_or(width, |f| f.min(width));
    let mut s = String::with_capacity(width + 2);
    s.push('[');
    for i in 0..width {
        s.push(if i < filled {
            '='
        } else if i == filled {
            '>'
        } else {
            ' '
        });
    }
    s.push(']');
    s
}
