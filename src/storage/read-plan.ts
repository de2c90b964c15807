/**
 * `ReadPlan`: whole RecordBatch v2 batches of a read, as (segment file, position, length) slices
 * that have not been read. Wraps the addon's plan handle (an N-API External, cheaper to hand out
 * than a native class instance on the fetch path).
 */
import { readPlanSlices, readPlanToBuffers, type ReadPlanHandle } from './native.js'

/** One slice of a read plan: bytes of one segment's `.log` file. */
export interface ReadPlanSlice {
  /** Base offset of the segment (its file name). */
  segmentBaseOffset: number
  /** Byte position in the `.log` file. */
  position: number
  length: number
}

/**
 * A plan keeps its segment files open: a segment that retention deletes meanwhile stays readable
 * until the plan and its Buffers are gone. Pass it to `transferTo` / `writeToSocket` (sendfile),
 * to the protocol Writer as an external chunk (`byteLength`), or call `toBuffers()`. Owned by
 * the thread that made it; immutable.
 */
export class ReadPlan {
  /** Total bytes. */
  readonly byteLength: number
  /** The addon's handle. Internal: pass the ReadPlan itself to the functions of this package. */
  readonly handle: object

  /** Made by `PartitionLog.read`. */
  constructor(handle: object, byteLength: number) {
    this.handle = handle
    this.byteLength = byteLength
  }

  /** The slices, for tests and diagnostics. */
  get slices(): ReadPlanSlice[] {
    return readPlanSlices(this.handle as ReadPlanHandle)
  }

  /**
   * One Buffer per slice, viewing the memory-mapped segment without copying. READ-ONLY: writing
   * into them crashes the process. Each keeps its segment mapped until garbage collected.
   * Throws SEGLOG_OFFSET_OUT_OF_RANGE if a truncation has since removed the bytes.
   */
  toBuffers(): Buffer[] {
    return readPlanToBuffers(this.handle as ReadPlanHandle)
  }
}
