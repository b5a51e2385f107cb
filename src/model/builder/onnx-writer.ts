/**
 * Serialises a GraphSpec to an ONNX file with onnx-proto (protobufjs), never by hand-encoding
 * bytes. Above a size threshold (default 2 GB, protobuf's message limit) the initializers go
 * to an external data file `<model>.onnx.data` beside the model, as onnx.save_model does.
 */
import { closeSync, openSync, writeSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import onnxProto from 'onnx-proto';
import type { AttrValue, GraphSpec, InitializerSpec, ValueSpec } from './graph.js';

const { onnx } = onnxProto;

/** protobuf's hard limit on one message: files past it must use external data. */
export const EXTERNAL_DATA_THRESHOLD_BYTES = 2 * 1024 ** 3;

/** Initializers smaller than this stay inline even when external data is used. */
const INLINE_MAX_BYTES = 1024;

/** Alignment of each tensor in the external data file (lets ORT memory-map it). */
const EXTERNAL_ALIGN = 4096;

/** Options of {@link writeOnnxModel}. */
export interface WriteOnnxOptions {
  /** Producer version recorded in the model. */
  producerVersion: string;
  /** Total initializer bytes above which external data is used. Default 2 GB. */
  externalDataThresholdBytes?: number;
  /** Model metadata (metadata_props). */
  metadata?: Record<string, string>;
}

/** What was written. */
export interface WrittenOnnx {
  path: string;
  /** The external data file, when one was written. */
  dataPath?: string;
  /** Sum of initializer bytes. */
  initializerBytes: number;
}

function attribute(name: string, value: AttrValue): InstanceType<typeof onnx.AttributeProto> {
  const T = onnx.AttributeProto.AttributeType;
  if (typeof value === 'string') return onnx.AttributeProto.create({ name, type: T.STRING, s: new TextEncoder().encode(value) });
  if (typeof value === 'number') {
    return Number.isInteger(value)
      ? onnx.AttributeProto.create({ name, type: T.INT, i: value })
      : onnx.AttributeProto.create({ name, type: T.FLOAT, f: value });
  }
  if (Array.isArray(value)) return onnx.AttributeProto.create({ name, type: T.INTS, ints: value });
  if ('floats' in value) return onnx.AttributeProto.create({ name, type: T.FLOATS, floats: value.floats });
  if ('int' in value) return onnx.AttributeProto.create({ name, type: T.INT, i: value.int });
  return onnx.AttributeProto.create({ name, type: T.FLOAT, f: value.float });
}

function valueInfo(v: ValueSpec): InstanceType<typeof onnx.ValueInfoProto> {
  return onnx.ValueInfoProto.create({
    name: v.name,
    type: {
      tensorType: {
        elemType: v.dtype,
        shape: { dim: v.dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  });
}

/**
 * Writes `graph` to `path`. Byte-identical output for identical graphs (protobufjs encodes
 * fields in declaration order; nothing time- or host-dependent is recorded).
 */
export function writeOnnxModel(path: string, graph: GraphSpec, options: WriteOnnxOptions): WrittenOnnx {
  const initializerBytes = graph.initializers.reduce((n, t) => n + t.data.byteLength, 0);
  const external = initializerBytes > (options.externalDataThresholdBytes ?? EXTERNAL_DATA_THRESHOLD_BYTES);
  const dataName = `${basename(path)}.data`;
  const dataPath = `${path}.data`;

  let fd: number | undefined;
  let offset = 0;
  const tensor = (t: InitializerSpec): InstanceType<typeof onnx.TensorProto> => {
    if (!external || t.data.byteLength < INLINE_MAX_BYTES) {
      return onnx.TensorProto.create({ name: t.name, dataType: t.dtype, dims: t.dims, rawData: t.data });
    }
    fd ??= openSync(dataPath, 'w');
    const padding = (EXTERNAL_ALIGN - (offset % EXTERNAL_ALIGN)) % EXTERNAL_ALIGN;
    if (padding) writeSync(fd, new Uint8Array(padding));
    offset += padding;
    writeSync(fd, t.data);
    const entry = onnx.TensorProto.create({
      name: t.name,
      dataType: t.dtype,
      dims: t.dims,
      dataLocation: onnx.TensorProto.DataLocation.EXTERNAL,
      externalData: [
        { key: 'location', value: dataName },
        { key: 'offset', value: String(offset) },
        { key: 'length', value: String(t.data.byteLength) },
      ],
    });
    offset += t.data.byteLength;
    return entry;
  };

  try {
    const model = onnx.ModelProto.create({
      irVersion: 8,
      producerName: 'omni-bench',
      producerVersion: options.producerVersion,
      docString: graph.docString ?? '',
      opsetImport: Object.entries(graph.opsets).map(([domain, version]) => ({ domain, version })),
      metadataProps: Object.entries(options.metadata ?? {}).map(([key, value]) => ({ key, value })),
      graph: {
        name: graph.name,
        node: graph.nodes.map((n) =>
          onnx.NodeProto.create({
            name: n.name,
            opType: n.opType,
            domain: n.domain,
            input: n.inputs,
            output: n.outputs,
            attribute: Object.entries(n.attrs).map(([k, v]) => attribute(k, v)),
          }),
        ),
        initializer: graph.initializers.map(tensor),
        input: graph.inputs.map(valueInfo),
        output: graph.outputs.map(valueInfo),
      },
    });
    writeFileSync(path, onnx.ModelProto.encode(model).finish());
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  return { path, initializerBytes, ...(fd !== undefined ? { dataPath } : {}) };
}

/** Reads an ONNX file's protobuf (initializer data stays where it is). */
export function decodeOnnxModel(bytes: Uint8Array): InstanceType<typeof onnx.ModelProto> {
  return onnx.ModelProto.decode(bytes);
}
