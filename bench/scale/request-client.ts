/**
 * One Kafka connection for the scale bench: sends a request, waits for its response and decodes
 * it, one at a time, so each request's latency is its own. Works against Samsa and Apache Kafka
 * alike (the bench speaks only the wire protocol).
 */
import { type DescribedApiKey, type RequestInputOf, type ResponseOf, decodeResponse, encodeRequest, flattenChunks } from '../../src/protocol/index.js'
import { WireConnection } from '../broker/wire-connection.js'

export class RequestClient {
  readonly #connection: WireConnection
  #correlationId = 1

  private constructor(connection: WireConnection) {
    this.#connection = connection
  }

  static async open(host: string, port: number): Promise<RequestClient> {
    return new RequestClient(await WireConnection.open(host, port))
  }

  request<K extends DescribedApiKey>(apiKey: K, apiVersion: number, body: RequestInputOf<K>): Promise<ResponseOf<K>> {
    const correlationId = this.#correlationId++
    const encoded = encodeRequest(apiKey, apiVersion, correlationId, 'samsa-bench-scale', body)
    return new Promise((resolve, reject) => {
      this.#connection.onFrame((frame) => {
        try {
          resolve(decodeResponse(apiKey, apiVersion, frame).body)
        } catch (error) {
          reject(error as Error)
        }
      })
      this.#connection.send(flattenChunks(encoded.chunks, encoded.byteLength))
    })
  }

  /** Milliseconds one request takes, response decoded. */
  async time<K extends DescribedApiKey>(apiKey: K, apiVersion: number, body: RequestInputOf<K>): Promise<number> {
    const start = performance.now()
    await this.request(apiKey, apiVersion, body)
    return performance.now() - start
  }

  close(): void {
    this.#connection.close()
  }
}

/** p50 and p99 (ms) of a list of latencies. */
export function percentiles(latenciesMs: number[]): { p50: number; p99: number; count: number } {
  const sorted = [...latenciesMs].sort((a, b) => a - b)
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))] ?? NaN
  return { p50: at(0.5), p99: at(0.99), count: sorted.length }
}
