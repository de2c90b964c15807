/**
 * The one module that imports uWebSockets.js. The rest of the gateway sees only the small surface
 * below (routes, exchanges, WebSocket sessions), which also hides uWS's sharp edges:
 *
 * - `HttpRequest` lives only during the route callback: everything a handler may need later
 *   (method, path, query, route parameters, headers, remote address) is copied up front. A route
 *   that declares what it reads (`RouteOptions.reads`) gets only that copied: on a busy
 *   gateway the copies were a tenth of the broker's allocations (bench:http, see `reads`).
 * - An `HttpResponse` must not be touched after the client aborted or after it was ended: every
 *   write goes through `respond`, which checks, and corks (required after an `await`).
 * - `onData` chunks are neutered when the callback returns, so bodies are copied as they arrive,
 *   and refused once they pass the route's limit.
 * - uSockets binds with SO_REUSEPORT by default, which would let two brokers share port 8082 and
 *   split its traffic; `listen` asks for the port exclusively so a busy port is an error.
 * - `WebSocket.send` returns 0 (queued, will drain), 1 (sent) or 2 (dropped over maxBackpressure);
 *   callers get that as a word and are expected to stop producing on 'queued' until `drain`.
 *
 * The dependency is an npm republish of uWebSockets.js (`@trufflesuite/uws-js-unofficial`, aliased
 * as `uWebSockets.js` in package.json), since the official builds are published only on GitHub.
 * Its loader silently falls back to a slow `ws`-based implementation when the binary does not
 * load; `nativeHttpServer` says which one is in use and the gateway logs it.
 */
import uws from 'uWebSockets.js'
import { ANONYMOUS, type KafkaPrincipal } from '../common/kafka-principal.js'

/**
 * What the native binary (v20.30) has and the package's typings, older than it, do not declare:
 * `App.close()` and `listen(host, port, options, cb)`.
 */
type NativeApp = Omit<uws.TemplatedApp, 'listen'> & {
  close(): void
  listen(host: string, port: number, options: number, cb: (socket: uws.us_listen_socket | false) => void): NativeApp
}
/** uWS's LIBUS_LISTEN_EXCLUSIVE_PORT: bind without SO_REUSEPORT. */
const LISTEN_EXCLUSIVE_PORT = 1

/** True when uWS's native binary loaded (not the package's JavaScript fallback). */
export const nativeHttpServer: boolean = typeof (uws as { getParts?: unknown }).getParts === 'function'

export type HttpMethod = 'get' | 'post' | 'put' | 'del' | 'patch' | 'head' | 'options' | 'any'

/** What a handler knows about a request: copied out of uWS before the callback returned. */
export interface HttpRequestInfo {
  /** Lowercase: 'get', 'post', ... */
  readonly method: string
  /** The path, percent-decoded per segment by the router's parameters, not here. */
  readonly path: string
  /** Parsed on first use. */
  readonly query: URLSearchParams
  /** The route's `:name` parameters in order, percent-decoded. */
  readonly params: readonly string[]
  /** Lowercase header names: every header, or only those the route declared it reads. */
  readonly headers: ReadonlyMap<string, string>
  /** The client's IP address as text; '' on a route that declared it does not read it. */
  readonly remoteAddress: string
}

export type HttpHandler = (exchange: HttpExchange) => void | Promise<void>

export interface RouteOptions {
  /** Largest request body accepted, in bytes; larger ones get 413 before they are buffered. */
  readonly maxBodyBytes?: number
  /**
   * What the handler reads from the request beyond method, path, query and parameters: the
   * headers (lowercase names; a header sent empty reads as absent) and whether the remote
   * address. Only these are copied out of uWS; by default every header and the address are.
   * A hot route should declare it: copying every header into a Map and decoding the address cost
   * about 1 KB of garbage per request, a tenth of what a loaded gateway allocated
   * (bench:http, sampled with the inspector's heap profiler).
   */
  readonly reads?: RequestReads
}

export interface RequestReads {
  readonly headers: readonly string[]
  readonly remoteAddress?: boolean
}

