//! A large table's file written around the page cache (Linux's `O_DIRECT`).
//!
//! Every table is synced before it is renamed into place, so the page cache only holds its
//! bytes until the sync: a buffered write copies each byte into it (the kernel's
//! `copy_folio_from_iter` was 7.6% of the million-event run's CPU, `perf`) and the writeback
//! reads them out again. Here the bytes are gathered into aligned blocks of [`BLOCK`] bytes,
//! and whole blocks go from memory to the disk on a thread of their own while the next one
//! fills. Only the last partial sector goes through the page cache. Where the file system
//! refuses direct I/O (tmpfs on older kernels, some network file systems) the same blocks
//! are written the usual way, so the file's bytes never depend on it.

use std::fs::{File, OpenOptions};
use std::io::{self, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::thread::JoinHandle;

/// Direct I/O's alignment of memory, file offsets and lengths: a page, a multiple of every
/// common logical sector size.
const ALIGN: usize = 4096;

/// Bytes per write. A few MiB keep the disk busy with one request at a time; three blocks
/// per file are in use at most (one filling, two in flight).
const BLOCK: usize = 4 << 20;

/// Blocks a file uses at most.
const BLOCKS: usize = 3;

/// Up to [`BLOCK`] bytes at an aligned address inside an ordinary vector (no `unsafe`: the
/// vector has room for one alignment more, and the block starts where the address aligns).
/// Only the bytes written are touched, so a small table's file costs no more memory than its
/// bytes.
struct Block {
    bytes: Vec<u8>,
    start: usize,
}

impl Block {
    fn new() -> Block {
        let mut bytes: Vec<u8> = Vec::with_capacity(BLOCK + ALIGN);
        let start = bytes.as_ptr().align_offset(ALIGN);
        bytes.resize(start, 0);
        Block { bytes, start }
    }

    /// A block without room, in the place of the last one sent.
    fn unused() -> Block {
        Block {
            bytes: Vec::new(),
            start: 0,
        }
    }

    fn len(&self) -> usize {
        self.bytes.len() - self.start
    }

    fn data(&self) -> &[u8] {
        &self.bytes[self.start..]
    }

    /// Appends what fits of `data`; how much that was. Within the capacity: never moved.
    fn push(&mut self, data: &[u8]) -> usize {
        let n = (BLOCK - self.len()).min(data.len());
        self.bytes.extend_from_slice(&data[..n]);
        n
    }

    fn truncate(&mut self, len: usize) {
        self.bytes.truncate(self.start + len);
    }
}

/// A file being written in blocks; its bytes are all in it once [`DirectFile::finish`]
/// returns. `flush` writes nothing: a direct write must be whole sectors.
pub struct DirectFile {
    path: PathBuf,
    block: Block,
    created: usize,
    /// Blocks to write, to the writer thread.
    to_write: Option<SyncSender<Block>>,
    /// Blocks written, back for reuse.
    written: Receiver<Block>,
    writer: Option<JoinHandle<io::Result<u64>>>,
}

impl DirectFile {
    /// Creates (or truncates) `path` for writing, directly where the file system allows it.
    pub fn create(path: &Path) -> io::Result<DirectFile> {
        DirectFile::create_with(path, cfg!(target_os = "linux"))
    }

    /// `create`, with direct I/O only if `direct` (the tests write both ways).
    fn create_with(path: &Path, direct: bool) -> io::Result<DirectFile> {
        let file = match direct.then(|| open_direct(path)) {
            Some(Ok(file)) => Some(file),
            Some(Err(e)) if e.kind() != io::ErrorKind::InvalidInput => return Err(e),
            _ => None,
        };
        let file = match file {
            Some(file) => Sink::Direct(file, path.to_path_buf()),
            None => Sink::Plain(File::create(path)?),
        };
        let (to_write, blocks) = sync_channel::<Block>(BLOCKS - 1);
        let (give_back, written) = sync_channel::<Block>(BLOCKS);
        let writer = std::thread::Builder::new()
            .name("table-io".into())
            .spawn(move || write_blocks(file, blocks, give_back))?;
        Ok(DirectFile {
            path: path.to_path_buf(),
            block: Block::new(),
            created: 1,
            to_write: Some(to_write),
            written,
            writer: Some(writer),
        })
    }

    /// Writes what is left and returns the file (a handle without direct I/O), its bytes
    /// written but not yet synced.
    pub fn finish(mut self) -> io::Result<File> {
        let whole = self.block.len() - self.block.len() % ALIGN;
        let tail = self.block.data()[whole..].to_vec();
        if whole > 0 {
            let mut block = std::mem::replace(&mut self.block, Block::unused());
            block.truncate(whole);
            self.send(block)?;
        }
        let length = self.stop_writer()?;
        let mut file = OpenOptions::new().write(true).open(&self.path)?;
        file.seek(SeekFrom::Start(length))?;
        file.write_all(&tail)?;
        Ok(file)
    }

    /// Hands `block` to the writer.
    fn send(&mut self, block: Block) -> io::Result<()> {
        let sent = match &self.to_write {
            Some(to_write) => to_write.send(block).is_ok(),
            None => false,
        };
        if sent {
            Ok(())
        } else {
            // The writer stopped on an error: it is the one to tell.
            self.stop_writer().and(Err(stopped()))
        }
    }

    /// Waits for the writer to write every block sent; the file's length.
    fn stop_writer(&mut self) -> io::Result<u64> {
        self.to_write = None;
        match self.writer.take() {
            Some(writer) => writer
                .join()
                .unwrap_or_else(|_| Err(io::Error::other("the table writer panicked"))),
            None => Err(stopped()),
        }
    }

    /// Sends the full block and takes an empty one: a new one while fewer than [`BLOCKS`]
    /// exist, else the next one written.
    fn next_block(&mut self) -> io::Result<()> {
        let mut empty = match self.written.try_recv() {
            Ok(block) => block,
            Err(_) if self.created < BLOCKS => {
                self.created += 1;
                Block::new()
            }
            Err(_) => match self.written.recv() {
                Ok(block) => block,
                Err(_) => return self.stop_writer().and(Err(stopped())),
            },
        };
        empty.truncate(0);
        let full = std::mem::replace(&mut self.block, empty);
        self.send(full)
    }
}

impl Write for DirectFile {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let n = self.block.push(data);
        if self.block.len() == BLOCK {
            self.next_block()?;
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Drop for DirectFile {
    fn drop(&mut self) {
        // Unfinished (an error elsewhere): let the writer end; the caller removes the file.
        let _ = self.stop_writer();
    }
}

/// The error of a file whose writer thread has ended: after its own error, which is the one
/// reported.
fn stopped() -> io::Error {
    io::Error::other("the table writer stopped")
}

/// Where the writer thread's blocks go.
enum Sink {
    /// Opened with `O_DIRECT`; its path, to reopen it without if a write is refused.
    Direct(File, PathBuf),
    Plain(File),
}

#[cfg(target_os = "linux")]
fn open_direct(path: &Path) -> io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .custom_flags(libc::O_DIRECT)
        .open(path)
}

#[cfg(not(target_os = "linux"))]
fn open_direct(_: &Path) -> io::Result<File> {
    Err(io::ErrorKind::InvalidInput.into())
}

/// The writer thread: writes each block received in order, gives it back, and returns the
/// bytes written. A direct write refused as invalid (a file system that takes the open but
/// not the I/O) is written again, and every later one, through a plain handle.
fn write_blocks(
    mut sink: Sink,
    blocks: Receiver<Block>,
    give_back: SyncSender<Block>,
) -> io::Result<u64> {
    let mut length = 0u64;
    for block in blocks {
        let bytes = block.data();
        sink = match sink {
            Sink::Direct(mut file, path) => match file.write_all(bytes) {
                Ok(()) => Sink::Direct(file, path),
                Err(e) if e.kind() == io::ErrorKind::InvalidInput => {
                    drop(file);
                    let mut plain = OpenOptions::new().write(true).open(&path)?;
                    plain.set_len(length)?;
                    plain.seek(SeekFrom::Start(length))?;
                    plain.write_all(bytes)?;
                    Sink::Plain(plain)
                }
                Err(e) => return Err(e),
            },
            Sink::Plain(mut file) => {
                file.write_all(bytes)?;
                Sink::Plain(file)
            }
        };
        length += bytes.len() as u64;
        // Dropped blocks are fine: the file makes new ones.
        let _ = give_back.try_send(block);
    }
    Ok(length)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::xorshift;

    /// `bytes` written through a `DirectFile` in pieces of random sizes (some larger than a
    /// block); what the file then holds.
    fn round_trip(bytes: &[u8], direct: bool, seed: u64) -> Vec<u8> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("table.csv");
        let mut next = xorshift(seed);
        let mut out = DirectFile::create_with(&path, direct).unwrap();
        let mut at = 0;
        while at < bytes.len() {
            let piece = match next() % 4 {
                0 => 1 + (next() % 7) as usize,
                1 => (next() % 5000) as usize,
                2 => (next() % (BLOCK as u64 + 9000)) as usize,
                _ => (next() % 300_000) as usize,
            };
            let end = (at + piece).min(bytes.len());
            out.write_all(&bytes[at..end]).unwrap();
            at = end;
        }
        let file = out.finish().unwrap();
        file.sync_all().unwrap();
        drop(file);
        std::fs::read(&path).unwrap()
    }

    #[test]
    fn a_file_holds_exactly_the_bytes_written_at_every_length_around_the_sizes() {
        let mut next = xorshift(11);
        let longest = 3 * BLOCK + ALIGN + 17;
        let all: Vec<u8> = (0..longest).map(|_| next() as u8).collect();
        let lengths = [
            0,
            1,
            ALIGN - 1,
            ALIGN,
            ALIGN + 1,
            BLOCK - 1,
            BLOCK,
            BLOCK + 1,
            2 * BLOCK + ALIGN,
            longest,
        ];
        for (i, len) in lengths.into_iter().enumerate() {
            for direct in [true, false] {
                let got = round_trip(&all[..len], direct, i as u64 + 1);
                assert_eq!(got.len(), len, "length {len}, direct {direct}");
                assert!(
                    got == all[..len],
                    "bytes differ: length {len}, direct {direct}"
                );
            }
        }
    }

    #[test]
    fn creating_replaces_an_older_file_and_a_missing_folder_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.csv");
        std::fs::write(&path, vec![b'x'; 3 * ALIGN]).unwrap();
        let mut out = DirectFile::create(&path).unwrap();
        out.write_all(b"id\n1\n").unwrap();
        drop(out.finish().unwrap());
        assert_eq!(std::fs::read(&path).unwrap(), b"id\n1\n");
        assert!(DirectFile::create(&dir.path().join("missing/t.csv")).is_err());
    }

    #[test]
    fn a_refused_write_is_an_error_not_a_short_file() {
        // /dev/full takes the open and refuses every write: "no space left on device".
        let full = Path::new("/dev/full");
        if !full.exists() {
            eprintln!("skipped: no /dev/full here");
            return;
        }
        for direct in [true, false] {
            let mut out = DirectFile::create_with(full, direct).unwrap();
            let wrote = out.write_all(&vec![7u8; 3 * BLOCK + 5]);
            let result = wrote.and_then(|()| out.finish().map(drop));
            let e = result.expect_err("the writes were refused");
            assert_eq!(e.kind(), io::ErrorKind::StorageFull, "{e}");
        }
    }
}
