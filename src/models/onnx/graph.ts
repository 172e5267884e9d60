/** Small builders for ONNX graph pieces (attributes, tensors, nodes, value infos) as plain data. */
import type { AttributeProto, NodeProto, TensorProto, ValueInfoProto } from "./types.ts";

export const DTYPE = { FLOAT: 1, INT64: 7, BOOL: 9, DOUBLE: 11 } as const;
const ATTR = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, FLOATS: 6, INTS: 7, STRINGS: 8 } as const;
export const ML_DOMAIN = "ai.onnx.ml";

const utf8 = (text: string) => new TextEncoder().encode(text);

export const attr = {
  int: (name: string, i: number): AttributeProto => ({ name, type: ATTR.INT, i }),
  float: (name: string, f: number): AttributeProto => ({ name, type: ATTR.FLOAT, f }),
  string: (name: string, s: string): AttributeProto => ({ name, type: ATTR.STRING, s: utf8(s) }),
  ints: (name: string, ints: ArrayLike<number>): AttributeProto => ({ name, type: ATTR.INTS, ints: Array.from(ints) }),
  floats: (name: string, floats: ArrayLike<number>): AttributeProto => ({ name, type: ATTR.FLOATS, floats: Array.from(floats) }),
  strings: (name: string, strings: readonly string[]): AttributeProto => ({ name, type: ATTR.STRINGS, strings: strings.map(utf8) }),
  /** A 1-D double tensor (the `*_as_tensor` attributes of the tree ensembles keep float64 precision). */
  doubles: (name: string, values: ArrayLike<number>): AttributeProto => ({ name, type: ATTR.TENSOR, t: tensor("", DTYPE.DOUBLE, [values.length], values) }),
};

export function tensor(name: string, dataType: number, dims: number[], values: ArrayLike<number>): TensorProto {
  const data = Array.from(values);
  const t: TensorProto = { name, dims, data_type: dataType };
  if (dataType === DTYPE.FLOAT) t.float_data = data;
  else if (dataType === DTYPE.DOUBLE) t.double_data = data;
  else if (dataType === DTYPE.INT64) t.int64_data = data;
  else throw new Error(`internal: tensor type ${dataType} not supported by the builder`);
  return t;
}

export function node(opType: string, input: string[], output: string[], attribute: AttributeProto[] = [], domain = ""): NodeProto {
  return { name: `${opType}_${output[0]}`, op_type: opType, domain, input, output, attribute };
}

export function valueInfo(name: string, elemType: number, dims: (number | string)[], docString?: string): ValueInfoProto {
  return {
    name,
    ...(docString ? { doc_string: docString } : {}),
    type: { tensor_type: { elem_type: elemType, shape: { dim: dims.map((d) => (typeof d === "number" ? { dim_value: d } : { dim_param: d })) } } },
  };
}
