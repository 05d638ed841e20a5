import { BuiltinOp } from './builtin-ops.ts';
import type { TfliteModel, TfliteOperator, TfliteSubgraph } from './schema.ts';

/**
 * Producer/consumer lookups over a subgraph for pattern matching (operator fusions). When activations
 * are computed in float, QUANTIZE/DEQUANTIZE on activations are identities, so they are "looked
 * through": `source` walks up past them and `usesOf` walks down past them (collecting them in `via`,
 * so a fusion can drop them too).
 */
export class GraphView {
  private readonly producer = new Map<number, TfliteOperator>();
  private readonly consumers = new Map<number, TfliteOperator[]>();
  private readonly graphOutputs: Set<number>;

  constructor(
    readonly model: TfliteModel,
    readonly subgraph: TfliteSubgraph,
    private readonly lookThroughQuantize: boolean,
  ) {
    for (const op of subgraph.operators) {
      for (const t of op.outputs) this.producer.set(t, op);
      for (const t of op.inputs) if (t >= 0) this.consumers.set(t, [...(this.consumers.get(t) ?? []), op]);
    }
    this.graphOutputs = new Set(subgraph.outputs);
  }

  code(op: TfliteOperator): number {
    return this.model.operatorCodes[op.opcodeIndex]?.builtin ?? -1;
  }

  is(op: TfliteOperator | undefined, builtin: number): op is TfliteOperator {
    return !!op && this.code(op) === builtin;
  }

  isConst(t: number): boolean {
    return (this.model.buffers[this.subgraph.tensors[t]?.buffer ?? 0]?.length ?? 0) > 0;
  }

  /** A constant, or the constant behind a DEQUANTIZE (fp16 weights). */
  constSource(t: number | undefined): number | undefined {
    if (t === undefined) return undefined;
    if (this.isConst(t)) return t;
    const op = this.producer.get(t);
    return this.is(op, BuiltinOp.DEQUANTIZE) && this.isConst(op.inputs[0]) ? op.inputs[0] : undefined;
  }

  /** Int32 contents of a constant tensor. */
  ints(t: number): number[] | undefined {
    const tensor = this.subgraph.tensors[t];
    const bytes = this.model.buffers[tensor?.buffer ?? 0];
    if (tensor?.type !== 2 || !bytes?.length) return undefined;
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    return Array.from({ length: bytes.length / 4 }, (_, i) => view.getInt32(4 * i, true));
  }

  private passThrough(op: TfliteOperator | undefined): op is TfliteOperator {
    return (
      !!op &&
      this.lookThroughQuantize &&
      (this.is(op, BuiltinOp.QUANTIZE) || this.is(op, BuiltinOp.DEQUANTIZE)) &&
      !this.isConst(op.inputs[0])
    );
  }

  producerOf(t: number): TfliteOperator | undefined {
    return this.producer.get(t);
  }

  /** The tensor behind any chain of activation QUANTIZE/DEQUANTIZE. */
  source(t: number): number {
    let op = this.producer.get(t);
    while (this.passThrough(op)) {
      t = op.inputs[0];
      op = this.producer.get(t);
    }
    return t;
  }

  /** Real consumers of t, looking through pass-through ops (which are added to `via`). */
  usesOf(t: number, via: Set<number>): TfliteOperator[] {
    return (this.consumers.get(t) ?? []).flatMap((op) => {
      if (!this.passThrough(op)) return [op];
      via.add(op.index);
      return this.usesOf(op.outputs[0], via);
    });
  }

  /** The single real consumer of t, if t has exactly one and is not a graph output. */
  only(t: number, via: Set<number>): TfliteOperator | undefined {
    const uses = this.usesOf(t, via);
    return uses.length === 1 && !this.graphOutputs.has(t) ? uses[0] : undefined;
  }

  isGraphOutput(t: number): boolean {
    return this.graphOutputs.has(t);
  }

  /** The input of a binary op other than the one whose source is t. */
  other(op: TfliteOperator, t: number): number | undefined {
    const [a, b] = op.inputs.map((x) => this.source(x));
    if (a === t) return op.inputs[1];
    if (b === t) return op.inputs[0];
    return undefined;
  }
}
