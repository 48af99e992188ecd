//! Progress of a long run on stderr: a bar with items/s and ETA redrawn in place on a terminal,
//! and a plain line every few seconds elsewhere (CI logs, files), never control characters.

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

const BAR_WIDTH: usize = 30;

/// How often a line is printed when stderr is not a terminal, unless
/// `CLAIMBENCH_PROGRESS_INTERVAL_S` says otherwise.
const LOG_INTERVAL: Duration = Duration::from_secs(10);

pub struct Reporter {
    terminal: bool,
    every: Duration,
    started: Instant,
    last: Option<Instant>,
}

impl Reporter {
    /// Draws on stderr, as a bar on a terminal and as plain lines otherwise.
    pub fn stderr() -> Reporter {
        let terminal = std::io::stderr().is_terminal();
        let logged = std::env::var("CLAIMBENCH_PROGRESS_INTERVAL_S")
            .ok()
            .and_then(|s| s.parse::<f64>().ok())
            .filter(|s| s.is_finite() && *s >= 0.0)
            .map(Duration::from_secs_f64)
            .unwrap_or(LOG_INTERVAL);
        Reporter { terminal, every: if terminal { Duration::from_millis(200) } else { logged }, started: Instant::now(), last: None }
    }

    /// Called after each item; prints when due and always at the end.
    pub fn update(&mut self, done: usize, total: usize) {
        let finished = done >= total;
        if !finished && self.last.is_some_and(|last| last.elapsed() < self.every) {
            return;
        }
        self.last = Some(Instant::now());
        let elapsed = self.started.elapsed().as_secs_f64();
        let mut err = std::io::stderr().lock();
        if self.terminal {
            let _ = write!(err, "\r{}\x1b[K{}", bar_line(done, total, elapsed), if finished { "\n" } else { "" });
        } else {
            let _ = writeln!(err, "{}", plain_line(done, total, elapsed));
        }
        let _ = err.flush();
    }
}

fn rate_and_eta(done: usize, total: usize, elapsed_s: f64) -> (f64, String) {
    let rate = if elapsed_s > 0.0 { done as f64 / elapsed_s } else { 0.0 };
    let eta = if done == 0 || rate <= 0.0 { "?".to_string() } else { duration_text(total.saturating_sub(done) as f64 / rate) };
    (rate, eta)
}

/// `1h02m`, `3m05s` or `42s`.
pub fn duration_text(seconds: f64) -> String {
    let s = seconds.max(0.0).round() as u64;
    match s {
        0..=59 => format!("{s}s"),
        60..=3599 => format!("{}m{:02}s", s / 60, s % 60),
        _ => format!("{}h{:02}m", s / 3600, (s % 3600) / 60),
    }
}

/// `[#########.....................]  30/100 items  2.5 items/s  ETA 28s`
pub fn bar_line(done: usize, total: usize, elapsed_s: f64) -> String {
    let filled = (done.min(total) * BAR_WIDTH).checked_div(total).unwrap_or(BAR_WIDTH);
    let (rate, eta) = rate_and_eta(done, total, elapsed_s);
    format!(
        "[{}{}] {done:>w$}/{total} items  {rate:.1} items/s  ETA {eta}",
        "#".repeat(filled),
        ".".repeat(BAR_WIDTH - filled),
        w = total.to_string().len()
    )
}

/// `progress: 30/100 items (30%), 2.5 items/s, ETA 28s, elapsed 12s`
pub fn plain_line(done: usize, total: usize, elapsed_s: f64) -> String {
    let (rate, eta) = rate_and_eta(done, total, elapsed_s);
    let percent = if total == 0 { 100.0 } else { 100.0 * done as f64 / total as f64 };
    format!("progress: {done}/{total} items ({percent:.0}%), {rate:.1} items/s, ETA {eta}, elapsed {}", duration_text(elapsed_s))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bar_fills_with_the_items_done() {
        assert_eq!(bar_line(0, 10, 0.0), format!("[{}]  0/10 items  0.0 items/s  ETA ?", ".".repeat(30)));
        assert_eq!(bar_line(5, 10, 2.0), format!("[{}{}]  5/10 items  2.5 items/s  ETA 2s", "#".repeat(15), ".".repeat(15)));
        assert_eq!(bar_line(10, 10, 4.0), format!("[{}] 10/10 items  2.5 items/s  ETA 0s", "#".repeat(30)));
    }

    #[test]
    fn log_lines_are_plain_text() {
        let line = plain_line(30, 100, 12.0);
        assert_eq!(line, "progress: 30/100 items (30%), 2.5 items/s, ETA 28s, elapsed 12s");
        assert!(!line.contains('\r') && !line.contains('\x1b'));
        assert_eq!(duration_text(3725.0), "1h02m");
        assert_eq!(duration_text(185.0), "3m05s");
    }
}
