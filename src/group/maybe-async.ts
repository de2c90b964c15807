/**
 * A result that is ready now or later. The coordinator's writes settle at once when this broker
 * is the whole ISR (a single broker: every answer stays synchronous, as before cluster mode) and
 * later when followers must copy them first; callers chain on either without caring which.
 */
export type MaybeAsync<T> = T | Promise<T>

/** Applies `next` to `value` now if it is ready, else once it is. */
export function andThen<T, R>(value: MaybeAsync<T>, next: (value: T) => MaybeAsync<R>): MaybeAsync<R> {
  return value instanceof Promise ? value.then(next) : next(value)
}

