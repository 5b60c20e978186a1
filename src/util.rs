//! Small shared helpers that know nothing of the rest of the crate: atomic file writes and the
//! day key of dates. Every layer may use them; they import nothing of the crate, so no cycle
//! can run through them.

use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{Datelike, NaiveDate};

/// A temporary sibling of `path` that keeps its extension (plotters picks the image format
/// from it) and is unique to this process.
pub fn temp_sibling(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let ext = path
        .extension()
        .map(|e| format!(".{}", e.to_string_lossy()))
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.{}.tmp{ext}", std::process::id()))
}

/// Removes from `dir` the temp files that a killed writer left (`.NAME.PID.tmp...` of a process
/// that no longer runs). Only where the process table can be read (`/proc`); elsewhere nothing
/// is removed. Returns how many were.
pub fn remove_stale_temps(dir: &Path) -> usize {
    if !Path::new("/proc/self").exists() {
        return 0;
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    let mut removed = 0;
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(pid) = temp_owner(&name) else {
            continue;
        };
        let alive = pid == std::process::id() || Path::new(&format!("/proc/{pid}")).exists();
        if alive {
            continue;
        }
        let path = entry.path();
        let gone = match path.is_dir() {
            true => std::fs::remove_dir_all(&path),
            false => std::fs::remove_file(&path),
        };
        removed += usize::from(gone.is_ok());
    }
    removed
}

/// The process id in the name of a temp file ([`temp_sibling`]) or a staging folder
/// ([`staging_dir`]), if it is one.
fn temp_owner(name: &str) -> Option<u32> {
    let rest = name.strip_prefix('.')?;
    let parts: Vec<&str> = rest.split('.').collect();
    let mark = match parts.last() {
        Some(&"new") | Some(&"old") => parts.len() - 1,
        _ => parts.iter().rposition(|p| p.starts_with("tmp"))?,
    };
    (mark >= 2).then(|| parts[mark - 1].parse().ok())?
}

/// Where a folder is built before it replaces `target`: a hidden sibling unique to this
/// process.
pub fn staging_dir(target: &Path) -> PathBuf {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    target.with_file_name(format!(".{name}.{}.new", std::process::id()))
}

/// Puts the folder `staging` in the place of `target`, so that a reader sees the old folder
/// or the new one, whole. On Linux the two are exchanged in one step (`renameat2` with
/// `RENAME_EXCHANGE`); elsewhere, or on a file system without it, the old folder is renamed
/// aside first. Afterwards `staging` holds the old folder (if there was one), to be removed.
pub fn replace_dir(staging: &Path, target: &Path) -> std::io::Result<()> {
    if !target.exists() {
        return std::fs::rename(staging, target);
    }
    if exchange(staging, target).is_ok() {
        return Ok(());
    }
    let aside = target.with_file_name(format!(
        ".{}.{}.old",
        target.file_name().unwrap_or_default().to_string_lossy(),
        std::process::id()
    ));
    std::fs::rename(target, &aside)?;
    std::fs::rename(staging, target)?;
    std::fs::rename(&aside, staging)
}

#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    use std::os::unix::ffi::OsStrExt;
    let c = |p: &Path| {
        std::ffi::CString::new(p.as_os_str().as_bytes())
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))
    };
    let (a, b) = (c(a)?, c(b)?);
    // SAFETY: both paths are valid NUL-terminated strings that outlive the call.
    let rc = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            a.as_ptr(),
            libc::AT_FDCWD,
            b.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

#[cfg(not(target_os = "linux"))]
fn exchange(_: &Path, _: &Path) -> std::io::Result<()> {
    Err(std::io::Error::from(std::io::ErrorKind::Unsupported))
}

