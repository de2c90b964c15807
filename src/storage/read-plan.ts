/**
 * The shape of a read plan as the rest of the code base sees it. The addon's ReadPlan class
 * implements it; this interface keeps the published typings independent of the addon's
 * generated ones.
 */

/** One slice of a read plan: bytes of one segment's `.log` file. */
export interface ReadPlanSlice {
  /** Base offset of the segment (its file name). */
  segmentBaseOffset: number
  /** Byte position in the `.log` file. */
  position: number
  length: number
}

/**
 * Whole RecordBatch v2 batches of a read, as (segment file, position, length) slices that have
 * not been read. A plan keeps its segment files open: a segment that retention deletes
 * meanwhile stays readable until the plan and its Buffers are gone. Pass it to `transferTo` /
 * `writeToSocket` (sendfile), to the protocol Writer as an external chunk (`byteLength`), or call
 * `toBuffers()`. Owned by the thread that made it.
 */
export interface ReadPlan {
  /** Total bytes. */
  readonly byteLength: number
  /** The slices, for tests and diagnostics. */
  readonly slices: ReadPlanSlice[]
  /**
   * One Buffer per slice, viewing the memory-mapped segment without copying. READ-ONLY: writing
   * into them crashes the process. Each keeps its segment mapped until garbage collected.
   * Throws SEGLOG_OFFSET_OUT_OF_RANGE if a truncation has since removed the bytes.
   */
  toBuffers(): Buffer[]
}
