import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;

/**
 * A small builder for ONNX models (ModelProto bytes). Used by the TFLite importer and by anything that
 * wants a tiny graph of its own (pixel math on the runtime). Names are the caller's; `unique()` makes fresh ones.
 */

export type ElementType = 'float32' | 'int8' | 'uint8' | 'int32' | 'int64';

const ONNX_TYPES: Record<ElementType, number> = {
  float32: onnx.TensorProto.DataType.FLOAT,
  int8: onnx.TensorProto.DataType.INT8,
  uint8: onnx.TensorProto.DataType.UINT8,
  int32: onnx.TensorProto.DataType.INT32,
  int64: onnx.TensorProto.DataType.INT64,
};

export type TensorArray = Float32Array | Int8Array | Uint8Array | Int32Array | BigInt64Array;

/** A float attribute (plain numbers are ints; ONNX attributes are typed). */
export const float = (value: number): { float: number } => ({ float: value });
/** A list of float attributes. */
export const floats = (values: number[]): { floats: number[] } => ({ floats: values });

export type AttributeValue = number | string | number[] | { float: number } | { floats: number[] };

export interface GraphBuilderOptions {
  name?: string;
  /** Default-domain opset; 17 keeps ReduceMean's axes an attribute and has HardSwish and Resize v13. */
  opset?: number;
  producer?: string;
  docString?: string;
}

export class OnnxGraphBuilder {
  private readonly nodes: onnxProto.onnx.INodeProto[] = [];
  private readonly initializers: onnxProto.onnx.ITensorProto[] = [];
  private readonly inputs: onnxProto.onnx.IValueInfoProto[] = [];
  private readonly outputs: onnxProto.onnx.IValueInfoProto[] = [];
  private readonly taken = new Set<string>();
  private counter = 0;
  readonly opset: number;

  constructor(private readonly options: GraphBuilderOptions = {}) {
    this.opset = options.opset ?? 17;
  }

  /** A name nobody has used yet in this graph, starting with `prefix`. */
  unique(prefix: string): string {
    let name = prefix;
    while (this.taken.has(name)) name = `${prefix}_${++this.counter}`;
    this.taken.add(name);
    return name;
  }

  /** Declares a graph input; dims use -1 or a string for a dynamic dimension. */
  addInput(name: string, dims: (number | string)[], type: ElementType = 'float32'): string {
    this.taken.add(name);
    this.inputs.push(valueInfo(name, dims, type));
    return name;
  }

  addOutput(name: string, dims: (number | string)[], type: ElementType = 'float32'): string {
    this.outputs.push(valueInfo(name, dims, type));
    return name;
  }

  /** Adds a constant tensor and returns its name (a fresh one derived from `name`). */
  addInitializer(name: string, data: TensorArray, dims: number[]): string {
    const unique = this.unique(name);
    const type = elementTypeOf(data);
    const expected = dims.reduce((a, b) => a * b, 1);
    if (expected !== data.length) {
      throw new Error(`initializer ${name}: ${data.length} values for dims [${dims}]`);
    }
    this.initializers.push({
      name: unique,
      dims,
      dataType: ONNX_TYPES[type],
      rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice(),
    });
    return unique;
  }

  /** int64 constant from plain numbers (shapes, axes, pads). */
  addInt64s(name: string, values: number[], dims: number[] = [values.length]): string {
    return this.addInitializer(name, BigInt64Array.from(values.map(BigInt)), dims);
  }

  addFloats(name: string, values: number[], dims: number[] = [values.length]): string {
    return this.addInitializer(name, Float32Array.from(values), dims);
  }

  /**
   * Adds a node. `outputs` is a list of names or a count of fresh names to make (from the op type).
   * Returns the output names. An empty string input means "optional input left out".
   */
  addNode(
    opType: string,
    inputs: string[],
    outputs: string[] | number = 1,
    attributes: Record<string, AttributeValue | undefined> = {},
    domain = '',
  ): string[] {
    const outNames =
      typeof outputs === 'number'
        ? Array.from({ length: outputs }, () => this.unique(opType.toLowerCase()))
        : outputs.map((name) => {
            this.taken.add(name);
            return name;
          });
    this.nodes.push({
      opType,
      domain,
      name: this.unique(`${opType}_node`),
      input: inputs,
      output: outNames,
      attribute: Object.entries(attributes)
        .filter((entry): entry is [string, AttributeValue] => entry[1] !== undefined)
        .map(([key, value]) => attribute(key, value)),
    });
    return outNames;
  }

  /** Shorthand for a one-output node. */
  add(opType: string, inputs: string[], attributes: Record<string, AttributeValue | undefined> = {}): string {
    return this.addNode(opType, inputs, 1, attributes)[0];
  }

  get nodeCount(): number {
    return this.nodes.length;
  }

  toBytes(): Uint8Array {
    const model = onnx.ModelProto.create({
      irVersion: 8,
      producerName: this.options.producer ?? 'stylecast',
      docString: this.options.docString ?? '',
      opsetImport: [{ domain: '', version: this.opset }],
      graph: {
        name: this.options.name ?? 'graph',
        node: this.nodes,
        initializer: this.initializers,
        input: this.inputs,
        output: this.outputs,
      },
    });
    return onnx.ModelProto.encode(model).finish();
  }
}

function elementTypeOf(data: TensorArray): ElementType {
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Int8Array) return 'int8';
  if (data instanceof Uint8Array) return 'uint8';
  if (data instanceof Int32Array) return 'int32';
  return 'int64';
}

function valueInfo(
  name: string,
  dims: (number | string)[],
  type: ElementType,
): onnxProto.onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: ONNX_TYPES[type],
        shape: {
          dim: dims.map((d) => (typeof d === 'string' || d < 0 ? { dimParam: String(d) } : { dimValue: d })),
        },
      },
    },
  };
}

function attribute(name: string, value: AttributeValue): onnxProto.onnx.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  if (typeof value === 'number') return { name, type: T.INT, i: value };
  if (typeof value === 'string') return { name, type: T.STRING, s: new TextEncoder().encode(value) };
  if (Array.isArray(value)) return { name, type: T.INTS, ints: value };
  if ('float' in value) return { name, type: T.FLOAT, f: value.float };
  return { name, type: T.FLOATS, floats: value.floats };
}
