/**
 * A small leveled logger writing one line per event to stderr (stdout is kept for the lines a
 * user or a supervising process reads, such as the broker's ready line).
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent'

const rank: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 }

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void
  info(message: string, fields?: Record<string, unknown>): void
  warn(message: string, fields?: Record<string, unknown>): void
  error(message: string, fields?: Record<string, unknown>): void
  child(name: string): Logger
}

export function createLogger(
  name: string,
  level: LogLevel = 'info',
  write: (line: string) => void = (line) => process.stderr.write(line),
): Logger {
  const threshold = rank[level]
  const emit = (lvl: LogLevel, message: string, fields?: Record<string, unknown>): void => {
    if (rank[lvl] < threshold) return
    let line = `${new Date().toISOString()} ${lvl.toUpperCase().padEnd(5)} ${name}: ${message}`
    if (fields !== undefined) {
      for (const [key, value] of Object.entries(fields)) {
        line += ` ${key}=${typeof value === 'string' ? JSON.stringify(value) : formatField(value)}`
      }
    }
    write(line + '\n')
  }
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    child: (child) => createLogger(`${name}.${child}`, level, write),
  }
}

function formatField(value: unknown): string {
  if (value instanceof Error) return JSON.stringify(`${value.name}: ${value.message}`)
  if (typeof value === 'bigint') return value.toString()
  return JSON.stringify(value) ?? 'undefined'
}
