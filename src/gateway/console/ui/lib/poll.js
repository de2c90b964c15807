// Repeats an async task while a page is shown; each run starts after the previous one ends, so a
// slow broker is never asked twice at once.
export function poll(task, intervalMs) {
  let stopped = false
  let timer = null
  const run = async () => {
    if (stopped) return
    try {
      await task()
    } finally {
      if (!stopped) timer = setTimeout(run, intervalMs)
    }
  }
  run()
  return () => {
    stopped = true
    clearTimeout(timer)
  }
}
