/**
 * Limits of every reader (CSV, ARFF, uploads, MongoDB documents): what a single line, header or
 * value may cost, so the cost of reading stays linear in the input and memory bounded whatever
 * the input holds. docs/data-sources.md and docs/serving.md list them.
 */
export const INPUT_LIMITS = {
  /** A line (header or row) of a CSV or ARFF file or upload, in bytes. */
  maxLineBytes: 1 << 20,
  /** Columns of a header (the contract has 31). */
  maxColumns: 4096,
  /** Characters of a bad MongoDB value kept in a problem record (messages show at most 40 of them). */
  maxValueChars: 1024,
  /** Problems of one chunk of rows before the chunk is handed over early (bounds its memory). */
  maxChunkProblems: 65_536,
  /** Problems kept by `collectChunks` (the rest are counted). */
  maxCollectedProblems: 1000,
} as const;
