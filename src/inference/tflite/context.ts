import { StylecastError } from '../../core/errors.ts';
import type { OnnxGraphBuilder } from '../onnx/graph-builder.ts';
import { operatorName } from './builtin-ops.ts';
import type { FbTable } from './flatbuffer-table.ts';
import type { TfliteModel, TfliteOperator, TfliteSubgraph, TfliteTensor } from './schema.ts';
import { TENSOR_TYPE_NAMES, TensorType } from './schema.ts';
import { type ConstData, decodeBuffer, sizeOf, transposeData } from './tensor-data.ts';

/**
 * Conversion state shared by the operator converters.
 *
 * Layout rule: every 4-D activation lives in ONNX as NCHW; shapes recorded here stay in TFLite's NHWC
 * order. Tensors of other ranks keep TFLite's order. Constants stay in JS (folded) until an ONNX node
 * needs them, then become initializers in the layout that node wants.
 */

export type Value =
  | { kind: 'const'; data: ConstData; shape: number[] }
  | { kind: 'tensor'; name: string; shape: number[] };

export interface ImportSettings {
  /**
   * int8 activations (QUANTIZE/DEQUANTIZE and int8 op outputs). 'dequantize' (default) computes them in
   * float. 'simulate' rounds them as the TFLite int8 kernels do (QuantizeLinear + DequantizeLinear, int8
   * weights behind DequantizeLinear, so ONNX Runtime fuses them into its integer kernels): closer to
   * TFLite int8, but measured slower on the style transform (no instance-norm fusion through Q/DQ).
   */
  quantizedActivations: 'simulate' | 'dequantize';
  /** Replace TF's exported instance-norm subgraphs by InstanceNormalization (default on). */
  fuseInstanceNorm: boolean;
  /** Compute convs with <= 4 output channels on a space-to-depth view (default on; see narrow-conv.ts). */
  rewriteNarrowConvs: boolean;
  /** Run "2x nearest upsample -> reflect pad 1 -> 3x3 conv" at the low resolution (default on). */
  fuseUpsampleConv: boolean;
  /** Expand squeeze-excitation gates to the feature map's size before their Mul (default on). */
  expandChannelGates: boolean;
}

export const NHWC_TO_NCHW = [0, 3, 1, 2];
export const NCHW_TO_NHWC = [0, 2, 3, 1];
/** NHWC axis -> NCHW axis for 4-D tensors. */
export const nchwAxis = (axis: number): number => NHWC_TO_NCHW.indexOf(axis);

export class ConvertContext {
  private readonly values = new Map<number, Value>();
  private readonly constNames = new Map<string, string>();
  private readonly quantParams = new Map<string, [string, string]>();
  private current: TfliteOperator | undefined;
  private currentName = '';

  constructor(
    readonly model: TfliteModel,
    readonly subgraph: TfliteSubgraph,
    readonly g: OnnxGraphBuilder,
    readonly modelName: string,
    readonly settings: ImportSettings,
  ) {}

  begin(op: TfliteOperator): void {
    const code = this.model.operatorCodes[op.opcodeIndex];
    if (!code) this.corrupt(`operator #${op.index} refers to missing operator code ${op.opcodeIndex}`);
    this.current = op;
    this.currentName = operatorName(code.builtin, code.custom);
  }

  get op(): TfliteOperator {
    if (!this.current) throw new Error('no operator being converted');
    return this.current;
  }

  get opName(): string {
    return this.currentName;
  }

  get options(): FbTable | undefined {
    return this.op.options;
  }

  /** Throws the error for an operator or feature the importer does not handle. */
  unsupported(detail: string): never {
    throw new StylecastError(
      'MODEL_UNSUPPORTED_OP',
      `${this.modelName}: operator ${this.opName} (#${this.op.index}) ${detail}`,
      'this TFLite model uses an operator or feature the importer does not convert; convert it to ONNX with another tool',
    );
  }

  corrupt(detail: string): never {
    throw new StylecastError(
      'MODEL_CORRUPT',
      `${this.modelName}: ${detail}`,
      'the .tflite file is damaged; download it again',
    );
  }

