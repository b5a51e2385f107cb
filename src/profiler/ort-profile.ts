/**
 * ONNX Runtime's per-op profile (SessionOptions enableProfiling + profileFilePrefix): a JSON
 * array of Chrome-trace events. Kernel events have cat "Node", name "<node name>_kernel_time",
 * args.op_name and args.provider, ts and dur in µs from the session's profiler start (when the
 * session was created). Session events (cat "Session": model_loading_*, session_initialization,
 * model_run, SequentialExecutor::Execute) are not per-op and are left out.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { ExitCode, OmniBenchError, errorMessage } from '../errors.js';

/** One kernel execution from an ORT profile. */
export interface OrtOpEvent {
  /** ONNX node name, e.g. "/audio/layers.3/attn/MatMul" ("_kernel_time" removed). */
  node: string;
  /** ONNX op type (args.op_name), e.g. "MatMul". */
  opType: string;
  /** Execution provider (args.provider), e.g. "CPUExecutionProvider". */
  provider: string;
  /** Start, µs since the session's profiler started. */
  tsUs: number;
  durUs: number;
  /** Bytes held by the session's arena after this op (args.mem_arena_held), where reported. */
  arenaHeldBytes?: number;
  /**
   * Shapes of the node's inputs and outputs in this run (args.input_type_shape and
   * output_type_shape), where reported. ORT lists the inputs it did not prepack: a MatMul's
   * constant weight is usually absent, its activation present.
   */
  inputShapes?: number[][];
  outputShapes?: number[][];
}

/** One row of the module breakdown (module_breakdown.csv). */
export interface ModuleRow {
  /** Node-name prefix, e.g. "/audio/layers.3/attn"; "/" for nodes without a hierarchy. */
  module: string;
  opType: string;
  calls: number;
  totalMs: number;
  /** Percent (0-100) of all kernel time in the events. */
  sharePct: number;
}

interface RawEvent {
  cat?: unknown;
  name?: unknown;
  ts?: unknown;
  dur?: unknown;
  args?: { op_name?: unknown; provider?: unknown; mem_arena_held?: unknown; input_type_shape?: unknown; output_type_shape?: unknown };
}

/** `[{"float": [1, 185, 128]}, ...]` as shapes; undefined when the field is absent or not that form. */
function shapesOf(raw: unknown): number[][] | undefined {
  if (!Array.isArray(raw)) return undefined;
  const shapes: number[][] = [];
  for (const entry of raw as unknown[]) {
    const dims = entry !== null && typeof entry === 'object' ? Object.values(entry as Record<string, unknown>)[0] : undefined;
    if (!Array.isArray(dims) || !dims.every((d) => typeof d === 'number' && Number.isFinite(d))) return undefined;
    shapes.push(dims as number[]);
  }
  return shapes;
}

const KERNEL_SUFFIX = '_kernel_time';

/** An ONNX Runtime profile that cannot be read (exit code 1: the run's other results stand). */
export class OrtProfileError extends OmniBenchError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, ExitCode.Failures, options);
  }
}

/**
 * The events of a profile's JSON text. A profile cut short (the process died before ORT wrote
 * the closing bracket) is read up to its last complete event.
 */
function parseEvents(text: string, path: string): RawEvent[] {
  let firstError: unknown;
  try {
    const parsed: unknown = JSON.parse(text);
    if (Array.isArray(parsed)) return parsed as RawEvent[];
    firstError = new SyntaxError('not a JSON array');
  } catch (error) {
    firstError = error;
  }
  if (text.trimStart().startsWith('[')) {
    // Cut after each of the last few '}' in turn until the rest parses (events nest objects).
    let end = text.length;
    for (let attempt = 0; attempt < 64; attempt++) {
      end = text.lastIndexOf('}', end - 1);
      if (end < 0) break;
      try {
        return JSON.parse(`${text.slice(0, end + 1)}]`) as RawEvent[];
      } catch {
        // try an earlier '}'
      }
    }
  }
  throw new OrtProfileError(
    `${path}: not an ONNX Runtime profile (${firstError instanceof Error ? firstError.message : String(firstError)}); ` +
      'expected the JSON array written by a session created with enableProfiling',
  );
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new OrtProfileError(`${path}: cannot read the ONNX Runtime profile (${errorMessage(error)})`, { cause: error });
  }
}

