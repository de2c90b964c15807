/**
 * The states of a transactional id on its coordinator (Kafka's TransactionState), the byte each
 * is stored as in `__transaction_state` (TransactionLogValue.TransactionStatus) and the states
 * each may be entered from. The names are Kafka's, because DescribeTransactions and
 * ListTransactions report them as text and kafka-transactions.sh filters on them.
 *
 *   Empty ──AddPartitions──▶ Ongoing ──EndTxn(commit)──▶ PrepareCommit ──markers──▶ CompleteCommit
 *     ▲                        │  └────EndTxn(abort), fence, timeout──▶ PrepareAbort ──markers──▶ CompleteAbort
 *     └─InitProducerId─────────┴── (Complete* and Empty go back to Empty or Ongoing; Dead is expiry)
 *
 * PrepareEpochFence is never written: it is the in-memory step in which the coordinator bumps the
 * epoch of an Ongoing transaction it is about to abort (a new producer instance, or a timeout),
 * so that the old instance is fenced by the abort markers themselves.
 */

export const TRANSACTION_STATES = [
  'Empty',
  'Ongoing',
  'PrepareCommit',
  'PrepareAbort',
  'CompleteCommit',
  'CompleteAbort',
  'Dead',
  'PrepareEpochFence',
] as const

export type TransactionState = (typeof TRANSACTION_STATES)[number]

/** The TransactionStatus byte Kafka stores for each state (its index in TRANSACTION_STATES). */
export function transactionStatus(state: TransactionState): number {
  return TRANSACTION_STATES.indexOf(state)
}

/** The state a stored TransactionStatus byte names, or undefined for a byte Kafka never wrote. */
export function stateFromStatus(status: number): TransactionState | undefined {
  return TRANSACTION_STATES[status]
}

/** Kafka's TransactionState.validPreviousStates: the states each state may be entered from. */
const VALID_PREVIOUS_STATES: Readonly<Record<TransactionState, readonly TransactionState[]>> = {
  Empty: ['Empty', 'CompleteCommit', 'CompleteAbort'],
  Ongoing: ['Ongoing', 'Empty', 'CompleteCommit', 'CompleteAbort'],
  PrepareCommit: ['Ongoing'],
  PrepareAbort: ['Ongoing', 'PrepareEpochFence'],
  CompleteCommit: ['PrepareCommit'],
  CompleteAbort: ['PrepareAbort'],
  Dead: ['Empty', 'CompleteCommit', 'CompleteAbort'],
  PrepareEpochFence: ['Ongoing'],
}

export function isValidTransition(from: TransactionState, to: TransactionState): boolean {
  return VALID_PREVIOUS_STATES[to].includes(from)
}

/** States in which no transaction is open: the id may start one, expire, or get a new epoch. */
export function isTransactionComplete(state: TransactionState): boolean {
  return state === 'Empty' || state === 'CompleteCommit' || state === 'CompleteAbort'
}

/**
 * The state named by a ListTransactions filter, case-sensitively as Kafka matches it, or
 * undefined for a name Kafka does not know (reported back as an unknown filter).
 */
export function parseTransactionState(name: string): TransactionState | undefined {
  return (TRANSACTION_STATES as readonly string[]).includes(name) ? (name as TransactionState) : undefined
}
