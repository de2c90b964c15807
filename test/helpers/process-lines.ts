/**
 * A child process's output as whole lines: the Java and Go programs under test print one event
 * per line, and a chunk of output may end in the middle of one.
 */
import type { Readable } from 'node:stream'

/** Calls `onLine` for each complete line of `stream`, then `afterChunk` once per chunk read. */
export function onLines(stream: Readable, onLine: (line: string) => void, afterChunk: () => void = () => undefined): void {
  let buffered = ''
  stream.on('data', (chunk: Buffer) => {
    buffered += chunk.toString()
    const lines = buffered.split('\n')
    buffered = lines.pop()!
    for (const line of lines) onLine(line)
    afterChunk()
  })
}