/**
 * Who may use the HTTP routes (gateway.auth=basic): the principal an Authorization header names,
 * or null to refuse the request with 401.
 */
export interface HttpAuthenticator {
  authenticate(authorization: string | undefined): KafkaPrincipal | null
  /** Paths served without authentication (health checks). */
  isPublic(path: string): boolean
  /** The WWW-Authenticate challenge sent with a 401. */
  readonly challenge: string
}

/** One request and its response. */
export class HttpExchange {
  readonly request: HttpRequestInfo
  /** Who sent it: the authenticated user with gateway.auth=basic, else User:ANONYMOUS. */
  principal: KafkaPrincipal = ANONYMOUS
  readonly #res: uws.HttpResponse
  #done = false
  #abortListeners: Array<() => void> | null = null
  #body: Promise<Buffer> | null = null
  readonly #maxBodyBytes: number
  /**
   * True while uWS's route callback runs: uWS corks the socket for the callback itself, so a
   * response sent then is written directly, without a cork callback of its own.
   */
  #inRouteCallback = true

  /** @internal built by HttpServer */
  constructor(res: uws.HttpResponse, request: HttpRequestInfo, maxBodyBytes: number) {
    this.#res = res
    this.request = request
    this.#maxBodyBytes = maxBodyBytes
    // uWS requires an abort handler on any response not ended synchronously; exactly one.
    res.onAborted(() => {
      this.#done = true
      const listeners = this.#abortListeners
      this.#abortListeners = null
      if (listeners !== null) for (const listener of listeners) listener()
    })
  }

  /** @internal HttpServer calls this when the route callback returns. */
  routeCallbackReturned(): void {
    this.#inRouteCallback = false
  }

  /** The client went away or the response was sent: nothing more may be written. */
  get finished(): boolean {
    return this.#done
  }

