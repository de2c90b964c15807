//! File naming rules of a partition directory, as Kafka names them so operators recognise them:
//! a segment is `<base offset, 20 digits, zero padded>.log` with `.index` and `.timeindex`
//! beside it. Zero padding makes `ls` sort segments numerically.

use std::path::{Path, PathBuf};

pub const LOG_SUFFIX: &str = ".log";
pub const INDEX_SUFFIX: &str = ".index";
pub const TIME_INDEX_SUFFIX: &str = ".timeindex";
/// The aborted-transaction index (Kafka's `.txnindex`), present only once a segment has one.
pub const TXN_INDEX_SUFFIX: &str = ".txnindex";
/// Appended to a file that is scheduled for deletion (first phase of a two-phase delete).
pub const DELETED_SUFFIX: &str = ".deleted";
/// The cleaner's files (cleaner/swap.rs): a `.cleaned` segment is half written and stale when
/// found at open; a `.log.swap` is complete and its swap is finished at open.
pub const CLEANED_SUFFIX: &str = ".cleaned";
pub const SWAP_SUFFIX: &str = ".swap";
/// Suffix of the temporary file a checkpoint is written to before the rename.
pub const TEMP_SUFFIX: &str = ".tmp";
/// Per-partition file mapping leader epochs to their start offsets.
pub const LEADER_EPOCH_CHECKPOINT: &str = "leader-epoch-checkpoint";

/// `00000000000000000042` for 42.
pub fn offset_name(offset: i64) -> String {
    format!("{offset:020}")
}

pub fn log_file(dir: &Path, base_offset: i64) -> PathBuf {
    dir.join(format!("{}{LOG_SUFFIX}", offset_name(base_offset)))
}

pub fn index_file(dir: &Path, base_offset: i64) -> PathBuf {
    dir.join(format!("{}{INDEX_SUFFIX}", offset_name(base_offset)))
}

pub fn time_index_file(dir: &Path, base_offset: i64) -> PathBuf {
    dir.join(format!("{}{TIME_INDEX_SUFFIX}", offset_name(base_offset)))
}

pub fn txn_index_file(dir: &Path, base_offset: i64) -> PathBuf {
    dir.join(format!("{}{TXN_INDEX_SUFFIX}", offset_name(base_offset)))
}

/// The path with `.deleted` appended.
pub fn deleted_name(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(DELETED_SUFFIX);
    PathBuf::from(name)
}

/// The base offset of a segment file `<digits><suffix>`, if `name` is one with that suffix.
pub fn parse_offset(name: &str, suffix: &str) -> Option<i64> {
    let digits = name.strip_suffix(suffix)?;
    if digits.len() != 20 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// Whether a file name is a leftover that must be removed when a partition directory opens.
pub fn is_stale_leftover(name: &str) -> bool {
    name.ends_with(DELETED_SUFFIX)
        || name.ends_with(CLEANED_SUFFIX)
        || name.ends_with(SWAP_SUFFIX)
        || name.ends_with(TEMP_SUFFIX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_twenty_zero_padded_digits() {
        assert_eq!(offset_name(42), "00000000000000000042");
        assert_eq!(
            log_file(Path::new("/d"), 7),
            PathBuf::from("/d/00000000000000000007.log")
        );
    }

    #[test]
    fn parses_only_well_formed_names() {
        assert_eq!(
            parse_offset("00000000000000000042.log", LOG_SUFFIX),
            Some(42)
        );
        assert_eq!(parse_offset("42.log", LOG_SUFFIX), None);
        assert_eq!(parse_offset("00000000000000000042.index", LOG_SUFFIX), None);
        assert_eq!(parse_offset("0000000000000000004x.log", LOG_SUFFIX), None);
    }

    #[test]
    fn deleted_name_appends_the_suffix() {
        assert_eq!(
            deleted_name(Path::new("/d/1.log")),
            PathBuf::from("/d/1.log.deleted")
        );
        assert!(is_stale_leftover("00000000000000000000.log.deleted"));
        assert!(!is_stale_leftover("00000000000000000000.log"));
    }
}
