/**
 * What `omni-bench merge` refuses (exit 2, one line naming the folders and the difference) and
 * what it only warns about. Refused: a folder given twice, another spec, another model, another
 * value of an option that changes what is measured (MEASURED_OPTIONS and every spec option,
 * `--shard` aside), shards of different splits, one shard twice, a trial in two folders.
 * Warned: shards missing or interrupted (the merged folder is then incomplete), plan options
 * that differ (--repeats, --warmup, --variants, --isolate), shards run on different machines.
 */
import { UsageError } from '../errors.js';
import { keyString } from '../report/record.js';
import { comparable, flagOf, MEASURED_OPTIONS } from '../runner/resume.js';
import { shardLabel, type ShardFolder } from './shard-folder.js';

/** Options that shape the plan without changing what one trial measures: a difference is a warning. */
const PLAN_OPTIONS = ['repeats', 'warmup', 'variants', 'isolate'] as const;

/** What the checks found acceptable. */
export interface ShardCheck {
  /** The shards in shard order (1/N first): the merged folder's order, whatever the arguments' order. */
  ordered: ShardFolder[];
  /** Every shard of the split is there and none was interrupted. */
  complete: boolean;
  /** Whether every shard ran on the same machine (CPU model, cores, memory, OS). */
  sameMachine: boolean;
  warnings: string[];
}

/** The model a run loaded, as meta.json names it: its hash, else its folder. */
function modelOf(shard: ShardFolder): { what: string; value: string } | undefined {
  const model = shard.meta.model;
  if (typeof model?.['hash'] === 'string') return { what: 'model hash', value: model['hash'] };
  if (typeof model?.['dir'] === 'string') return { what: 'model folder', value: model['dir'] };
  return undefined;
}

function refuseOtherSpecOrModel(first: ShardFolder, other: ShardFolder): void {
  if (other.meta.spec !== first.meta.spec) {
    throw new UsageError(`merge: ${first.dir} is a ${first.meta.spec} run but ${other.dir} is a ${other.meta.spec} run; merge the shards of one spec`);
  }
  const a = modelOf(first);
  const b = modelOf(other);
  // A shard that never loaded the model (only invalid manifest rows) has no model to compare.
  if (a && b && a.what === b.what && a.value !== b.value) {
    throw new UsageError(`merge: ${first.dir} and ${other.dir} ran different models (${a.what} ${a.value} vs ${b.value}); merge the shards of one model`);
  }
}

/** Throws on the first option that changes what is measured and differs between the two runs. */
function refuseOtherMeasures(first: ShardFolder, other: ShardFolder): void {
  const differs = (key: string, a: unknown, b: unknown): void => {
    if (comparable(key, a) === comparable(key, b)) return;
    throw new UsageError(
      `merge: ${first.dir} and ${other.dir} differ in ${flagOf(key)} (${JSON.stringify(a ?? null)} vs ${JSON.stringify(b ?? null)}), an option that changes what is measured; merge shards run with the same options`,
    );
  };
  for (const key of MEASURED_OPTIONS) if (key !== 'shard') differs(key, first.meta.options[key], other.meta.options[key]);
  const specA = (first.meta.options['specOptions'] ?? {}) as Record<string, unknown>;
  const specB = (other.meta.options['specOptions'] ?? {}) as Record<string, unknown>;
  for (const key of [...new Set([...Object.keys(specA), ...Object.keys(specB)])].sort()) differs(key, specA[key], specB[key]);
}

/** Throws when one folder is given twice (under one name or two). */
function refuseSameFolder(shards: readonly ShardFolder[]): void {
  const byRealDir = new Map<string, ShardFolder>();
  for (const shard of shards) {
    const same = byRealDir.get(shard.realDir);
    if (same) throw new UsageError(`merge: ${shard.dir} is given twice${same.dir === shard.dir ? '' : ` (as ${same.dir} too)`}; pass each shard's folder once`);
    byRealDir.set(shard.realDir, shard);
  }
}