/** A profile's kernels plus the session events used to place it on the shared clock. */
export interface OrtProfile {
  ops: OrtOpEvent[];
  /** model_run events (one per session.run), µs since the profiler's start, in file order. */
  runs: Array<{ tsUs: number; durUs: number }>;
  /** End of session_initialization, µs since the profiler's start (about when create() resolves). */
  initEndUs?: number;
}

/** Kernel (per-op) events of the ORT profile at `path`, in file order. */
export function parseOrtProfile(path: string): OrtOpEvent[] {
  return readOrtProfile(path).ops;
}

/** Kernels and session events of the ORT profile at `path`. */
export function readOrtProfile(path: string): OrtProfile {
  const raw = parseEvents(readText(path), path);
  const profile: OrtProfile = { ops: ortOpEvents(raw), runs: [] };
  for (const e of raw) {
    if (e?.cat !== 'Session') continue;
    const tsUs = Number(e.ts);
    const durUs = Number(e.dur);
    if (e.name === 'model_run') profile.runs.push({ tsUs, durUs });
    else if (e.name === 'session_initialization') profile.initEndUs = tsUs + durUs;
  }
  return profile;
}

/** How to place a profile on the shared clock (see ortOriginMs). */
export type OrtAnchor =
  /** Time (shared clock) at which InferenceSession.create() resolved: within a few ms. */
  | { createdMs: number }
  /**
   * Windows (shared clock, [from, to] ms) that each contain one session.run, in run order (e.g.
   * the stage spans around them): sub-millisecond once several runs are known.
   */
  | { runWindowsMs: ReadonlyArray<readonly [number, number]> };

/**
 * Epoch ms (shared clock) of the profile's ts 0, so a kernel starts at origin + tsUs / 1000.
 * ORT's ts counts from its profiler's start inside InferenceSession.create, which comes tens of
 * ms after the call on a first session (binding and environment set-up), so a time taken
 * before create() is not a usable origin. With run windows, the origin is the middle of the
 * origins that put every model_run inside its window; when none does (windows and runs not
 * paired one to one), the median of aligning each run's middle with its window's middle.
 * Undefined when the profile lacks the events the anchor needs.
 */
export function ortOriginMs(profile: OrtProfile, anchor: OrtAnchor): number | undefined {
  if ('createdMs' in anchor) {
    return profile.initEndUs === undefined ? undefined : anchor.createdMs - profile.initEndUs / 1000;
  }
  const pairs = Math.min(profile.runs.length, anchor.runWindowsMs.length);
  if (pairs === 0) return undefined;
  let low = -Infinity;
  let high = Infinity;
  const middles: number[] = [];
  for (let i = 0; i < pairs; i++) {
    const run = profile.runs[i]!;
    const [from, to] = anchor.runWindowsMs[i]!;
    low = Math.max(low, from - run.tsUs / 1000);
    high = Math.min(high, to - (run.tsUs + run.durUs) / 1000);
    middles.push((from + to) / 2 - (run.tsUs + run.durUs / 2) / 1000);
  }
  if (low <= high) return (low + high) / 2;
  middles.sort((a, b) => a - b);
  return middles[middles.length >> 1];
}

/** Kernel events among already-parsed profile events. */
export function ortOpEvents(events: readonly unknown[]): OrtOpEvent[] {
  const out: OrtOpEvent[] = [];
  for (const raw of events as RawEvent[]) {
    if (raw?.cat !== 'Node' || typeof raw.name !== 'string' || !raw.name.endsWith(KERNEL_SUFFIX)) continue;
    const event: OrtOpEvent = {
      node: raw.name.slice(0, -KERNEL_SUFFIX.length),
      opType: typeof raw.args?.op_name === 'string' ? raw.args.op_name : 'unknown',
      provider: typeof raw.args?.provider === 'string' ? raw.args.provider : 'unknown',
      tsUs: Number(raw.ts),
      durUs: Number(raw.dur),
    };
    const held = Number(raw.args?.mem_arena_held);
    if (raw.args?.mem_arena_held !== undefined && Number.isFinite(held)) event.arenaHeldBytes = held;
    const inputShapes = shapesOf(raw.args?.input_type_shape);
    const outputShapes = shapesOf(raw.args?.output_type_shape);
    if (inputShapes) event.inputShapes = inputShapes;
    if (outputShapes) event.outputShapes = outputShapes;
    out.push(event);
  }
  return out;
}

