/**
 * The console's page and assets, served from the ui/ folder beside this module (the build copies
 * src/gateway/console/ui into dist, so the published package carries it). They are read and
 * gzipped once, at start: a few tens of kilobytes, served from memory with their content type,
 * a strong ETag and `Cache-Control: no-cache`, so a browser revalidates each load (a 304 of a
 * few bytes) and never runs a stale script after an upgrade. Nothing is fetched from elsewhere.
 */
import { createHash } from 'node:crypto'
import { readFileSync, readdirSync, statSync } from 'node:fs'
import { extname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'
import type { HttpExchange } from '../uws.js'

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
  '.png': 'image/png',
}

interface StaticFile {
  readonly contentType: string
  readonly body: Buffer
  /** null when gzip does not make it smaller (images). */
  readonly gzipped: Buffer | null
  readonly etag: string
}

/** The folder the console's files are served from. */
export const UI_DIRECTORY = fileURLToPath(new URL('./ui/', import.meta.url))

export class StaticFiles {
  readonly #files = new Map<string, StaticFile>()

  /** Reads every file under `directory`, keyed by its path relative to it ('app.js', 'pages/topics.js'). */
  constructor(directory: string) {
    for (const relative of listFiles(directory, '')) {
      const body = readFileSync(join(directory, relative))
      const zipped = gzipSync(body, { level: 9 })
      this.#files.set(relative, {
        contentType: contentTypes[extname(relative)] ?? 'application/octet-stream',
        body,
        gzipped: zipped.length < body.length ? zipped : null,
        etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`,
      })
    }
  }

  has(path: string): boolean {
    return this.#files.has(path)
  }

  /** Answers with the file at `path` (relative to the folder); false when there is none. */
  serve(exchange: HttpExchange, path: string): boolean {
    const file = this.#files.get(path)
    if (file === undefined) return false
    const headers: Record<string, string> = {
      'content-type': file.contentType,
      'cache-control': 'no-cache',
      etag: file.etag,
      'x-content-type-options': 'nosniff',
    }
    if (exchange.request.headers.get('if-none-match') === file.etag) {
      exchange.respond(304, '', headers)
      return true
    }
    if (file.gzipped !== null) {
      headers.vary = 'accept-encoding'
      if (/\bgzip\b/.test(exchange.request.headers.get('accept-encoding') ?? '')) {
        headers['content-encoding'] = 'gzip'
        exchange.respond(200, file.gzipped, headers)
        return true
      }
    }
    exchange.respond(200, file.body, headers)
    return true
  }
}

function listFiles(directory: string, prefix: string): string[] {
  const files: string[] = []
  for (const name of readdirSync(join(directory, prefix)).sort()) {
    const relative = prefix === '' ? name : `${prefix}/${name}`
    if (statSync(join(directory, relative)).isDirectory()) files.push(...listFiles(directory, relative))
    else files.push(relative)
  }
  return files
}
