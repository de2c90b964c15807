/**
 * Puts one encoded response frame on a socket.
 *
 * A frame is the protocol Writer's output: Buffers (size prefix, header, response fields) and,
 * for Fetch, external chunks that stand for record bytes still in segment files. Frames of
 * Buffers only are written with socket.write (the caller corks, so a burst becomes one writev).
 * Frames with file chunks go to the file transfer the listener was given (storage's
 * transferResumable: sendfile straight to the socket's descriptor, resumed after the socket
 * drains), which keeps this module free of the addon and lets two brokers in one process each
 * bring their own.
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

/**
 * Sends a frame with external chunks. Returns true when the next frame may be written now;
 * false when nothing may be written to the socket until `onWritable` is called (once).
 */
export type FileTransfer = (socket: Socket, chunks: ReadonlyArray<Buffer | ExternalChunk>, onWritable: () => void) => boolean

/**
 * Writes the frame. Returns true when the caller may write the next one now; false when it must
 * wait until `onWritable` is called (once): Node's buffer for the socket is over its high-water
 * mark, or a file transfer is waiting for the socket to drain before it goes on.
 */
export function writeResponseFrame(socket: Socket, frame: ResponseFrame, onWritable: () => void, fileTransfer: FileTransfer | null): boolean {
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
  if (fileTransfer === null) throw new Error('writeResponseFrame: a frame has file chunks but the listener was given no file transfer')
  // Flush what earlier responses corked, so the transfer starts on an empty socket queue.
  const corked = socket.writableCorked > 0
  if (corked) socket.uncork()
  try {
    return fileTransfer(socket, chunks, onWritable)
  } finally {
    if (corked && !socket.destroyed) socket.cork()
  }
}

function afterNodeWrites(socket: Socket, onWritable: () => void): boolean {
  if (!socket.writableNeedDrain) return true
  socket.once('drain', onWritable)
  return false
}
