//! `writeToSocket`: sendfile/writev of a response's parts to a socket that Node owns.

use napi::bindgen_prelude::{BufferSlice, Either, External};
use napi_derive::napi;
use seglog::sendfile::{write_parts, Part};

/// Writes `parts` in order to the non-blocking socket `fd`: Buffers with writev, ReadPlans with
/// sendfile(2) from the segment files. Returns the bytes written; stops early (without
/// blocking) when the socket's send buffer is full, and the caller sends the rest through Node.
/// The caller must make sure nothing is queued on the socket in Node (else bytes would reorder).
/// Synchronous, on the calling thread; it never waits.
#[napi(ts_args_type = "fd: number, parts: Array<Buffer | ExternalObject<'ReadPlan'>>")]
pub fn write_to_socket(
    fd: i32,
    parts: Vec<Either<BufferSlice<'_>, &External<seglog::ReadPlan>>>,
) -> napi::Result<i64, String> {
    let mut out: Vec<Part<'_>> = Vec::with_capacity(parts.len());
    for part in &parts {
        match part {
            Either::A(bytes) => out.push(Part::Bytes(bytes)),
            Either::B(plan) => {
                for slice in &plan.slices {
                    out.push(Part::File {
                        file: slice.records.file(),
                        position: slice.position,
                        len: slice.len,
                    });
                }
            }
        }
    }
    let written = write_parts(fd, &out).map_err(|e| {
        let code = if e.kind() == std::io::ErrorKind::UnexpectedEof {
            "SEGLOG_OFFSET_OUT_OF_RANGE"
        } else {
            "SEGLOG_IO"
        };
        napi::Error::new(code.to_string(), format!("write to socket fd {fd}: {e}"))
    })?;
    Ok(written as i64)
}
