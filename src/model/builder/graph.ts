/**
 * A small ONNX graph builder: hierarchical scopes give PyTorch-export-style node names
 * (`/audio/layers.3/attn/MatMul`), so per-op profiles group by module. It produces plain
 * data (nodes, initializers, value infos); onnx-writer.ts turns that into an ONNX file.
 */

/** ONNX TensorProto.DataType codes used here. */
export const DType = { FLOAT: 1, INT32: 6, INT64: 7, BOOL: 9, FLOAT16: 10 } as const;
export type DType = (typeof DType)[keyof typeof DType];

/** One dimension of a graph input/output: a size, or a symbolic name. */
export type Dim = number | string;

/** An attribute value; arrays of integers become INTS, of numbers with fractions FLOATS. */
export type AttrValue = number | string | number[] | { floats: number[] } | { int: number } | { float: number };

/** A node of the graph. */
export interface NodeSpec {
  name: string;
  opType: string;
  domain: string;
  inputs: string[];
  outputs: string[];
  attrs: Record<string, AttrValue>;
}

/** A constant tensor stored in the file. `data` holds little-endian bytes of `dtype`. */
export interface InitializerSpec {
  name: string;
  dtype: DType;
  dims: number[];
  data: Uint8Array;
}

/** A graph input or output. */
export interface ValueSpec {
  name: string;
  dtype: DType;
  dims: Dim[];
}

/** A finished graph. */
export interface GraphSpec {
  name: string;
  nodes: NodeSpec[];
  initializers: InitializerSpec[];
  inputs: ValueSpec[];
  outputs: ValueSpec[];
  /** Opset imports: domain -> version. */
  opsets: Record<string, number>;
  docString?: string;
}

function bytesOf(data: Float32Array | Int32Array | BigInt64Array | Uint16Array | Uint8Array): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** Builds one graph. Node outputs are named `<node name>_output_<i>`, as torch.onnx does. */
export class GraphBuilder {
  private readonly nodes: NodeSpec[] = [];
  private readonly initializers: InitializerSpec[] = [];
  private readonly inputs: ValueSpec[] = [];
  private readonly outputs: ValueSpec[] = [];
  private readonly scopes: string[] = [];
  private readonly usedNames = new Map<string, number>();
  private readonly constCache = new Map<string, string>();

  constructor(readonly name: string, private readonly opsets: Record<string, number> = { '': 17 }) {}

  /** Runs `fn` inside the named scope (`layers.3`, `attn`); scopes nest. */
  scope<T>(name: string, fn: () => T): T {
    this.scopes.push(name);
    try {
      return fn();
    } finally {
      this.scopes.pop();
    }
  }

  /** The current scope path, `/audio/layers.3/attn`. */
  get path(): string {
    return this.scopes.length ? `/${this.scopes.join('/')}` : '';
  }

  private uniqueName(base: string): string {
    const n = this.usedNames.get(base) ?? 0;
    this.usedNames.set(base, n + 1);
    return n === 0 ? base : `${base}_${n}`;
  }

  /** Adds a node with `outputs` outputs; returns their names. */
  opN(opType: string, inputs: string[], outputs: number, attrs: Record<string, AttrValue> = {}, domain = ''): string[] {
    const name = this.uniqueName(`${this.path}/${opType}`);
    const outs = Array.from({ length: outputs }, (_, i) => `${name}_output_${i}`);
    this.nodes.push({ name, opType, domain, inputs, outputs: outs, attrs });
    return outs;
  }

  /** Adds a node with one output; returns its name. */
  op(opType: string, inputs: string[], attrs: Record<string, AttrValue> = {}, domain = ''): string {
    return this.opN(opType, inputs, 1, attrs, domain)[0] as string;
  }

  /** Declares a graph input. */
  input(name: string, dtype: DType, dims: Dim[]): string {
    this.inputs.push({ name, dtype, dims });
    return name;
  }

  /** Declares a graph output, renaming `value` to `name` through an Identity when needed. */
  output(value: string, name: string, dtype: DType, dims: Dim[]): void {
    if (value !== name) this.nodes.push({ name: `/${name}/Identity`, opType: 'Identity', domain: '', inputs: [value], outputs: [name], attrs: {} });
    this.outputs.push({ name, dtype, dims });
  }

  /** Adds an initializer named `<scope>.<local>` (dots, like a state_dict key). */
  weight(local: string, dims: number[], data: Float32Array | Uint16Array, dtype: DType = DType.FLOAT): string {
    const name = `${this.scopes.join('.')}${this.scopes.length ? '.' : ''}${local}`;
    this.initializers.push({ name, dtype, dims, data: bytesOf(data) });
    return name;
  }

  /** The dotted state-dict style key a weight added here would get. */
  key(local: string): string {
    return `${this.scopes.join('.')}${this.scopes.length ? '.' : ''}${local}`;
  }

  /** A shared constant initializer (deduplicated by value). */
  constI64(values: number[], dims: number[] = [values.length]): string {
    return this.constant('i64', dims, values, () => bytesOf(BigInt64Array.from(values.map((v) => BigInt(v)))), DType.INT64);
  }

  constF32(values: number[], dims: number[] = [values.length]): string {
    return this.constant('f32', dims, values, () => bytesOf(Float32Array.from(values)), DType.FLOAT);
  }

  constI32(values: number[], dims: number[] = [values.length]): string {
    return this.constant('i32', dims, values, () => bytesOf(Int32Array.from(values)), DType.INT32);
  }

  /** A named constant tensor of arbitrary f32 data (not deduplicated). */
  tensorF32(name: string, dims: number[], data: Float32Array): string {
    this.initializers.push({ name, dtype: DType.FLOAT, dims, data: bytesOf(data) });
    return name;
  }

  private constant(kind: string, dims: number[], values: number[], bytes: () => Uint8Array, dtype: DType): string {
    const key = `${kind}:${dims.join('x')}:${values.join(',')}`;
    const cached = this.constCache.get(key);
    if (cached) return cached;
    const name = `const_${kind}_${this.constCache.size}`;
    this.constCache.set(key, name);
    this.initializers.push({ name, dtype, dims, data: bytes() });
    return name;
  }

  /** The finished graph. */
  build(docString?: string): GraphSpec {
    return {
      name: this.name,
      nodes: this.nodes,
      initializers: this.initializers,
      inputs: this.inputs,
      outputs: this.outputs,
      opsets: this.opsets,
      ...(docString ? { docString } : {}),
    };
  }
}