/// Writes `bytes` to `path` atomically: a temp file in the same folder, flushed to disk, then
/// renamed over the target. A reader sees the old file or the new one, never half of one.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = temp_sibling(path);
    let result = (|| {
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// Runs `render` against a temp path, then renames the result over `path`; `on_rename` turns a
/// failed rename into the caller's error type. On any failure the temp file is removed and the
/// old `path` is left as it was.
pub fn write_atomic_with<E>(
    path: &Path,
    render: impl FnOnce(&Path) -> Result<(), E>,
    on_rename: impl FnOnce(std::io::Error) -> E,
) -> Result<(), E> {
    let tmp = temp_sibling(path);
    let result = render(&tmp).and_then(|()| std::fs::rename(&tmp, path).map_err(on_rename));
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// The years a date may have: a wider one is a typo or an attack, and date arithmetic on it
/// (the calendar span of a window) would overflow.
pub const YEARS: std::ops::RangeInclusive<i32> = 1800..=2200;

/// Parses `YYYY-MM-DD` with a year in [`YEARS`]; the error says which of the two it is not.
pub fn parse_day(raw: &str) -> Result<NaiveDate, String> {
    let raw = raw.trim();
    // The digits first: chrono's format parser was a seventh of planning a million events.
    let date = iso_day(raw)
        .or_else(|| NaiveDate::parse_from_str(raw, "%Y-%m-%d").ok())
        .ok_or_else(|| format!("'{}' is not a YYYY-MM-DD date", cut_for_message(raw, 40)))?;
    use chrono::Datelike;
    if !YEARS.contains(&date.year()) {
        return Err(format!(
            "'{raw}' is outside the years {} to {}",
            YEARS.start(),
            YEARS.end()
        ));
    }
    Ok(date)
}

/// `YYYY-MM-DD` read straight from its digits, the common case; `None` for anything else
/// (which chrono's `%Y-%m-%d` may still take, as `2025-1-27`).
pub fn iso_day(raw: &str) -> Option<NaiveDate> {
    let b = raw.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let number = |r: std::ops::Range<usize>| -> Option<u32> {
        b[r].iter().try_fold(0u32, |n, &c| {
            c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
        })
    };
    NaiveDate::from_ymd_opt(number(0..4)? as i32, number(5..7)?, number(8..10)?)
}

/// Asks the processor to bring `items` into its cache ahead of their use: a hint, which
/// changes no value. A large run's reports hold their days and windows in a million separate
/// allocations, cold by the time the aggregate reads one day of each, event after event; it
/// hints at the event it will read a few events later. (The `days` table reads all of an
/// event's days, which the processor's own prefetcher streams: a hint there changed nothing.)
pub fn prefetch<T>(items: &[T]) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        const LINE: usize = 64;
        let bytes = std::mem::size_of_val(items);
        if bytes == 0 {
            return;
        }
        let start = items.as_ptr().cast::<i8>();
        let first = start as usize / LINE;
        let last = (start as usize + bytes - 1) / LINE;
        for line in 0..=last - first {
            // SAFETY: a prefetch reads nothing into the program and cannot fault, whatever
            // the address (these lie within `items`); SSE is part of every x86_64 target.
            unsafe { _mm_prefetch::<_MM_HINT_T0>(start.wrapping_add(line * LINE)) };
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = items;
}

/// [`prefetch`] of `items[range]`, the range cut to the items (an event may have fewer days or
/// windows than the run).
pub fn prefetch_part<T>(items: &[T], range: std::ops::Range<usize>) {
    let end = range.end.min(items.len());
    if let Some(part) = items.get(range.start..end) {
        prefetch(part);
    }
}

/// 1970-01-01 as chrono counts days from the Common Era (0001-01-01 is day 1).
const EPOCH_DAYS_FROM_CE: i32 = 719_163;

/// Days since 1970-01-01: polars' physical representation of a Date, and the calendar key of
/// the cross-event residual correlation.
///
/// By chrono's day count from the Common Era, not by subtracting dates: it is called for every
/// price row read and every date written, and the subtraction (with the epoch built each time)
/// was a few percent of a large run.
pub fn epoch_days(date: NaiveDate) -> i32 {
    date.num_days_from_ce() - EPOCH_DAYS_FROM_CE
}

/// The inverse of [`epoch_days`].
pub fn from_epoch_days(days: i32) -> NaiveDate {
    NaiveDate::from_num_days_from_ce_opt(days + EPOCH_DAYS_FROM_CE)
        .expect("a calendar key within chrono's dates")
}

/// A column of numbers, null where `None`. One without a null (most), or with nothing else
/// (the dollars without a share count, a volume a file lacks), is made whole, without a
/// builder's push per value: tables and price files have millions of rows.
pub fn float_column(name: &str, values: Vec<Option<f64>>) -> polars::prelude::Column {
    use polars::prelude::*;
    let present = values.iter().filter(|v| v.is_some()).count();
    let column = if present == values.len() {
        Float64Chunked::from_vec(name.into(), values.into_iter().flatten().collect())
    } else if present == 0 {
        Float64Chunked::full_null(name.into(), values.len())
    } else {
        Float64Chunked::from_iter_options(name.into(), values.into_iter())
    };
    column.into_column()
}

/// `text` as a message or an output quotes it: at most `max` characters, the rest replaced by
/// a count, so that a 50 MB cell never floods stderr or the JSON.
pub fn cut_for_message(text: &str, max: usize) -> String {
    let count = text.chars().count();
    if count <= max {
        return text.to_string();
    }
    let head: String = text.chars().take(max).collect();
    format!("{head}... ({count} characters)")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A hint at part of a slice takes any range, however far past the slice's end (an event
    /// with fewer days than the run's window), and reads nothing.
    #[test]
    fn prefetch_part_takes_ranges_past_the_end() {
        let items = [1.0, 2.0, 3.0];
        for range in [0..3, 1..2, 2..10, 3..4, 5..9, 0..0] {
            prefetch_part(&items, range);
        }
        assert_eq!(items, [1.0, 2.0, 3.0]);
    }

    #[test]
    fn atomic_write_replaces_and_leaves_no_temp() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.json");
        write_atomic(&p, b"one").unwrap();
        write_atomic(&p, b"two").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"two");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn failed_render_keeps_the_old_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("c.png");
        write_atomic(&p, b"old").unwrap();
        let r: Result<(), String> = write_atomic_with(
            &p,
            |tmp| {
                std::fs::write(tmp, b"half").unwrap();
                Err("render failed".to_string())
            },
            |e| e.to_string(),
        );
        assert!(r.is_err());
        assert_eq!(std::fs::read(&p).unwrap(), b"old");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        assert!(temp_sibling(&p).to_string_lossy().ends_with(".png"));
    }

    #[test]
    fn temp_files_of_dead_writers_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        let mine = temp_sibling(&dir.path().join("a.json"));
        std::fs::write(&mine, b"in progress").unwrap();
        // No process has this id (above Linux's pid_max).
        let dead = dir.path().join(".NVDA.parquet.4194399.tmp.parquet");
        std::fs::write(&dead, b"half").unwrap();
        let kept = dir.path().join(".hidden");
        std::fs::write(&kept, b"not ours").unwrap();
        assert_eq!(
            temp_owner(".NVDA.parquet.4194399.tmp.parquet"),
            Some(4194399)
        );
        assert_eq!(temp_owner(".a.json.12.tmp.json"), Some(12));
        assert_eq!(temp_owner(".hidden"), None);
        assert_eq!(remove_stale_temps(dir.path()), 1);
        assert!(mine.exists() && kept.exists() && !dead.exists());
    }

    #[test]
    fn a_folder_is_replaced_whole() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("NVDA_2025-01-27");
        std::fs::create_dir(&target).unwrap();
        std::fs::write(target.join("market_value.png"), b"old").unwrap();
        std::fs::write(target.join("car.csv"), b"old").unwrap();
        let staging = staging_dir(&target);
        std::fs::create_dir(&staging).unwrap();
        std::fs::write(staging.join("car.csv"), b"new").unwrap();
        replace_dir(&staging, &target).unwrap();
        assert_eq!(std::fs::read(target.join("car.csv")).unwrap(), b"new");
        assert!(!target.join("market_value.png").exists(), "no stale file");
        assert!(
            staging.join("market_value.png").exists(),
            "the old folder, to remove"
        );
        std::fs::remove_dir_all(&staging).unwrap();
        // Into an empty place, a plain rename.
        let fresh = dir.path().join("AVGO");
        let staging = staging_dir(&fresh);
        std::fs::create_dir(&staging).unwrap();
        replace_dir(&staging, &fresh).unwrap();
        assert!(fresh.is_dir() && !staging.exists());
        assert_eq!(temp_owner(".NVDA_2025-01-27.77.new"), Some(77));
    }

    #[test]
    fn days_outside_the_years_are_refused() {
        assert_eq!(parse_day(" 2025-01-27 ").unwrap().to_string(), "2025-01-27");
        assert!(parse_day("+262142-12-31")
            .unwrap_err()
            .contains("outside the years"));
        assert!(parse_day("-262143-01-01")
            .unwrap_err()
            .contains("outside the years"));
        assert!(parse_day("2025-02-30")
            .unwrap_err()
            .contains("not a YYYY-MM-DD"));
    }

    #[test]
    fn epoch_days_round_trip() {
        let d = NaiveDate::from_ymd_opt(2025, 1, 27).unwrap();
        assert_eq!(epoch_days(d), 20115);
        assert_eq!(from_epoch_days(20115), d);
        // Against the definition, a subtraction of dates, before and after 1970 and across
        // leap days and centuries.
        let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap();
        assert_eq!(epoch_days(epoch), 0);
        let mut day = NaiveDate::from_ymd_opt(1899, 12, 25).unwrap();
        while day < NaiveDate::from_ymd_opt(2101, 1, 10).unwrap() {
            let days = (day - epoch).num_days() as i32;
            assert_eq!(epoch_days(day), days, "{day}");
            assert_eq!(from_epoch_days(days), day);
            day += chrono::Duration::days(13);
        }
    }
}
