// The web console's files (src/gateway/console/ui: HTML, CSS, plain ES modules) are served as they
// are, with no bundler; tsc does not copy non-TypeScript files, so the build puts them beside the
// compiled gateway in dist/, which is what the published package carries.
import { cpSync, rmSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
const target = join(root, 'dist', 'src', 'gateway', 'console', 'ui')
rmSync(target, { recursive: true, force: true })
cpSync(join(root, 'src', 'gateway', 'console', 'ui'), target, { recursive: true })
