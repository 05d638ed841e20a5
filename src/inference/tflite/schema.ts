import { CorruptFlatbufferError, FbTable } from './flatbuffer-table.ts';

/**
 * Typed readers for the parts of the TFLite schema (tensorflow/lite/schema/schema.fbs) the importer
 * needs. Field indices are the declaration order in the schema's tables.
 */

/** schema.fbs `enum TensorType : byte`. */
export const TensorType = {
  FLOAT32: 0,
  FLOAT16: 1,
  INT32: 2,
  UINT8: 3,
  INT64: 4,
  STRING: 5,
  BOOL: 6,
  INT16: 7,
  COMPLEX64: 8,
  INT8: 9,
  FLOAT64: 10,
} as const;

export const TENSOR_TYPE_NAMES: Record<number, string> = Object.fromEntries(
  Object.entries(TensorType).map(([name, id]) => [id, name]),
);

export interface Quantization {
  scale: number[];
  zeroPoint: number[];
  /** The axis that per-channel scales run along. */
  quantizedDimension: number;
}

export interface TfliteTensor {
  index: number;
  name: string;
  /** Static shape as stored (may be empty for tensors the converter left unshaped). */
  shape: number[];
  /** Shape with -1 for dynamic dimensions, when the file records one. */
  shapeSignature: number[];
  type: number;
  buffer: number;
  quantization: Quantization | undefined;
}

export interface TfliteOperator {
  index: number;
  opcodeIndex: number;
  inputs: number[];
  outputs: number[];
  /** The BuiltinOptions union's table (its type is implied by the operator). */
  options: FbTable | undefined;
  customOptions: Uint8Array;
}

export interface TfliteOperatorCode {
  builtin: number;
  custom: string | undefined;
  version: number;
}

export interface TfliteSubgraph {
  name: string;
  tensors: TfliteTensor[];
  inputs: number[];
  outputs: number[];
  operators: TfliteOperator[];
}

export interface TfliteModel {
  version: number;
  description: string;
  operatorCodes: TfliteOperatorCode[];
  subgraphs: TfliteSubgraph[];
  /** Buffer contents by index; an empty array for tensors computed at run time. */
  buffers: Uint8Array[];
}

/** Reads a .tflite file; throws CorruptFlatbufferError if it is not one or is cut short. */
export function readTfliteModel(bytes: Uint8Array): TfliteModel {
  if (bytes.length < 8) throw new CorruptFlatbufferError(`only ${bytes.length} bytes, too short for TFLite`);
  const ident = String.fromCharCode(...bytes.subarray(4, 8));
  if (ident !== 'TFL3') {
    throw new CorruptFlatbufferError(
      `no TFLite identifier (expected "TFL3" at byte 4, found ${JSON.stringify(ident)})`,
    );
  }
  const model = FbTable.root(bytes);
  // Model: version 0, operator_codes 1, subgraphs 2, description 3, buffers 4.
  const buffers = model.tables(4).map((buffer) => readBuffer(buffer, bytes));
  const subgraphs = model.tables(2).map(readSubgraph);
  if (subgraphs.length === 0) throw new CorruptFlatbufferError('the model has no subgraph');
  return {
    version: model.uint32(0),
    description: model.string(3) ?? '',
    // OperatorCode: deprecated_builtin_code 0 (byte), custom_code 1, version 2, builtin_code 3 (int).
    operatorCodes: model.tables(1).map((code) => ({
      builtin: Math.max(code.int8(0), code.int32(3)),
      custom: code.string(1),
      version: code.int32(2, 1),
    })),
    subgraphs,
    buffers,
  };
}

function readBuffer(buffer: FbTable, file: Uint8Array): Uint8Array {
  // Buffer: data 0, offset 1 (ulong), size 2 (ulong). offset/size are used by models over 2 GB
  // whose weights sit after the flatbuffer; offset 0 or 1 means "not used".
  const data = buffer.bytes(0);
  if (data.length > 0 || !buffer.has(1)) return data;
  const offset = readUlong(buffer, 1);
  const size = readUlong(buffer, 2);
  if (offset <= 1) return data;
  if (offset + size > file.length) {
    throw new CorruptFlatbufferError(`buffer data at byte ${offset} (+${size}) lies outside the file`);
  }
  return file.subarray(offset, offset + size);
}

function readUlong(table: FbTable, index: number): number {
  if (!table.has(index)) return 0;
  const offset = table.bb.__offset(table.pos, 4 + 2 * index);
  return Number(table.bb.readUint64(table.pos + offset));
}

function readSubgraph(subgraph: FbTable): TfliteSubgraph {
  // SubGraph: tensors 0, inputs 1, outputs 2, operators 3, name 4.
  return {
    tensors: subgraph.tables(0).map(readTensor),
    inputs: subgraph.int32s(1),
    outputs: subgraph.int32s(2),
    operators: subgraph.tables(3).map(readOperator),
    name: subgraph.string(4) ?? '',
  };
}

function readTensor(tensor: FbTable, index: number): TfliteTensor {
  // Tensor: shape 0, type 1, buffer 2, name 3, quantization 4, is_variable 5, sparsity 6, shape_signature 7.
  if (tensor.has(6)) throw new CorruptFlatbufferError(`tensor ${index} is sparse, which is not supported`);
  const quant = tensor.table(4);
  // QuantizationParameters: min 0, max 1, scale 2, zero_point 3, details_type 4, details 5, quantized_dimension 6.
  const scale = quant ? quant.float32s(2) : [];
  return {
    index,
    name: tensor.string(3) ?? `tensor_${index}`,
    shape: tensor.int32s(0),
    shapeSignature: tensor.int32s(7),
    type: tensor.int8(1),
    buffer: tensor.uint32(2),
    quantization:
      quant && scale.length > 0
        ? { scale, zeroPoint: quant.int64s(3), quantizedDimension: quant.int32(6) }
        : undefined,
  };
}

function readOperator(op: FbTable, index: number): TfliteOperator {
  // Operator: opcode_index 0, inputs 1, outputs 2, builtin_options_type 3, builtin_options 4, custom_options 5.
  return {
    index,
    opcodeIndex: op.uint32(0),
    inputs: op.int32s(1),
    outputs: op.int32s(2),
    options: op.table(4),
    customOptions: op.bytes(5),
  };
}
