/**
 * Puts one encoded response frame on a socket.
 *
 * A frame is the protocol Writer's output: Buffers (size prefix, header, response fields) and,
 * for Fetch, external chunks that stand for record bytes still in segment files. Frames of
 * Buffers only are written with socket.write (the caller corks, so a burst becomes one writev).
 *
 * Frames with file chunks go out with writev/sendfile straight to the socket's descriptor when
 * nothing is queued in Node. sendfile hands page-cache pages to TCP without copying them, while
 * any write from user memory (even of an mmap view) copies every byte into the socket buffer;
 * `perf record` of the broker under bench/broker/produce-fetch showed that copy (tcp_sendmsg →
 * _copy_from_iter) as 40% of the broker's CPU during fetches when the whole rest of a response
 * went through Node after the first EAGAIN. So when the socket's send buffer fills, only the next
 * PROBE_BYTES go through Node, whose write callback says the socket is writable again, and
 * sendfile goes on after them. Only TLS sockets (none yet) and sockets with queued Node writes
 * take the copying path for a whole frame.
 */
import type { Socket } from 'node:net'
import { TLSSocket } from 'node:tls'

/** Anything the protocol Writer accepted as an external chunk (a storage read plan). */
export interface ExternalChunk {
  readonly byteLength: number
}

export interface ResponseFrame {
  /** The whole frame in order, starting with its 4-byte size prefix. */
  readonly chunks: ReadonlyArray<Buffer | ExternalChunk>
}

/** How frames with external chunks reach a socket; storage provides it (sendfile, mmap views). */
export interface FileTransfer {
  /**
   * Writes `parts` from byte `skip` on to the non-blocking socket `fd`, Buffers with writev and
   * external chunks with sendfile, until done or the socket would block; returns the bytes written.
   */
  writeToFd(fd: number, parts: ReadonlyArray<Buffer | ExternalChunk>, skip: number): number
  /** Zero-copy Buffer views of an external chunk's bytes, in order. */
  views(chunk: ExternalChunk): Buffer[]
}

let fileTransfer: FileTransfer | null = null

/**
 * Bytes written through Node after sendfile met a full socket. Over 20 fetch rounds of the broker
 * bench each (2 cores, loopback), 64 KiB gave a median 0.19 broker CPU-s/GB against 0.215 for
 * copying the whole rest and 0.215 (mean 0.29, more wake-ups) for a 1-byte probe.
 */
const PROBE_BYTES = 64 * 1024

/**
 * Installs how frames with external chunks are transmitted. The broker installs storage's
 * sendfile transfer at start; keeping the hook here keeps this module free of the addon.
 */
export function setFileTransfer(transfer: FileTransfer): void {
  fileTransfer = transfer
}

interface StreamHandle {
  fd?: number
  writeQueueSize?: number
}

/**
 * The socket's descriptor when bytes may be written to it directly: plain TCP, open, with
 * nothing queued in Node or libuv (direct bytes would overtake queued ones).
 */
function directFd(socket: Socket): number | undefined {
  if (socket instanceof TLSSocket || socket.destroyed || !socket.writable || socket.writableLength > 0) return undefined
  const handle = (socket as unknown as { _handle?: StreamHandle | null })._handle
  const fd = handle?.fd
  if (typeof fd !== 'number' || fd < 0 || (handle?.writeQueueSize ?? 0) > 0) return undefined
  return fd
}

function byteLength(chunks: ReadonlyArray<Buffer | ExternalChunk>): number {
  let total = 0
  for (let i = 0; i < chunks.length; i++) total += chunks[i]!.byteLength
  return total
}

/** Buffers covering `chunks` from byte `skip` on (views, no copies), at most `limit` bytes. */
function buffersFrom(transfer: FileTransfer, chunks: ReadonlyArray<Buffer | ExternalChunk>, skip: number, limit = Infinity): Buffer[] {
  const out: Buffer[] = []
  let left = limit
  for (const chunk of chunks) {
    if (left <= 0) break
    if (skip >= chunk.byteLength) {
      skip -= chunk.byteLength
      continue
    }
    const buffers = Buffer.isBuffer(chunk) ? [chunk] : transfer.views(chunk)
    for (const buffer of buffers) {
      if (left <= 0) break
      if (skip >= buffer.length) {
        skip -= buffer.length
        continue
      }
      const view = buffer.subarray(skip, skip + Math.min(left, buffer.length - skip))
      skip = 0
      left -= view.length
      out.push(view)
    }
  }
  return out
}

/**
 * Writes the frame. Returns true when the caller may write the next one now; false when it must
 * wait until `onWritable` is called (once): Node's buffer for the socket is over its high-water
 * mark, or a file transfer is waiting for the socket to drain before it goes on.
 */
export function writeResponseFrame(socket: Socket, frame: ResponseFrame, onWritable: () => void): boolean {
  const chunks = frame.chunks
  let external = false
  for (let i = 0; i < chunks.length; i++) {
    if (!Buffer.isBuffer(chunks[i])) {
      external = true
      break
    }
  }
  if (!external) {
    for (let i = 0; i < chunks.length; i++) socket.write(chunks[i] as Buffer)
    return afterNodeWrites(socket, onWritable)
  }
  if (fileTransfer === null) throw new Error('writeResponseFrame: a frame has file chunks but no file transfer is installed')
  // Flush what earlier responses corked, so the transfer starts on an empty socket queue.
  const corked = socket.writableCorked > 0
  if (corked) socket.uncork()
  try {
    return transferFrom(fileTransfer, socket, chunks, byteLength(chunks), 0, onWritable)
  } finally {
    if (corked && !socket.destroyed) socket.cork()
  }
}

function afterNodeWrites(socket: Socket, onWritable: () => void): boolean {
  if (!socket.writableNeedDrain) return true
  socket.once('drain', onWritable)
  return false
}

/**
 * Sends `chunks` from byte `sent` on: directly while the kernel takes bytes, then a little
 * through Node to learn when it takes more. Returns true if everything was sent now.
 */
function transferFrom(
  transfer: FileTransfer,
  socket: Socket,
  chunks: ReadonlyArray<Buffer | ExternalChunk>,
  total: number,
  sent: number,
  onWritable: () => void,
): boolean {
  try {
    const fd = directFd(socket)
    if (fd === undefined) {
      if (socket.destroyed) return true
      for (const buffer of buffersFrom(transfer, chunks, sent)) socket.write(buffer)
      return afterNodeWrites(socket, onWritable)
    }
    sent += transfer.writeToFd(fd, chunks, sent)
    if (sent === total) return true
    const [probe] = buffersFrom(transfer, chunks, sent, PROBE_BYTES)
    sent += probe!.length
    socket.write(probe!, (error) => {
      if (error !== undefined && error !== null) return
      if (sent === total || transferFrom(transfer, socket, chunks, total, sent, onWritable)) onWritable()
    })
    return false
  } catch (error) {
    // The peer went away (EPIPE, reset) or the segment was truncated under the read: either way
    // this response cannot be completed, so the connection goes, as Kafka closes it.
    socket.destroy(error as Error)
    return true
  }
}
