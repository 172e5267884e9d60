/**
 * The link from a model file to the transform stage's preprocessor (src/stages/preprocessor.ts):
 * rebuilds it from its JSON (checked by zod, never executed). Kept in one place so model-file.ts
 * does not depend on how the preprocessor is implemented.
 */
import type { Frame } from "../data/frame.ts";
import type { Matrix } from "./classifier.ts";
import { Preprocessor } from "../stages/preprocessor.ts";

export interface FramePreprocessor {
  transformFrame(frame: Frame): { x: Matrix; y?: Uint8Array };
  toJSON(): unknown;
}

export function restorePreprocessor(json: unknown, schemaHash?: string): FramePreprocessor {
  return Preprocessor.fromJSON(json, { schemaHash, source: "the model's preprocessor" });
}