  /** Runs `listener` if the client disconnects before the response is sent. */
  onAbort(listener: () => void): void {
    if (this.#done) return
    ;(this.#abortListeners ??= []).push(listener)
  }

  /**
   * The request body, whole. Rejects with a BodyTooLargeError once it passes the route's limit
   * (or the declared Content-Length does), without buffering the rest. Call it at most once,
   * synchronously within the route callback or later: uWS buffers nothing, so reading starts when
   * the handler is called.
   */
  body(): Promise<Buffer> {
    return (this.#body ??= this.#readBody())
  }

  #readBody(): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const declared = Number(this.request.headers.get('content-length') ?? Number.NaN)
      if (declared > this.#maxBodyBytes) {
        reject(new BodyTooLargeError(declared, this.#maxBodyBytes))
        return
      }
      // The chunks' memory is reused once each callback returns, so each is copied, once: into
      // a buffer of the declared length when there is one (the usual case), else into a list.
      let whole = Number.isSafeInteger(declared) && declared >= 0 ? Buffer.allocUnsafeSlow(declared) : null
      const chunks: Buffer[] = []
      let size = 0
      let refused = false
      this.#res.onData((chunk, isLast) => {
        if (refused) return
        const end = size + chunk.byteLength
        if (end > this.#maxBodyBytes) {
          refused = true
          reject(new BodyTooLargeError(end, this.#maxBodyBytes))
          return
        }
        if (whole !== null && end <= whole.length) whole.set(new Uint8Array(chunk), size)
        else {
          // No Content-Length (chunked), or more than it said: keep copies of the chunks.
          if (whole !== null) chunks.push(whole.subarray(0, size))
          whole = null
          chunks.push(Buffer.from(chunk.slice(0)))
        }
        size = end
        if (isLast) resolve(whole !== null ? whole.subarray(0, size) : chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size))
      })
      this.onAbort(() => reject(new Error('the client disconnected before sending the whole body')))
    })
  }

  /**
   * Sends the response unless the client is gone; returns whether it was sent. Safe after an
   * `await` (it corks) and safe to call twice (the second call does nothing).
   */
  respond(status: number, body: string | Uint8Array, headers: Readonly<Record<string, string>> = NO_HEADERS): boolean {
    if (this.#done) return false
    this.#done = true
    this.#abortListeners = null
    const write = (): void => {
      this.#res.writeStatus(statusLine(status))
      for (const name in headers) this.#res.writeHeader(name, headers[name]!)
      this.#res.end(body)
    }
    if (this.#inRouteCallback) write()
    else this.#res.cork(write)
    return true
  }

  /**
   * Sends `body`, already JSON (a body encoded once and served many times is best passed as
   * UTF-8 bytes), with `contentType`; as `respond` otherwise.
   */
  respondJson(status: number, body: string | Uint8Array, contentType = 'application/json'): boolean {
    if (this.#done) return false
    this.#done = true
    this.#abortListeners = null
    if (this.#inRouteCallback) this.#writeJson(status, body, contentType)
    else this.#res.cork(() => this.#writeJson(status, body, contentType))
    return true
  }

  #writeJson(status: number, body: string | Uint8Array, contentType: string): void {
    this.#res.writeStatus(statusLine(status))
    this.#res.writeHeader('content-type', contentType)
    this.#res.end(body)
  }

  /** JSON response with `contentType` (the REST Proxy's own types by default). */
  json(status: number, value: unknown, contentType = 'application/json'): boolean {
    return this.respondJson(status, JSON.stringify(value), contentType)
  }
}

/** A request body over the route's limit. */
export class BodyTooLargeError extends Error {
  readonly size: number
  readonly limit: number
  constructor(size: number, limit: number) {
    super(`The request body (${size} bytes or more) is over the limit of ${limit} bytes.`)
    this.name = 'BodyTooLargeError'
    this.size = size
    this.limit = limit
  }
}

export type SendResult = 'sent' | 'queued' | 'dropped'

/** One WebSocket connection, valid from `open` to `close`. */
export interface WebSocketSession<State> {
  readonly state: State
  readonly remoteAddress: string
  /** Sends one message; 'queued' means it is buffered and the caller should wait for `drain`. */
  send(message: string | Uint8Array, binary: boolean): SendResult
  /** Bytes waiting in the socket's send buffer. */
  readonly bufferedAmount: number
  /** Packs the sends made inside `fn` into as few syscalls as possible. */
  cork(fn: () => void): void
  /** Closes with a WebSocket close code and a short reason. */
  end(code: number, reason: string): void
  readonly closed: boolean
}

/** An upgrade answered with an HTTP error: `{"error_code": errorCode ?? refuse, "message": message}`. */
export interface UpgradeRefusal {
  readonly refuse: number
  readonly message: string
  readonly errorCode?: number
}

export interface WebSocketRoute<State> {
  /** Largest message accepted from the client; larger closes the connection (1009). */
  readonly maxPayloadLength: number
  /** Bytes buffered per socket before sends are dropped; streams stop well before this. */
  readonly maxBackpressure: number
  /** Seconds without traffic before uWS closes the socket; 0 disables (pings keep it alive). */
  readonly idleTimeoutSeconds: number
  /**
   * Decides whether to accept the upgrade: the session state, or an HTTP status and message to
   * refuse it with (and the error body's code, the status by default). May be async (the request
   * is copied first).
   */
  upgrade(request: HttpRequestInfo): State | UpgradeRefusal | Promise<State | UpgradeRefusal>
  open(session: WebSocketSession<State>): void
  /** A message from the client; `data` is a copy the handler may keep. */
  message(session: WebSocketSession<State>, data: Buffer, binary: boolean): void
  /** The send buffer drained below uWS's threshold: resume sending. */
  drain(session: WebSocketSession<State>): void
  close(session: WebSocketSession<State>, code: number, reason: string): void
}

/** uWS's per-socket user data: what the upgrade decided, then the session made at open. */
interface Holder<State> {
  readonly state: State
  readonly remoteAddress: string
  session: Session<State> | null
}

class Session<State> implements WebSocketSession<State> {
  readonly state: State
  readonly remoteAddress: string
  readonly #ws: uws.WebSocket<Holder<State>>
  closed = false

  constructor(ws: uws.WebSocket<Holder<State>>, state: State, remoteAddress: string) {
    this.#ws = ws
    this.state = state
    this.remoteAddress = remoteAddress
  }

  send(message: string | Uint8Array, binary: boolean): SendResult {
    if (this.closed) return 'dropped'
    const result = this.#ws.send(message, binary)
    return result === 1 ? 'sent' : result === 0 ? 'queued' : 'dropped'
  }

  get bufferedAmount(): number {
    return this.closed ? 0 : this.#ws.getBufferedAmount()
  }

  cork(fn: () => void): void {
    if (this.closed) return
    this.#ws.cork(fn)
  }

  end(code: number, reason: string): void {
    if (this.closed) return
    this.#ws.end(code, reason)
  }
}

/** PEM files for an HTTPS server. */
export interface HttpsOptions {
  readonly certificateChainFile: string
  readonly keyFile: string
  /** For an encrypted private key; null when it is not encrypted. */
  readonly keyPassword: string | null
}

/** An HTTP and WebSocket server on uWS. */
export class HttpServer {
  readonly #app: NativeApp
  readonly #sessions = new Set<Session<unknown>>()
  #closed = false
  readonly #onError: (error: unknown, request: HttpRequestInfo) => void
  #authenticator: HttpAuthenticator | null = null

  /**
   * `onError` hears what a handler threw; the client has already been sent a 500. With `tls`, the
   * server speaks HTTPS (and WSS): uSockets loads the certificate chain and the private key from
   * PEM files, which may be one file holding both (Kafka's PEM key store).
   */
  constructor(onError: (error: unknown, request: HttpRequestInfo) => void, tls: HttpsOptions | null = null) {
    this.#app = (tls === null
      ? uws.App()
      : uws.SSLApp({ cert_file_name: tls.certificateChainFile, key_file_name: tls.keyFile, ...(tls.keyPassword !== null && { passphrase: tls.keyPassword }) })) as unknown as NativeApp
    this.#onError = onError
  }

  /**
   * Requires authentication on every route but the authenticator's public ones, from now on
   * (routes registered earlier included). Set before the routes that need it are served.
   */
  requireAuthentication(authenticator: HttpAuthenticator): void {
    this.#authenticator = authenticator
  }

  route(method: HttpMethod, pattern: string, handler: HttpHandler, options: RouteOptions = {}): this {
    const maxBodyBytes = options.maxBodyBytes ?? 1024 * 1024
    const paramCount = (pattern.match(/:[^/]+/g) ?? []).length
    // body() reads Content-Length, and authentication Authorization, so a route that declares
    // its headers gets both too.
    const reads = options.reads === undefined ? null : { ...options.reads, headers: [...new Set([...options.reads.headers, 'content-length', 'authorization'])] }
    this.#app[method](pattern, (res, req) => {
      const exchange = new HttpExchange(res, copyRequest(res, req, paramCount, reads), maxBodyBytes)
      const authenticator = this.#authenticator
      if (authenticator !== null && !authenticator.isPublic(exchange.request.path)) {
        const principal = authenticator.authenticate(exchange.request.headers.get('authorization'))
        if (principal === null) {
          exchange.respond(401, JSON.stringify({ error_code: 40101, message: 'Authentication required: send HTTP Basic credentials of a SASL (PLAIN or SCRAM) user.' }), {
            'content-type': 'application/json',
            'www-authenticate': authenticator.challenge,
          })
          exchange.routeCallbackReturned()
          return
        }
        exchange.principal = principal
      }
      try {
        const result = handler(exchange)
        if (result !== undefined) result.catch((error: unknown) => this.#fail(exchange, error))
      } catch (error) {
        this.#fail(exchange, error)
      }
      exchange.routeCallbackReturned()
    })
    return this
  }

  #fail(exchange: HttpExchange, error: unknown): void {
    this.#onError(error, exchange.request)
    exchange.json(500, { error_code: 500, message: `Internal error: ${error instanceof Error ? error.message : String(error)}` })
  }

  webSocket<State>(pattern: string, route: WebSocketRoute<State>): this {
    const paramCount = (pattern.match(/:[^/]+/g) ?? []).length
    this.#app.ws<Holder<State>>(pattern, {
      maxPayloadLength: route.maxPayloadLength,
      maxBackpressure: route.maxBackpressure,
      idleTimeout: route.idleTimeoutSeconds,
      sendPingsAutomatically: true,
      upgrade: (res, req, context) => {
        const request = copyRequest(res, req, paramCount, null)
        const key = req.getHeader('sec-websocket-key')
        const protocol = req.getHeader('sec-websocket-protocol')
        const extensions = req.getHeader('sec-websocket-extensions')
        let aborted = false
        res.onAborted(() => {
          aborted = true
        })
        const finish = (decision: State | UpgradeRefusal): void => {
          if (aborted) return
          res.cork(() => {
            if (isRefusal(decision)) {
              res.writeStatus(statusLine(decision.refuse))
              res.writeHeader('content-type', 'application/json')
              res.end(JSON.stringify({ error_code: decision.errorCode ?? decision.refuse, message: decision.message }))
            } else {
              const holder: Holder<State> = { state: decision, remoteAddress: request.remoteAddress, session: null }
              res.upgrade(holder, key, protocol, extensions, context)
            }
          })
        }
        const authenticator = this.#authenticator
        if (authenticator !== null && !authenticator.isPublic(request.path) && authenticator.authenticate(request.headers.get('authorization')) === null) {
          finish({ refuse: 401, errorCode: 40101, message: 'Authentication required: send HTTP Basic credentials of a SASL (PLAIN or SCRAM) user.' })
          return
        }
        Promise.resolve()
          .then(() => route.upgrade(request))
          .then(finish, (error: unknown) => {
            this.#onError(error, request)
            finish({ refuse: 500, message: `Internal error: ${error instanceof Error ? error.message : String(error)}` })
          })
      },
      open: (ws) => {
        const holder = ws.getUserData()
        const session = new Session(ws, holder.state, holder.remoteAddress)
        holder.session = session
        this.#sessions.add(session as Session<unknown>)
        route.open(session)
      },
      message: (ws, message, isBinary) => {
        const copy = Buffer.from(new Uint8Array(message).slice())
        route.message(ws.getUserData().session!, copy, isBinary)
      },
      drain: (ws) => route.drain(ws.getUserData().session!),
      close: (ws, code, message) => {
        const session = ws.getUserData().session!
        session.closed = true
        this.#sessions.delete(session as Session<unknown>)
        route.close(session, code, Buffer.from(message).toString('utf8'))
      },
    })
    return this
  }

  /** Binds host:port exclusively; resolves with the bound port. */
  listen(host: string, port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      this.#app.listen(host, port, LISTEN_EXCLUSIVE_PORT, (socket) => {
        if (socket === false) {
          reject(new Error(`cannot listen on ${host}:${port}`))
          return
        }
        resolve(uws.us_socket_local_port(socket))
      })
    })
  }

  /** Open WebSocket sessions (for metrics). */
  get webSocketCount(): number {
    return this.#sessions.size
  }

  /** Stops listening and closes every connection, HTTP and WebSocket, at once. */
  close(): void {
    if (this.#closed) return
    this.#closed = true
    // App.close (uWS ≥ 20.x) closes the listen socket and all open sockets; closing only the listen
    // socket would leave keep-alive connections holding the process for their idle timeout.
    this.#app.close()
  }
}

