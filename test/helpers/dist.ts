/**
 * Test helper for tests that run compiled code in child processes (plain `node`, which cannot
 * load TypeScript): makes sure dist/ is at least as new as src/storage, compiling with
 * `tsc -p tsconfig.json` (what `npm run build:ts` runs) when it is not.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..')

function newestMtime(dir: string): number {
  return Math.max(0, ...readdirSync(dir).map((name) => statSync(join(dir, name)).mtimeMs))
}

export function ensureDistBuilt(): void {
  const entry = join(repoRoot, 'dist', 'src', 'storage', 'index.js')
  if (existsSync(entry) && statSync(entry).mtimeMs >= newestMtime(join(repoRoot, 'src', 'storage'))) return
  execFileSync(process.execPath, [join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], {
    cwd: repoRoot,
    stdio: 'inherit',
  })
}
