/**
 * The link from a model file to the transform stage's preprocessor (src/stages/preprocessor.ts,
 * owned by the pipeline): rebuilds it from its JSON. Kept in one place so model-file.ts does not
 * depend on how the preprocessor is implemented.
 */
import type { Frame } from "../data/frame.ts";
import type { Matrix } from "./classifier.ts";

export interface FramePreprocessor {
  transformFrame(frame: Frame): { x: Matrix; y?: Uint8Array };
}

export async function restorePreprocessor(json: unknown): Promise<FramePreprocessor> {
  const specifier = "../stages/preprocessor.ts";
  const mod = await import(specifier) as { Preprocessor: { fromJSON(json: unknown): FramePreprocessor } };
  return mod.Preprocessor.fromJSON(json);
}