function isRefusal(value: unknown): value is UpgradeRefusal {
  return value !== null && typeof value === 'object' && typeof (value as { refuse?: unknown }).refuse === 'number'
}

const NO_HEADERS: Readonly<Record<string, string>> = Object.freeze({})
const NO_PARAMS: readonly string[] = Object.freeze([])

/** A request's copy; the query string is kept as text and parsed only if a handler asks. */
class CopiedRequest implements HttpRequestInfo {
  readonly method: string
  readonly path: string
  readonly params: readonly string[]
  readonly headers: ReadonlyMap<string, string>
  readonly remoteAddress: string
  readonly #queryText: string
  #query: URLSearchParams | null = null

  constructor(method: string, path: string, queryText: string, params: readonly string[], headers: ReadonlyMap<string, string>, remoteAddress: string) {
    this.method = method
    this.path = path
    this.#queryText = queryText
    this.params = params
    this.headers = headers
    this.remoteAddress = remoteAddress
  }

  get query(): URLSearchParams {
    return (this.#query ??= new URLSearchParams(this.#queryText))
  }
}

/**
 * The headers a route declared it reads: their values beside the route's shared list of names
 * (lighter than a Map per request). Absent headers are left out.
 */
class DeclaredHeaders implements ReadonlyMap<string, string> {
  readonly #names: readonly string[]
  readonly #values: ReadonlyArray<string | undefined>

