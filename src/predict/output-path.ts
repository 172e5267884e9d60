/**
 * Checks of an output path before any work is done, so a command fails in one line instead of
 * after scoring (or with a runtime's stack trace): the output may not be the input (also through
 * a symbolic or hard link), its folder must exist and be a folder, and it must be writable.
 */
import { platform } from "../runtime/index.ts";
import { NetsecError } from "../errors.ts";

function parentOf(path: string): string {
  const cut = path.replace(/\/+$/, "").lastIndexOf("/");
  return cut < 0 ? "." : cut === 0 ? "/" : path.slice(0, cut);
}

/** Throws USAGE when `output` is `input` (any link to it), OUTPUT_UNWRITABLE when it cannot be written. */
export async function checkOutputPath(output: string, input: string, extraOutputs: string[] = []): Promise<void> {
  const inputInfo = await platform.stat(input);
  for (const path of [output, ...extraOutputs]) {
    const info = await platform.stat(path);
    if (info && inputInfo && info.ino !== 0 && info.dev === inputInfo.dev && info.ino === inputInfo.ino) {
      throw new NetsecError("USAGE", `--output ${path} is the input file ${input}${path === input ? "" : " (the same file through a link)"}: it would be overwritten while it is read; write to another file`, { location: { file: path } });
    }
    if (info?.isDirectory) throw new NetsecError("OUTPUT_UNWRITABLE", `cannot write ${path}: it is a folder, expected a file name`, { location: { file: path } });
  }
  const parent = parentOf(output);
  const folder = await platform.stat(parent);
  if (!folder) throw new NetsecError("OUTPUT_UNWRITABLE", `cannot write ${output}: the folder ${parent} does not exist (create it first)`, { location: { file: output } });
  if (!folder.isDirectory) throw new NetsecError("OUTPUT_UNWRITABLE", `cannot write ${output}: ${parent} is a file, not a folder`, { location: { file: output } });
}

/** A file-system error while writing `path` as a one-line NetsecError (else the error itself). */
export function writeError(error: unknown, path: string): unknown {
  if (error instanceof NetsecError || !(error instanceof Error)) return error;
  const code = (error as { code?: string }).code ?? error.name;
  const why = /EACCES|EPERM|PermissionDenied/.test(code) ? "permission denied"
    : /ENOENT|NotFound/.test(code) ? "its folder does not exist"
    : /ENOTDIR|NotADirectory/.test(code) ? "a part of the path is a file, not a folder"
    : /ENOSPC/.test(code) ? "no space left on the device"
    : /EROFS/.test(code) ? "the file system is read-only"
    : /EISDIR|IsADirectory/.test(code) ? "it is a folder"
    : undefined;
  return why ? new NetsecError("OUTPUT_UNWRITABLE", `cannot write ${path}: ${why}`, { cause: error, location: { file: path } }) : error;
}