  hasInput(i: number): boolean {
    return i < this.op.inputs.length && this.op.inputs[i] >= 0;
  }

  tensor(index: number): TfliteTensor {
    const tensor = this.subgraph.tensors[index];
    if (!tensor) this.corrupt(`operator #${this.op.index} refers to missing tensor ${index}`);
    return tensor;
  }

  inputTensor(i: number): TfliteTensor {
    if (!this.hasInput(i)) this.unsupported(`has no input ${i}`);
    return this.tensor(this.op.inputs[i]);
  }

  outputTensor(j: number): TfliteTensor {
    return this.tensor(this.op.outputs[j]);
  }

  /** The value of a tensor by index: computed earlier, or a constant from its buffer. */
  valueOf(index: number): Value | undefined {
    const known = this.values.get(index);
    if (known) return known;
    const tensor = this.tensor(index);
    const bytes = this.model.buffers[tensor.buffer];
    if (!bytes || bytes.length === 0) return undefined;
    const data = decodeBuffer(bytes, tensor.type, tensor.shape, tensor.quantization);
    if (!data) {
      this.unsupported(
        `has constant tensor '${tensor.name}' of type ${TENSOR_TYPE_NAMES[tensor.type] ?? tensor.type}` +
          ` that cannot be decoded (${bytes.length} bytes for shape [${tensor.shape}])`,
      );
    }
    const value: Value = {
      kind: 'const',
      data,
      shape: tensor.shape.length ? [...tensor.shape] : [data.length],
    };
    if (tensor.shape.length === 0 && data.length === 1) value.shape = [];
    this.values.set(index, value);
    return value;
  }

  input(i: number): Value {
    const index = this.op.inputs[i];
    const value = this.hasInput(i) ? this.valueOf(index) : undefined;
    if (!value) this.unsupported(`reads tensor '${this.inputTensor(i).name}' before anything computes it`);
    return value;
  }

  shapeOf(i: number): number[] {
    return this.input(i).shape;
  }

  constant(i: number): (Value & { kind: 'const' }) | undefined {
    const value = this.hasInput(i) ? this.input(i) : undefined;
    return value?.kind === 'const' ? value : undefined;
  }

  requireConst(i: number, what: string): Value & { kind: 'const' } {
    const value = this.constant(i);
    if (!value) this.unsupported(`needs a constant ${what} (input ${i}), but it is computed at run time`);
    return value;
  }

  /**
   * The ONNX name of input i, laid out for a node whose other operands have rank `rank`
   * (4 = NCHW). Lower-rank operands broadcast against a 4-D one are reshaped to 4-D first.
   */
  name(i: number, rank = this.shapeOf(i).length): string {
    return this.onnxName(this.input(i), rank);
  }

  onnxName(value: Value, rank = value.shape.length): string {
    if (value.kind === 'const') return this.constName(value, rank);
    if (rank !== 4 || value.shape.length === 4) return value.name;
    if (value.shape.length > 4) this.unsupported('broadcasts a tensor of rank > 4');
    const axes = Array.from({ length: 4 - value.shape.length }, (_, k) => k);
    const unsqueezed = this.g.add('Unsqueeze', [value.name, this.g.addInt64s('axes', axes)]);
    return this.g.add('Transpose', [unsqueezed], { perm: NHWC_TO_NCHW });
  }

  /** An initializer for a constant; rank 4 (after padding with leading 1s) is transposed to NCHW. */
  constName(value: Value & { kind: 'const' }, rank = value.shape.length): string {
    const key = `${rank}`;
    const cacheKey = `${this.keyOf(value)}:${key}:${value.shape}`;
    const cached = this.constNames.get(cacheKey);
    if (cached) return cached;
    let shape = [...value.shape];
    let data = value.data;
    if (rank === 4 && shape.length <= 4) {
      shape = [...new Array(4 - shape.length).fill(1), ...shape];
      data = transposeData(data, shape, NHWC_TO_NCHW);
      shape = NHWC_TO_NCHW.map((p) => shape[p]);
    }
    const name =
      data instanceof Int32Array
        ? this.g.addInt64s('const', Array.from(data), shape)
        : this.g.addInitializer('const', data, shape);
    this.constNames.set(cacheKey, name);
    return name;
  }

