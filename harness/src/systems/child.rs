//! Programs that systems start, kept on a leash: each runs in a process group of its own, so
//! that a timeout or the end of a run stops everything it started (a LAMMPS `shell "sleep 1e9 &"`
//! that would hold the pipes open included); its output is read in lines of bounded length, with
//! invalid UTF-8 replaced rather than stopping the reader; and only a bounded tail of its stderr
//! is kept for messages.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command};
use std::sync::mpsc::{channel, Receiver};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// The longest output line a system may send unless its config says otherwise.
pub const DEFAULT_MAX_LINE_BYTES: usize = 1 << 20;

/// stderr lines kept to explain a failure, and the characters kept of each.
const STDERR_TAIL_LINES: usize = 5;
const STDERR_LINE_CHARS: usize = 300;

/// Puts the program in a new process group whose id is its pid.
pub fn own_group(command: &mut Command) -> &mut Command {
    command.process_group(0)
}

/// Kills the child's whole process group, then the child itself, and reaps it.
pub fn kill_group(child: &mut Child) {
    kill_group_of(child.id());
    let _ = child.kill();
    let _ = child.wait();
}

/// Kills what is left of the group `leader` started (after it exited itself). The group id stays
/// reserved while any member lives, so this cannot reach an unrelated process group.
pub fn kill_group_of(leader: u32) {
    // A group that no longer exists gives ESRCH, which is what was wanted.
    if let Some(group) = i32::try_from(leader).ok().and_then(rustix::process::Pid::from_raw) {
        let _ = rustix::process::kill_process_group(group, rustix::process::Signal::KILL);
    }
}

/// One line of a program's output.
#[derive(Debug, PartialEq)]
pub enum Line {
    Text(String),
    /// A line longer than the limit: its length in bytes; its text was dropped.
    TooLong(usize),
}

/// Reads `output` line by line on a thread of its own; lines over `max_bytes` are dropped as they
/// are read (memory stays bounded), and bytes that are not UTF-8 are replaced.
pub fn read_lines(output: impl Read + Send + 'static, max_bytes: usize) -> Receiver<std::io::Result<Line>> {
    let (sender, lines) = channel();
    std::thread::spawn(move || {
        let mut reader = BufReader::new(output);
        loop {
            match read_bounded_line(&mut reader, max_bytes) {
                Ok(None) => break,
                Ok(Some(line)) => {
                    if sender.send(Ok(line)).is_err() {
                        break;
                    }
                }
                Err(e) => {
                    let _ = sender.send(Err(e));
                    break;
                }
            }
        }
    });
    lines
}

/// The next line without its newline; `None` at the end of input.
fn read_bounded_line(reader: &mut impl BufRead, max_bytes: usize) -> std::io::Result<Option<Line>> {
    let mut kept = Vec::new();
    let mut length = 0usize;
    loop {
        let buffer = match reader.fill_buf() {
            Ok(buffer) => buffer,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if buffer.is_empty() {
            return Ok((length > 0).then(|| finish(kept, length, max_bytes)));
        }
        let (chunk, newline) = match buffer.iter().position(|&b| b == b'\n') {
            Some(at) => (&buffer[..at], true),
            None => (buffer, false),
        };
        if length + chunk.len() <= max_bytes {
            kept.extend_from_slice(chunk);
        } else {
            kept = Vec::new();
        }
        length += chunk.len();
        let consumed = chunk.len() + usize::from(newline);
        reader.consume(consumed);
        if newline {
            return Ok(Some(finish(kept, length, max_bytes)));
        }
    }
}

fn finish(mut kept: Vec<u8>, length: usize, max_bytes: usize) -> Line {
    if length > max_bytes {
        return Line::TooLong(length);
    }
    if kept.last() == Some(&b'\r') {
        kept.pop();
    }
    Line::Text(String::from_utf8(kept).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()))
}

/// A reader thread's result once it has finished, waiting at most `limit`: a process that left
/// the group (with `setsid`) may hold a pipe open for ever.
pub fn join_within<T>(reader: JoinHandle<T>, limit: Duration) -> Option<T> {
    let started = Instant::now();
    while !reader.is_finished() {
        if started.elapsed() > limit {
            return None;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    reader.join().ok()
}

/// The last few lines of a program's stderr, each shortened, read on a thread of its own.
pub struct StderrTail {
    lines: Arc<Mutex<VecDeque<String>>>,
    reader: Option<JoinHandle<()>>,
}

impl StderrTail {
    pub fn follow(stderr: impl Read + Send + 'static) -> StderrTail {
        let lines_kept = Arc::new(Mutex::new(VecDeque::new()));
        let kept = Arc::clone(&lines_kept);
        let reader = std::thread::spawn(move || {
            let mut stderr = BufReader::new(stderr);
            while let Ok(Some(line)) = read_bounded_line(&mut stderr, 64 << 10) {
                let text = match line {
                    Line::Text(text) => crate::text::shorten(&text, STDERR_LINE_CHARS),
                    Line::TooLong(length) => format!("[a line of {length} bytes, left out]"),
                };
                let mut tail = kept.lock().unwrap_or_else(|e| e.into_inner());
                if tail.len() == STDERR_TAIL_LINES {
                    tail.pop_front();
                }
                tail.push_back(text);
            }
        });
        StderrTail { lines: lines_kept, reader: Some(reader) }
    }

    /// Waits up to `limit` for the end of stderr (after the program exited).
    pub fn finish(&mut self, limit: Duration) {
        if let Some(reader) = self.reader.take() {
            join_within(reader, limit);
        }
    }

    /// The last lines so far.
    pub fn lines(&self) -> Vec<String> {
        self.lines.lock().unwrap_or_else(|e| e.into_inner()).iter().cloned().collect()
    }

    /// "; stderr: a | b | c", or nothing when the program wrote nothing there.
    pub fn describe(&self) -> String {
        let lines = self.lines();
        if lines.is_empty() {
            String::new()
        } else {
            format!("; stderr: {}", lines.join(" | "))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(bytes: &[u8], max: usize) -> Vec<Line> {
        read_lines(std::io::Cursor::new(bytes.to_vec()), max).iter().map(Result::unwrap).collect()
    }

    #[test]
    fn lines_are_bounded_and_never_stop_on_bad_utf8() {
        assert_eq!(
            lines(b"ok\r\n\xff bad\n\nlast", 100),
            vec![Line::Text("ok".into()), Line::Text("\u{fffd} bad".into()), Line::Text(String::new()), Line::Text("last".into())]
        );
        let mut long = vec![b'x'; 10_000];
        long.extend_from_slice(b"\nafter\n");
        assert_eq!(lines(&long, 100), vec![Line::TooLong(10_000), Line::Text("after".into())]);
        // An unterminated line is bounded too.
        assert_eq!(lines(&vec![b'y'; 5_000], 100), vec![Line::TooLong(5_000)]);
    }

    #[test]
    fn a_background_child_of_the_group_is_killed_with_it() {
        let mut command = Command::new("sh");
        command.args(["-c", "sleep 300 & echo $!; wait"]).stdout(std::process::Stdio::piped());
        let mut child = own_group(&mut command).spawn().unwrap();
        let mut first = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut first).unwrap();
        let sleeper: u32 = first.trim().parse().unwrap();
        kill_group(&mut child);
        let gone = (0..100).any(|_| {
            std::thread::sleep(std::time::Duration::from_millis(20));
            std::fs::read_to_string(format!("/proc/{sleeper}/stat")).map_or(true, |s| s.contains(") Z "))
        });
        assert!(gone, "the background sleep outlived its group");
    }
}
