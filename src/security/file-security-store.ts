/**
 * The single broker's SecurityStore: ACLs and client quotas in `security.json` beside the
 * broker's metadata file, rewritten whole (temp file, fsync, rename) on every change. The file
 * is small (a thousand ACLs is about 150 KB) and changes are rare admin operations, so a whole
 * rewrite is simpler than a log and costs nothing on the request path.
 *
 * Format: {"version":1,"acls":[AclBinding...],"quotas":{"user=alice":{"producer_byte_rate":1048576}}}
 *
 * Changes are applied one at a time in call order; each resolves once the file is durable.
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { ErrorCodes, SamsaError } from '../common/errors.js'
import { writeAtomically } from '../metadata/file-metadata-store.js'
import type { AclBinding } from './acl.js'
import { type ClientQuotaEntity, type QuotaKey, entityKey, isQuotaKey } from './client-quota-entity.js'
import { EMPTY_RECORDS, type SecurityRecords, quotaList, withAcls, withQuotas } from './security-records.js'
import type { QuotaChange, SecurityStore } from './security-store.js'

export const SECURITY_FILE = 'security.json'

interface SecurityFile {
  version: 1
  acls: AclBinding[]
  quotas: Record<string, Partial<Record<QuotaKey, number>>>
}

export class FileSecurityStore implements SecurityStore {
  readonly #dir: string
  readonly #listeners = new Set<() => void>()
  #records: SecurityRecords
  #writes: Promise<void> = Promise.resolve()

  private constructor(dir: string, records: SecurityRecords) {
    this.#dir = dir
    this.#records = records
  }

  /** Reads `<dir>/security.json` (none yet: no ACLs, no quotas). Throws SAMSA_CONFIG on a file that does not parse. */
  static async open(dir: string): Promise<FileSecurityStore> {
    let text: string
    try {
      text = await readFile(join(dir, SECURITY_FILE), 'utf8')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new FileSecurityStore(dir, EMPTY_RECORDS)
      throw error
    }
    let file: SecurityFile
    try {
      file = JSON.parse(text) as SecurityFile
      if (file.version !== 1 || !Array.isArray(file.acls) || typeof file.quotas !== 'object') throw new Error('unexpected shape')
    } catch (error) {
      throw new SamsaError(ErrorCodes.CONFIG, `${join(dir, SECURITY_FILE)} is not a Samsa security file (${(error as Error).message}); restore it from a backup or remove it to start without ACLs and quotas`)
    }
    let records = withAcls(EMPTY_RECORDS, file.acls, [])
    for (const [key, values] of Object.entries(file.quotas)) {
      const changes = Object.entries(values).filter(([k]) => isQuotaKey(k)).map(([k, v]) => ({ key: k as QuotaKey, value: v as number }))
      records = withQuotas(records, key, changes)
    }
    return new FileSecurityStore(dir, records)
  }

  acls(): readonly AclBinding[] {
    return [...this.#records.acls.values()]
  }

  createAcls(bindings: readonly AclBinding[]): Promise<void> {
    return this.#change((records) => withAcls(records, bindings, []))
  }

  deleteAcls(bindings: readonly AclBinding[]): Promise<void> {
    return this.#change((records) => withAcls(records, [], bindings))
  }

  quotas(): ReturnType<SecurityStore['quotas']> {
    return quotaList(this.#records)
  }

  alterQuotas(entity: ClientQuotaEntity, changes: readonly QuotaChange[]): Promise<void> {
    return this.#change((records) => withQuotas(records, entityKey(entity), changes))
  }

  onChange(listener: () => void): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  close(): void {
    this.#listeners.clear()
  }

  #change(update: (records: SecurityRecords) => SecurityRecords): Promise<void> {
    const write = this.#writes.then(async () => {
      const next = update(this.#records)
      const file: SecurityFile = { version: 1, acls: [...next.acls.values()], quotas: Object.fromEntries(next.quotas) }
      await writeAtomically(this.#dir, SECURITY_FILE, JSON.stringify(file) + '\n')
      this.#records = next
      for (const listener of this.#listeners) listener()
    })
    // A failed write fails its caller; the next change starts from the last durable state.
    this.#writes = write.catch(() => undefined)
    return write
  }
}
