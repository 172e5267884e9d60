/**
 * netsec's version (package.json's) and the version of what its stages write: a stage result is
 * keyed by both (src/plan.ts), so a netsec that writes its stages differently never reuses the
 * results of an older one.
 */
export const NETSEC_VERSION = "0.1.0";

/** Raised whenever a stage's files or their meaning change. */
export const STAGE_FORMAT = 2;
