//! `writeToSocket`: sendfile/writev of a response's parts to a socket that Node owns.

use napi::bindgen_prelude::{BufferSlice, Either, External};
use napi_derive::napi;
use seglog::sendfile::{write_parts, Part};

/// Writes `parts` in order to the non-blocking socket `fd`: Buffers with writev, ReadPlans with
/// sendfile(2) from the segment files. Returns the bytes written; stops early (without
/// blocking) when the socket's send buffer is full, and the caller sends the rest through Node
/// or calls again later with `skip` = the bytes already written, to go on where it stopped.
/// The caller must make sure nothing is queued on the socket in Node (else bytes would reorder).
/// Synchronous, on the calling thread; it never waits.
#[napi(
    ts_args_type = "fd: number, parts: Array<Buffer | ExternalObject<'ReadPlan'>>, skip?: number"
)]
pub fn write_to_socket(
    fd: i32,
    parts: Vec<Either<BufferSlice<'_>, &External<seglog::ReadPlan>>>,
    skip: Option<i64>,
) -> napi::Result<i64, String> {
    let mut skip = skip.unwrap_or(0).max(0) as u64;
    let mut out: Vec<Part<'_>> = Vec::with_capacity(parts.len());
    for part in &parts {
        match part {
            Either::A(bytes) => {
                let bytes: &[u8] = bytes;
                let from = skip.min(bytes.len() as u64) as usize;
                skip -= from as u64;
                if from < bytes.len() {
                    out.push(Part::Bytes(&bytes[from..]));
                }
            }
            Either::B(plan) => {
                for slice in &plan.slices {
                    let from = skip.min(slice.len as u64) as usize;
                    skip -= from as u64;
                    if from < slice.len {
                        out.push(Part::File {
                            file: slice.records.file(),
                            position: slice.position + from as u64,
                            len: slice.len - from,
                        });
                    }
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
