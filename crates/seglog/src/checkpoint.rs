//! Kafka's text checkpoint files, written so that a crash leaves either the old or the new file.
//!
//! Format: a version line, a count line, then that many entry lines of space-separated fields:
//!
//! ```text
//! 0
//! 2
//! my-topic 0 1234
//! my-topic 1 99
//! ```
//!
//! Writes go to `<name>.tmp`, which is fsynced, renamed over the target, and then the directory
//! is fsynced so the rename itself survives a power loss. Blocking: call off the event loop.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use crate::error::{Error, IoContext, Result};
use crate::file_names::TEMP_SUFFIX;

pub const CHECKPOINT_VERSION: i32 = 0;

fn temp_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(TEMP_SUFFIX);
    PathBuf::from(name)
}

/// Writes `bytes` to `path` atomically and durably (temp file, fsync, rename, directory fsync).
pub fn write_file_durably(path: &Path, bytes: &[u8]) -> Result<()> {
    let temp = temp_path(path);
    let mut file = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .open(&temp)
        .context(|| format!("create {}", temp.display()))?;
    file.write_all(bytes)
        .context(|| format!("write {}", temp.display()))?;
    file.sync_all()
        .context(|| format!("fsync {}", temp.display()))?;
    drop(file);
    std::fs::rename(&temp, path)
        .context(|| format!("rename {} to {}", temp.display(), path.display()))?;
    sync_dir(path.parent().unwrap_or(Path::new(".")))
}

/// fsyncs a directory, making renames and unlinks in it durable.
pub fn sync_dir(dir: &Path) -> Result<()> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .context(|| format!("fsync directory {}", dir.display()))
}

/// Writes a checkpoint of `entries` (each already formatted as one line without newline).
pub fn write_checkpoint(path: &Path, entries: &[String]) -> Result<()> {
    let mut text = format!("{CHECKPOINT_VERSION}\n{}\n", entries.len());
    for entry in entries {
        text.push_str(entry);
        text.push('\n');
    }
    write_file_durably(path, text.as_bytes())
}

/// Reads a checkpoint's entry lines, split into fields; `None` if the file does not exist.
/// Errors name the line that breaks the format.
pub fn read_checkpoint(path: &Path) -> Result<Option<Vec<Vec<String>>>> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Error::io(format!("read {}", path.display()), e)),
    };
    let corrupt = |line: usize, reason: String| Error::CorruptCheckpoint {
        path: path.to_owned(),
        line,
        reason,
    };
    let mut lines = text.lines();
    let version = lines
        .next()
        .ok_or_else(|| corrupt(1, "missing version line".into()))?;
    if version.trim().parse::<i32>().ok() != Some(CHECKPOINT_VERSION) {
        return Err(corrupt(1, format!("unsupported version {version:?}")));
    }
    let count_line = lines
        .next()
        .ok_or_else(|| corrupt(2, "missing count line".into()))?;
    let count: usize = count_line
        .trim()
        .parse()
        .map_err(|_| corrupt(2, format!("bad count {count_line:?}")))?;
    let entries: Vec<Vec<String>> = lines
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.split_whitespace().map(str::to_owned).collect())
        .collect();
    if entries.len() != count {
        return Err(corrupt(
            2,
            format!("count says {count} entries, found {}", entries.len()),
        ));
    }
    Ok(Some(entries))
}

/// One entry of a per-log-dir offset checkpoint (`recovery-point-offset-checkpoint`,
/// `log-start-offset-checkpoint`): `<topic> <partition> <offset>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicPartitionOffset {
    pub topic: String,
    pub partition: i32,
    pub offset: i64,
}

pub fn write_offset_checkpoint(path: &Path, entries: &[TopicPartitionOffset]) -> Result<()> {
    let lines: Vec<String> = entries
        .iter()
        .map(|e| format!("{} {} {}", e.topic, e.partition, e.offset))
        .collect();
    write_checkpoint(path, &lines)
}

pub fn read_offset_checkpoint(path: &Path) -> Result<Option<Vec<TopicPartitionOffset>>> {
    let Some(entries) = read_checkpoint(path)? else {
        return Ok(None);
    };
    let mut out = Vec::with_capacity(entries.len());
    for (i, fields) in entries.iter().enumerate() {
        let parsed = match fields.as_slice() {
            [topic, partition, offset] => partition
                .parse()
                .ok()
                .zip(offset.parse().ok())
                .map(|(p, o)| (topic, p, o)),
            _ => None,
        };
        let Some((topic, partition, offset)) = parsed else {
            return Err(Error::CorruptCheckpoint {
                path: path.to_owned(),
                line: i + 3,
                reason: format!(
                    "expected `<topic> <partition> <offset>`, found {:?}",
                    fields.join(" ")
                ),
            });
        };
        out.push(TopicPartitionOffset {
            topic: topic.clone(),
            partition,
            offset,
        });
    }
    Ok(Some(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offset_checkpoints_round_trip_in_kafkas_format() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("recovery-point-offset-checkpoint");
        let entries = vec![
            TopicPartitionOffset {
                topic: "a".into(),
                partition: 0,
                offset: 12,
            },
            TopicPartitionOffset {
                topic: "b.c-d".into(),
                partition: 3,
                offset: 0,
            },
        ];
        write_offset_checkpoint(&path, &entries).unwrap();
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "0\n2\na 0 12\nb.c-d 3 0\n"
        );
        assert_eq!(read_offset_checkpoint(&path).unwrap(), Some(entries));
        assert!(!dir
            .path()
            .join("recovery-point-offset-checkpoint.tmp")
            .exists());
    }

    #[test]
    fn a_missing_file_is_none_and_a_bad_one_names_the_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c");
        assert_eq!(read_offset_checkpoint(&path).unwrap(), None);
        std::fs::write(&path, "0\n2\na 0 1\n").unwrap();
        assert!(matches!(
            read_offset_checkpoint(&path),
            Err(Error::CorruptCheckpoint { line: 2, .. })
        ));
        std::fs::write(&path, "0\n1\na zero 1\n").unwrap();
        assert!(matches!(
            read_offset_checkpoint(&path),
            Err(Error::CorruptCheckpoint { line: 3, .. })
        ));
    }
}