  private readonly ids = new WeakMap<object, number>();
  private nextId = 0;
  private keyOf(value: Value & { kind: 'const' }): number {
    let id = this.ids.get(value.data);
    if (id === undefined) {
      id = this.nextId++;
      this.ids.set(value.data, id);
    }
    return id;
  }

  /** Records output j as a computed ONNX value (adding int8 rounding when the tensor is int8). */
  output(j: number, name: string, shape: number[]): void {
    const tensor = this.outputTensor(j);
    this.checkShape(tensor, shape);
    const quant = tensor.quantization;
    let finalName = name;
    const isQuantizedType = tensor.type === TensorType.INT8 || tensor.type === TensorType.UINT8;
    if (isQuantizedType && quant && this.settings.quantizedActivations === 'simulate') {
      if (quant.scale.length !== 1) this.unsupported(`has per-channel quantized output '${tensor.name}'`);
      const [scale, zero] = this.quantInitializers(quant.scale[0], quant.zeroPoint[0] ?? 0, tensor.type);
      const q = this.g.add('QuantizeLinear', [name, scale, zero]);
      finalName = this.g.add('DequantizeLinear', [q, scale, zero]);
    }
    this.values.set(this.op.outputs[j], { kind: 'tensor', name: finalName, shape });
  }

  outputConst(j: number, data: ConstData, shape: number[]): void {
    this.checkShape(this.outputTensor(j), shape);
    this.values.set(this.op.outputs[j], { kind: 'const', data, shape });
  }

  /** Registers a graph input (already in internal layout). */
  setValue(index: number, value: Value): void {
    this.values.set(index, value);
  }

  private quantInitializers(scale: number, zeroPoint: number, type: number): [string, string] {
    const key = `${scale}:${zeroPoint}:${type}`;
    let names = this.quantParams.get(key);
    if (!names) {
      const zero = type === TensorType.INT8 ? Int8Array.of(zeroPoint) : Uint8Array.of(zeroPoint);
      names = [
        this.g.addInitializer('q_scale', Float32Array.of(scale), []),
        this.g.addInitializer('q_zero', zero, []),
      ];
      this.quantParams.set(key, names);
    }
    return names;
  }

  private checkShape(tensor: TfliteTensor, shape: number[]): void {
    const dynamic = tensor.shapeSignature.some((d) => d < 0);
    if (dynamic || tensor.shape.length === 0) return;
    if (tensor.shape.length !== shape.length || tensor.shape.some((d, k) => d !== shape[k])) {
      this.unsupported(
        `produces '${tensor.name}' with shape [${shape}] but the file declares [${tensor.shape}]`,
      );
    }
    if (sizeOf(shape) < 0) this.corrupt(`tensor '${tensor.name}' has a negative size`);
  }

  /** Applies a TFLite fused activation (ActivationFunctionType) to an ONNX value. */
  activation(name: string, fused: number): string {
    switch (fused) {
      case 0:
        return name;
      case 1:
        return this.g.add('Relu', [name]);
      case 2:
        return this.clip(name, -1, 1);
      case 3:
        return this.clip(name, 0, 6);
      case 4:
        return this.g.add('Tanh', [name]);
      default:
        return this.unsupported(`uses fused activation ${fused}, which is not supported`);
    }
  }

  clip(name: string, min: number, max: number): string {
    return this.g.add('Clip', [name, this.scalar(min), this.scalar(max)]);
  }

  scalar(value: number): string {
    const key = `scalar:${value}`;
    let name = this.constNames.get(key);
    if (!name) {
      name = this.g.addInitializer('scalar', Float32Array.of(value), []);
      this.constNames.set(key, name);
    }
    return name;
  }
}
