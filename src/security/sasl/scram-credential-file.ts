/**
 * The single broker's SCRAM credentials: `<log dir>/samsa-scram-credentials.json`,
 *
 *   {"version":1,"users":{"alice":{"SCRAM-SHA-512":{"salt":"…","iterations":8192,"storedKey":"…","serverKey":"…"}}}}
 *
 * beside samsa-metadata.json rather than inside it, so `samsa user add` can write it before the
 * first start (as `kafka-storage format --add-scram` does) without knowing the topic metadata's
 * format, and a credential change never rewrites the topic table. Replaced atomically (temp
 * file, fsync, rename) on every change; changes run one at a time and become visible to lookups
 * only once durable. The file holds salts and derived keys, never a password; it is still
 * written with mode 0600, because StoredKey and ServerKey are what an offline guesser would want.
 */
import { mkdir, open, readFile, rename } from 'node:fs/promises'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { ErrorCodes, SamsaError } from '../../common/errors.js'
import { type ScramCredential, type ScramMechanismName, SCRAM_MECHANISMS } from './scram-credential.js'
import {
  type ScramCredentialChange,
  type ScramCredentialStore,
  type ScramUserDescription,
  type StoredScramCredential,
  fromStored,
  toStored,
} from './scram-credential-store.js'

export const SCRAM_CREDENTIALS_FILE = 'samsa-scram-credentials.json'

type Table = ReadonlyMap<string, ReadonlyMap<ScramMechanismName, ScramCredential>>

export class FileScramCredentialStore implements ScramCredentialStore {
  readonly #path: string
  #table: Table
  #queue: Promise<void> = Promise.resolve()

  private constructor(path: string, table: Table) {
    this.#path = path
    this.#table = table
  }

  /** Opens the file in `dir` (an absent file is an empty store). Throws SAMSA_CONFIG on a corrupt one. */
  static async open(dir: string): Promise<FileScramCredentialStore> {
    await mkdir(dir, { recursive: true })
    const path = join(dir, SCRAM_CREDENTIALS_FILE)
    let text: string | null = null
    try {
      text = await readFile(path, 'utf8')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
    }
    return new FileScramCredentialStore(path, text === null ? new Map() : parseTable(text, path))
  }

  /** Reads the file once, for tools that only list (an absent file is an empty store). */
  static readSync(dir: string): ScramUserDescription[] {
    const path = join(dir, SCRAM_CREDENTIALS_FILE)
    let text: string
    try {
      text = readFileSync(path, 'utf8')
    } catch {
      return []
    }
    return describe(parseTable(text, path))
  }

  credential(user: string, mechanism: ScramMechanismName): ScramCredential | undefined {
    return this.#table.get(user)?.get(mechanism)
  }

  users(): ScramUserDescription[] {
    return describe(this.#table)
  }

  alter(changes: readonly ScramCredentialChange[]): Promise<void> {
    const run = this.#queue.then(async () => {
      const next = new Map<string, Map<ScramMechanismName, ScramCredential>>()
      for (const [user, byMechanism] of this.#table) next.set(user, new Map(byMechanism))
      for (const change of changes) {
        const byMechanism = next.get(change.user) ?? new Map<ScramMechanismName, ScramCredential>()
        if (change.credential === null) byMechanism.delete(change.mechanism)
        else byMechanism.set(change.mechanism, change.credential)
        if (byMechanism.size === 0) next.delete(change.user)
        else next.set(change.user, byMechanism)
      }
      await this.#write(next)
      this.#table = next
    })
    this.#queue = run.catch(() => undefined)
    return run
  }

  close(): void {}

  async #write(table: Table): Promise<void> {
    const users: Record<string, Record<string, StoredScramCredential>> = {}
    for (const [user, byMechanism] of [...table].sort(([a], [b]) => (a < b ? -1 : 1))) {
      users[user] = Object.fromEntries([...byMechanism].map(([mechanism, credential]) => [mechanism, toStored(credential)]))
    }
    const temp = `${this.#path}.tmp`
    const handle = await open(temp, 'w', 0o600)
    try {
      await handle.writeFile(JSON.stringify({ version: 1, users }, null, 2) + '\n')
      await handle.sync()
    } finally {
      await handle.close()
    }
    await rename(temp, this.#path)
  }
}

function parseTable(text: string, path: string): Table {
  let body: { version?: unknown; users?: unknown }
  try {
    body = JSON.parse(text) as typeof body
  } catch (error) {
    throw new SamsaError(ErrorCodes.CONFIG, `${path} is not valid JSON (${(error as Error).message}); restore it or remove it to start without SCRAM users.`)
  }
  if (body.version !== 1 || typeof body.users !== 'object' || body.users === null) {
    throw new SamsaError(ErrorCodes.CONFIG, `${path} is not a Samsa SCRAM credential file (version 1).`)
  }
  const table = new Map<string, Map<ScramMechanismName, ScramCredential>>()
  for (const [user, byMechanism] of Object.entries(body.users as Record<string, Record<string, unknown>>)) {
    const credentials = new Map<ScramMechanismName, ScramCredential>()
    for (const mechanism of SCRAM_MECHANISMS) {
      const raw = byMechanism?.[mechanism]
      if (raw === undefined) continue
      const credential = fromStored(raw)
      if (credential === undefined) throw new SamsaError(ErrorCodes.CONFIG, `${path}: the ${mechanism} credential of user '${user}' is malformed.`)
      credentials.set(mechanism, credential)
    }
    if (credentials.size > 0) table.set(user, credentials)
  }
  return table
}

function describe(table: Table): ScramUserDescription[] {
  return [...table]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([user, byMechanism]) => ({
      user,
      credentials: [...byMechanism].map(([mechanism, credential]) => ({ mechanism, iterations: credential.iterations })),
    }))
}
