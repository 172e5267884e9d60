/**
 * ONNX's protobuf messages, encoded by protobufjs from ONNX's own schema: `onnx-ml.proto` is the
 * file the PyPI `onnx` package (1.23.2) ships, byte for byte (tests/models/onnx-proto.test.ts
 * compares it with the venv's copy). Nothing here writes protobuf bytes by hand.
 */
import protobuf from "protobufjs";
import { platform } from "../../runtime/index.ts";
import type { ModelProto } from "./types.ts";

/** Where the vendored schema lives, relative to the repository root. */
export const ONNX_PROTO_FILE = "src/models/onnx/onnx-ml.proto";

let modelType: Promise<protobuf.Type> | undefined;

async function loadModelType(): Promise<protobuf.Type> {
  const text = await platform.readTextFile(`${platform.projectRoot()}/${ONNX_PROTO_FILE}`);
  // keepCase: the field names stay as the .proto spells them (ir_version, op_type, …).
  return protobuf.parse(text, { keepCase: true }).root.lookupType("onnx.ModelProto");
}

function modelProto(): Promise<protobuf.Type> {
  modelType ??= loadModelType();
  return modelType;
}

/** Encode a ModelProto given as plain data (field names as in onnx-ml.proto). */
export async function encodeModelProto(model: ModelProto): Promise<Uint8Array> {
  const type = await modelProto();
  const problem = type.verify(model);
  if (problem) throw new Error(`internal: the ONNX model does not match onnx.ModelProto: ${problem}`);
  return type.encode(type.fromObject(model)).finish();
}

/** Decode ONNX bytes back to plain data (int64 fields as numbers, bytes as base64 strings). */
export async function decodeModelProto(bytes: Uint8Array): Promise<ModelProto> {
  const type = await modelProto();
  return type.toObject(type.decode(bytes), { longs: Number, enums: Number, bytes: String, defaults: false, arrays: true }) as ModelProto;
}
