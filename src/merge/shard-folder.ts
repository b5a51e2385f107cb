/**
 * One input of `omni-bench merge`: the results folder of a `--shard K/N` run, read whole and
 * checked to be one (meta.json, records.csv read strictly, no run still writing it).
 */
import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { UsageError } from '../errors.js';
import type { Shard } from '../datasets/select.js';
import { readRecordsCsv } from '../report/csv.js';
import { readMeta, type RunMeta } from '../report/meta.js';
import type { Timeline } from '../report/outputs.js';
import type { TrialRecord } from '../report/record.js';
import { resultPath } from '../runner/results-dir.js';
import { lockHolder } from '../runner/results-lock.js';

/** A shard's results folder as merge reads it. */
export interface ShardFolder {
  /** The folder as given on the command line (what messages name). */
  dir: string;
  /** Its real path, to tell a folder given twice under two names. */
  realDir: string;
  meta: RunMeta;
  /** The run's --shard (0-based index). */
  shard: Shard;
  /** `K/N`, as --shard takes it. */
  label: string;
  records: TrialRecord[];
  /** Whether records.csv has the logits_max_abs_diff column. */
  hasLogitsColumn: boolean;
  /** timeline.json (empty when absent or unreadable: the trace then has no spans of this shard). */
  timeline: Timeline;
}

/** `K/N` of a 0-based Shard. */
export function shardLabel(shard: Shard): string {
  return `${shard.index + 1}/${shard.count}`;
}

function isShard(value: unknown): value is Shard {
  const s = value as Partial<Shard> | null | undefined;
  return typeof s?.index === 'number' && typeof s.count === 'number' && Number.isInteger(s.index) && Number.isInteger(s.count) && s.index >= 0 && s.index < s.count;
}

function readTimeline(dir: string): Timeline {
  try {
    const parsed = JSON.parse(readFileSync(resultPath(dir, 'timeline'), 'utf8')) as Partial<Timeline>;
    return { spans: parsed.spans ?? [], memory: parsed.memory ?? [], ...(parsed.gpu ? { gpu: parsed.gpu } : {}) };
  } catch {
    return { spans: [], memory: [] };
  }
}

/**
 * Reads `dir`. Throws UsageError naming it when it is not a results folder (no folder, no
 * readable meta.json, no records.csv or a damaged one), when a run still holds its lock, or
 * when its run was not a `--shard K/N` run.
 */
export function readShardFolder(dir: string): ShardFolder {
  const notResults = (why: string): UsageError => new UsageError(`merge: ${dir} is not a results folder (${why}); pass the folders that --shard K/N runs wrote`);
  let isFolder = false;
  try {
    isFolder = statSync(dir).isDirectory();
  } catch {
    throw notResults('no such folder');
  }
  if (!isFolder) throw notResults('not a folder');
  const meta = readMeta(resultPath(dir, 'meta'));
  if (!meta || meta.format !== 'omni-bench-meta/1' || typeof meta.spec !== 'string') throw notResults('no readable meta.json');
  if (!existsSync(resultPath(dir, 'records'))) throw notResults('no records.csv');
  const holder = lockHolder(dir);
  if (holder) throw new UsageError(`merge: ${dir} is still being written by a run (pid ${holder.pid} on ${holder.host}, started ${holder.startedAt}); merge it when that run has finished`);
  const shard = meta.options['shard'];
  if (!isShard(shard)) throw new UsageError(`merge: ${dir} is not a --shard K/N run (meta.json has no options.shard); merge combines the folders of the shards of one run`);
  const { records, hasLogitsColumn } = readRecordsCsv(resultPath(dir, 'records'));
  return { dir, realDir: realpathSync(dir), meta, shard, label: shardLabel(shard), records, hasLogitsColumn, timeline: readTimeline(dir) };
}
