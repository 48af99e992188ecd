//! The writer lock of a run directory: whoever writes a run (a run, `--resume`, a Slurm gather)
//! holds an exclusive `flock` on `writer.lock`, with its pid in the file for the message others
//! get. The kernel drops the lock when the holder exits, however it exits, so a crash never
//! leaves a run locked.

use crate::error::{Error, IoContext, Result};
use std::io::{Read, Seek, Write};
use std::path::Path;

pub const LOCK: &str = "writer.lock";

/// Held while a run directory is written; dropping it releases the lock.
#[derive(Debug)]
pub struct RunLock {
    _file: std::fs::File,
}

impl RunLock {
    /// Takes the run's writer lock, or refuses naming the process that holds it.
    pub fn acquire(dir: &Path) -> Result<RunLock> {
        let path = dir.join(LOCK);
        let mut file = std::fs::OpenOptions::new().read(true).write(true).create(true).truncate(false).open(&path).with_path(&path)?;
        if file.try_lock().is_err() {
            return Err(Error::in_file(dir, format!("{}; wait for it to finish", holder_text(&mut file))));
        }
        let holder = format!("{} {}\n", std::process::id(), crate::host::hostname());
        file.set_len(0).and_then(|()| file.rewind()).and_then(|()| file.write_all(holder.as_bytes())).with_path(&path)?;
        Ok(RunLock { _file: file })
    }
}

/// Who is writing the run in `dir` right now, as "claimbench pid N on HOST is writing this
/// run"; `None` when nobody is.
pub fn writer(dir: &Path) -> Option<String> {
    let mut file = std::fs::File::open(dir.join(LOCK)).ok()?;
    if file.try_lock_shared().is_ok() {
        let _ = file.unlock();
        return None;
    }
    Some(holder_text(&mut file))
}

fn holder_text(file: &mut std::fs::File) -> String {
    // The holder writes its pid just after taking the lock: until then the file may be empty or
    // still name an earlier, finished writer, so a dead pid is read again for a moment.
    let mut holder = None;
    for _ in 0..50 {
        let mut text = String::new();
        let _ = file.rewind().and_then(|()| file.take(200).read_to_string(&mut text));
        let mut fields = text.split_whitespace();
        let pid = fields.next().and_then(|p| p.parse::<u32>().ok());
        holder = pid.zip(fields.next().map(str::to_string));
        let alive = pid
            .and_then(|p| rustix::process::Pid::from_raw(i32::try_from(p).ok()?))
            .is_some_and(|p| rustix::process::test_kill_process(p).is_ok());
        if alive {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    match holder {
        Some((pid, host)) => format!("claimbench pid {pid} on {host} is writing this run"),
        None => "another claimbench is writing this run".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_writer_is_refused_until_the_first_lets_go() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(writer(dir.path()), None);
        let held = RunLock::acquire(dir.path()).unwrap();
        let expected = format!("claimbench pid {} on {} is writing this run", std::process::id(), crate::host::hostname());
        assert_eq!(writer(dir.path()).as_deref(), Some(expected.as_str()));
        let err = RunLock::acquire(dir.path()).unwrap_err();
        assert!(err.message().ends_with(&format!("{expected}; wait for it to finish")), "{err}");
        drop(held);
        assert_eq!(writer(dir.path()), None);
        RunLock::acquire(dir.path()).unwrap();
    }
}
