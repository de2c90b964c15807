//! Writing a sequence of byte runs and file slices to a non-blocking socket: writev(2) for runs
//! of bytes, sendfile(2) for file slices, so segment bytes go from the page cache to the socket
//! without passing through user space. With `unsafe` only here and in mmap.rs.
//!
//! Never blocks and never spins: partial writes are continued, and the first EAGAIN returns the
//! number of bytes written so far; the caller sends the rest another way (or later).

#![allow(unsafe_code)]

use std::fs::File;
use std::io;
use std::os::fd::{AsRawFd, RawFd};

/// One piece of the output, in order.
pub enum Part<'a> {
    Bytes(&'a [u8]),
    File {
        file: &'a File,
        position: u64,
        len: usize,
    },
}

impl Part<'_> {
    fn len(&self) -> usize {
        match self {
            Part::Bytes(b) => b.len(),
            Part::File { len, .. } => *len,
        }
    }
}

/// Linux caps one writev at IOV_MAX (1024) buffers and one sendfile at 0x7ffff000 bytes.
const MAX_IOVECS: usize = 1024;
const MAX_SENDFILE: usize = 0x7fff_f000;

fn would_block(e: &io::Error) -> bool {
    e.kind() == io::ErrorKind::WouldBlock
}

/// Writes `parts` in order to the socket `fd` until done or the socket would block. Returns the
/// bytes written. A file slice that ends early (the file was truncated under it) is an
/// `UnexpectedEof` error.
pub fn write_parts(fd: RawFd, parts: &[Part<'_>]) -> io::Result<usize> {
    let mut total = 0usize;
    let mut index = 0usize;
    let mut within = 0usize;
    while index < parts.len() {
        if within == parts[index].len() {
            index += 1;
            within = 0;
            continue;
        }
        let written = match &parts[index] {
            Part::Bytes(_) => {
                let mut iovecs: Vec<libc::iovec> = Vec::new();
                let mut i = index;
                let mut skip = within;
                while i < parts.len() && iovecs.len() < MAX_IOVECS {
                    let Part::Bytes(bytes) = &parts[i] else { break };
                    let rest = &bytes[skip..];
                    if !rest.is_empty() {
                        iovecs.push(libc::iovec {
                            iov_base: rest.as_ptr() as *mut libc::c_void,
                            iov_len: rest.len(),
                        });
                    }
                    skip = 0;
                    i += 1;
                }
                // SAFETY: every iovec points into a slice borrowed from `parts`, alive and
                // unchanged for the duration of the call; writev only reads them.
                let n = unsafe { libc::writev(fd, iovecs.as_ptr(), iovecs.len() as libc::c_int) };
                if n < 0 {
                    Err(io::Error::last_os_error())
                } else {
                    Ok(n as usize)
                }
            }
            Part::File {
                file,
                position,
                len,
            } => {
                let mut offset = (*position + within as u64) as libc::off_t;
                let count = (len - within).min(MAX_SENDFILE);
                // SAFETY: `file` is an open File borrowed for the call and `offset` a local the
                // kernel updates; sendfile reads from the file and writes to `fd`, touching no
                // memory of ours besides `offset`.
                let n = unsafe { libc::sendfile(fd, file.as_raw_fd(), &mut offset, count) };
                if n < 0 {
                    Err(io::Error::last_os_error())
                } else if n == 0 {
                    Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        format!(
                            "segment file ends before position {} (it was truncated during the transfer)",
                            *position + within as u64
                        ),
                    ))
                } else {
                    Ok(n as usize)
                }
            }
        };
        match written {
            Ok(mut n) => {
                total += n;
                // Advance across the parts the bytes covered.
                while n > 0 {
                    let left = parts[index].len() - within;
                    if n >= left {
                        n -= left;
                        index += 1;
                        within = 0;
                    } else {
                        within += n;
                        n = 0;
                    }
                }
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) if would_block(&e) => return Ok(total),
            Err(e) => return Err(e),
        }
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};
    use std::net::{TcpListener, TcpStream};

    #[test]
    fn writes_bytes_and_file_slices_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        std::fs::File::create(&path)
            .unwrap()
            .write_all(b"0123456789abcdef")
            .unwrap();
        let file = File::open(&path).unwrap();
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (mut server, _) = listener.accept().unwrap();
        client.set_nonblocking(true).unwrap();
        let parts = [
            Part::Bytes(b"<"),
            Part::Bytes(b""),
            Part::File {
                file: &file,
                position: 2,
                len: 5,
            },
            Part::Bytes(b"|"),
            Part::File {
                file: &file,
                position: 10,
                len: 6,
            },
            Part::Bytes(b">"),
        ];
        let n = write_parts(client.as_raw_fd(), &parts).unwrap();
        assert_eq!(n, 14);
        drop(client);
        let mut received = Vec::new();
        server.read_to_end(&mut received).unwrap();
        assert_eq!(received, b"<23456|abcdef>");
    }

    #[test]
    fn stops_at_would_block_and_resumes_exactly() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        let data: Vec<u8> = (0..32 << 20).map(|i: u32| (i * 7 % 251) as u8).collect();
        std::fs::write(&path, &data).unwrap();
        let file = File::open(&path).unwrap();
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (mut server, _) = listener.accept().unwrap();
        client.set_nonblocking(true).unwrap();
        let first = write_parts(
            client.as_raw_fd(),
            &[Part::File {
                file: &file,
                position: 0,
                len: data.len(),
            }],
        )
        .unwrap();
        assert!(
            first < data.len(),
            "a 32 MiB send into an unread socket must stop at EAGAIN"
        );
        let reader = std::thread::spawn(move || {
            let mut received = Vec::new();
            server.read_to_end(&mut received).unwrap();
            received
        });
        let mut sent = first;
        while sent < data.len() {
            let rest = Part::File {
                file: &file,
                position: sent as u64,
                len: data.len() - sent,
            };
            sent += write_parts(client.as_raw_fd(), &[rest]).unwrap();
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
        drop(client);
        assert!(reader.join().unwrap() == data);
    }
}