/** Throws when two folders are shards of different splits, or the same shard. */
function refuseShardClashes(shards: readonly ShardFolder[]): void {
  const [first] = shards as [ShardFolder];
  const byIndex = new Map<number, ShardFolder>();
  for (const shard of shards) {
    if (shard.shard.count !== first.shard.count) {
      throw new UsageError(`merge: ${first.dir} is shard ${first.label} but ${shard.dir} is shard ${shard.label}: shards of different splits cannot be merged`);
    }
    const twin = byIndex.get(shard.shard.index);
    if (twin) throw new UsageError(`merge: ${twin.dir} and ${shard.dir} are both shard ${shard.label}; pass one folder per shard`);
    byIndex.set(shard.shard.index, shard);
  }
}

/** Throws naming the first trial key (in argument order, then file order) found in two folders. */
function refuseOverlap(shards: readonly ShardFolder[]): void {
  const owner = new Map<string, ShardFolder>();
  for (const shard of shards) {
    // readRecordsCsv refused a key twice within one file: any key seen already is another folder's.
    for (const record of shard.records) {
      const key = keyString(record);
      const earlier = owner.get(key);
      if (earlier) throw new UsageError(`merge: ${earlier.dir} (shard ${earlier.label}) and ${shard.dir} (shard ${shard.label}) both hold trial ${key}; a trial belongs to one shard only (was a folder copied or its meta.json edited?)`);
      owner.set(key, shard);
    }
  }
}

function planWarnings(first: ShardFolder, other: ShardFolder): string[] {
  return PLAN_OPTIONS.flatMap((key) => {
    const a = first.meta.options[key];
    const b = other.meta.options[key];
    if (comparable(key, a) === comparable(key, b)) return [];
    return [`shard ${other.label} ran with ${flagOf(key)} ${JSON.stringify(b ?? null)}, shard ${first.label} with ${JSON.stringify(a ?? null)}: the merged records are not the plan of one run`];
  });
}

const machineOf = (shard: ShardFolder): string => {
  const e = shard.meta.environment;
  return `${e?.cpuModel} x${e?.cores}, ${e?.memoryBytes} bytes, ${e?.os}`;
};

/**
 * Checks the shards given to merge (in argument order, at least one). Throws UsageError on the
 * first refusal; resolves to the shards in shard order, whether the merge is complete, and the
 * warnings to print and keep in meta.json.
 */
export function checkShards(shards: readonly ShardFolder[]): ShardCheck {
  const [first] = shards;
  if (!first) throw new UsageError('merge: name the results folders of the shards to merge');
  refuseSameFolder(shards);
  for (const other of shards.slice(1)) {
    refuseOtherSpecOrModel(first, other);
    refuseOtherMeasures(first, other);
  }
  refuseShardClashes(shards);
  refuseOverlap(shards);

  const ordered = [...shards].sort((a, b) => a.shard.index - b.shard.index);
  const head = ordered[0] as ShardFolder;
  const warnings: string[] = [];
  for (const other of ordered.slice(1)) warnings.push(...planWarnings(head, other));
  const given = new Set(ordered.map((s) => s.shard.index));
  const missing = Array.from({ length: head.shard.count }, (_, index) => index).filter((index) => !given.has(index));
  if (missing.length > 0) {
    const names = missing.map((index) => shardLabel({ index, count: head.shard.count })).join(', ');
    warnings.push(`shard${missing.length > 1 ? 's' : ''} ${names} not given: the merged folder holds part of the plan (merge again with every shard for the whole run)`);
  }
  const interrupted = ordered.filter((s) => s.meta.interrupted === true || s.meta.finishedAt === undefined);
  for (const s of interrupted) {
    warnings.push(`shard ${s.label} (${s.dir}) did not finish: complete it with omni-bench ${s.meta.spec} --resume ${s.dir}, then merge again`);
  }
  const machines = [...new Set(ordered.map(machineOf))];
  const sameMachine = machines.length === 1;
  if (!sameMachine) {
    warnings.push(`the shards ran on ${machines.length} different machines (${machines.join('; ')}): their times are summarised together, and no % of MatMul peak is given`);
  }
  return { ordered, complete: missing.length === 0 && interrupted.length === 0, sameMachine, warnings };
}