  constructor(names: readonly string[], values: ReadonlyArray<string | undefined>) {
    this.#names = names
    this.#values = values
  }

  get(name: string): string | undefined {
    const index = this.#names.indexOf(name)
    return index < 0 ? undefined : this.#values[index]
  }

  has(name: string): boolean {
    return this.get(name) !== undefined
  }

  get size(): number {
    let size = 0
    for (const value of this.#values) if (value !== undefined) size++
    return size
  }

  *entries(): MapIterator<[string, string]> {
    for (let i = 0; i < this.#names.length; i++) if (this.#values[i] !== undefined) yield [this.#names[i]!, this.#values[i]!]
  }

  *keys(): MapIterator<string> {
    for (const [name] of this.entries()) yield name
  }

  *values(): MapIterator<string> {
    for (const [, value] of this.entries()) yield value
  }

  [Symbol.iterator](): MapIterator<[string, string]> {
    return this.entries()
  }

  forEach(callback: (value: string, name: string, map: ReadonlyMap<string, string>) => void): void {
    for (const [name, value] of this.entries()) callback(value, name, this)
  }
}

function copyRequest(res: uws.HttpResponse, req: uws.HttpRequest, paramCount: number, reads: RequestReads | null): HttpRequestInfo {
  let headers: ReadonlyMap<string, string>
  if (reads === null) {
    const all = new Map<string, string>()
    req.forEach((name, value) => all.set(name, value))
    headers = all
  } else {
    const values: Array<string | undefined> = new Array(reads.headers.length)
    for (let i = 0; i < reads.headers.length; i++) {
      // uWS answers '' for a missing header.
      const value = req.getHeader(reads.headers[i]!)
      values[i] = value === '' ? undefined : value
    }
    headers = new DeclaredHeaders(reads.headers, values)
  }
  let params = NO_PARAMS
  if (paramCount > 0) {
    const decoded: string[] = []
    for (let i = 0; i < paramCount; i++) decoded.push(safeDecode(req.getParameter(i)))
    params = decoded
  }
  const remoteAddress = reads === null || reads.remoteAddress === true ? Buffer.from(res.getRemoteAddressAsText()).toString('utf8') : ''
  return new CopiedRequest(req.getMethod(), req.getUrl(), req.getQuery() ?? '', params, headers, remoteAddress)
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text)
  } catch {
    return text
  }
}

const reasons: Record<number, string> = {
  200: 'OK', 201: 'Created', 204: 'No Content', 207: 'Multi-Status', 301: 'Moved Permanently', 304: 'Not Modified',
  400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed',
  406: 'Not Acceptable', 408: 'Request Timeout', 409: 'Conflict', 413: 'Payload Too Large', 415: 'Unsupported Media Type',
  422: 'Unprocessable Entity', 429: 'Too Many Requests', 500: 'Internal Server Error', 503: 'Service Unavailable', 504: 'Gateway Timeout',
}

/** Status lines built once each, not per response. */
const statusLines = new Map<number, string>()

function statusLine(status: number): string {
  let line = statusLines.get(status)
  if (line === undefined) statusLines.set(status, (line = `${status} ${reasons[status] ?? 'Status'}`))
  return line
}
