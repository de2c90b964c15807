/**
 * Puts one encoded response frame on a socket.
 *
 * A frame is the protocol Writer's output: Buffers (size prefix, header, response fields) and,
 * for Fetch, external chunks that stand for record bytes still in segment files. Frames of
 * Buffers only are written with socket.write (the caller corks, so a burst becomes one writev).
 * Frames with file chunks go to storage's transfer, which uses sendfile when nothing is queued on
 * the socket and zero-copy mmap views through Node otherwise.
 */
import type { Socket } from 'node:net'

/** Anything the protocol Writer accepted as an external chunk (a storage read plan). */
export interface ExternalChunk {
  readonly byteLength: number
}

export interface ResponseFrame {
  /** The whole frame in order, starting with its 4-byte size prefix. */
  readonly chunks: ReadonlyArray<Buffer | ExternalChunk>
}

export type ExternalTransfer = (socket: Socket, chunks: ReadonlyArray<Buffer | ExternalChunk>) => void

let transferExternal: ExternalTransfer | null = null

/**
 * Installs how frames with external chunks are transmitted. The broker installs storage's
 * sendfile transfer at start; keeping the hook here keeps this module free of the addon.
 */
export function setExternalTransfer(transfer: ExternalTransfer): void {
  transferExternal = transfer
}

/** Writes the frame; returns false when the socket's buffer is full and 'drain' should be awaited. */
export function writeResponseFrame(socket: Socket, frame: ResponseFrame): boolean {
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
    return !socket.writableNeedDrain
  }
  if (transferExternal === null) {
    throw new Error('writeResponseFrame: a frame has file chunks but no external transfer is installed')
  }
  // Flush what earlier responses corked, so sendfile can start on an empty socket queue.
  if (socket.writableCorked > 0) {
    socket.uncork()
    transferExternal(socket, chunks)
    socket.cork()
  } else {
    transferExternal(socket, chunks)
  }
  return !socket.writableNeedDrain
}