/**
 * Module of a node name at `depth` path components: "/audio/layers.3/attn/MatMul" is
 * "/audio" at depth 1 and "/audio/layers.3/attn" at depth 3 or more (the last component, the
 * node itself, is never part of the module). Depth 0, or a name without '/', gives "/".
 */
export function moduleOf(node: string, depth: number): string {
  const parts = node.split('/').filter((p) => p !== '');
  const modules = parts.slice(0, Math.max(0, Math.min(depth, parts.length - 1)));
  return modules.length === 0 ? '/' : `/${modules.join('/')}`;
}

/**
 * Kernel time grouped by module (node-name prefix of `depth` components) and op type, largest
 * first. Depth 0 groups by op type alone. sharePct is of the total kernel time of `events`.
 */
export function groupByModule(events: readonly OrtOpEvent[], depth: number): ModuleRow[] {
  if (!Number.isInteger(depth) || depth < 0) throw new RangeError(`groupByModule: depth must be an integer >= 0 (got ${depth})`);
  const rows = new Map<string, { module: string; opType: string; calls: number; totalUs: number }>();
  let allUs = 0;
  for (const e of events) {
    const module = moduleOf(e.node, depth);
    const key = `${module}\u0000${e.opType}`;
    const row = rows.get(key) ?? { module, opType: e.opType, calls: 0, totalUs: 0 };
    row.calls++;
    row.totalUs += e.durUs;
    allUs += e.durUs;
    rows.set(key, row);
  }
  return [...rows.values()]
    .map((r) => ({
      module: r.module,
      opType: r.opType,
      calls: r.calls,
      totalMs: r.totalUs / 1000,
      sharePct: allUs > 0 ? (100 * r.totalUs) / allUs : 0,
    }))
    .sort((a, b) => b.totalMs - a.totalMs || a.module.localeCompare(b.module) || a.opType.localeCompare(b.opType));
}

/** Largest arena size any kernel event reported (method 'ort-profile'), or undefined. */
export function arenaPeakBytes(events: readonly OrtOpEvent[]): number | undefined {
  let peak: number | undefined;
  for (const e of events) if (e.arenaHeldBytes !== undefined && (peak === undefined || e.arenaHeldBytes > peak)) peak = e.arenaHeldBytes;
  return peak;
}

/**
 * Profile files written under `prefix` (ORT appends "_<local date>_<time>_<ms>.json"),
 * newest first. onnxruntime-node's endProfiling() returns nothing, so this is how the file is found.
 */
export function findOrtProfiles(prefix: string): string[] {
  const dir = dirname(prefix);
  const stem = `${basename(prefix)}_`;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .filter((n) => n.startsWith(stem) && n.endsWith('.json'))
    .map((n) => join(dir, n))
    .map((p) => ({ p, mtime: statSync(p).mtimeMs }))
    .sort((a, b) => b.mtime - a.mtime || b.p.localeCompare(a.p))
    .map((x) => x.p);
}

/**
 * Epoch ms at which the profile started, from the file name ORT gives it
 * ("<prefix>_YYYY-MM-DD_HH-MM-SS_mmm.json", local time; older releases omit "_mmm"), or undefined.
 * A fallback: a start time taken by the caller just before creating the session is better.
 */
export function ortProfileStartMs(path: string): number | undefined {
  const m = /_(\d{4})-(\d{2})-(\d{2})_(\d{2})-(\d{2})-(\d{2})(?:_(\d{1,3}))?\.json$/.exec(basename(path));
  if (!m) return undefined;
  const [y, mo, d, h, mi, s, ms] = m.slice(1).map((v) => Number(v ?? 0)) as [number, number, number, number, number, number, number];
  return new Date(y, mo - 1, d, h, mi, s, ms).getTime();
}
