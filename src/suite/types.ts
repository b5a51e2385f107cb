/**
 * The suite's data model (docs/ci.md): a suite file's entries and expectations as validated,
 * and what running them gave. Built once; suite.json, suite.md and the terminal are writers
 * over it.
 */

/** Statistics an expectation may read from a group's metric (src/profiler/types.ts Statistics). */
export const SUITE_STATS = ['mean', 'p50', 'p90', 'p99', 'min', 'max', 'std', 'n', 'ci95Low', 'ci95High'] as const;
export type SuiteStat = (typeof SUITE_STATS)[number];

/**
 * What a measured value is held against: a fixed number (`atMost`, `atLeast`), or the same
 * statistic of another variant and/or metric of the same parameters and turn times a factor
 * (`lessThan`, `greaterThan`: strict).
 */
export type Bound = FixedBound | RelativeBound;

/** `atMost` (value <= limit) or `atLeast` (value >= limit). */
export type FixedBound = { kind: 'atMost'; value: number } | { kind: 'atLeast'; value: number };

/** What `lessThan`/`greaterThan` compare with. */
export interface Counterpart {
  /** The variant compared with; default: the group's own variant. */
  variant?: string;
  /** The metric compared with; default: the expectation's metric. */
  metric?: string;
  /** Factor on the other value. Default 1. */
  times: number;
}

/** `lessThan` (value < other x times) or `greaterThan` (value > other x times). */
export type RelativeBound = ({ kind: 'lessThan' } & Counterpart) | ({ kind: 'greaterThan' } & Counterpart);

/** One expectation of an entry, validated. */
export interface Expectation {
  /** A records.csv column summarized per group (src/report/summary.ts SUMMARY_METRICS). */
  metric: string;
  stat: SuiteStat;
  /** Only this variant's groups; absent: every variant's groups that have the metric. */
  variant?: string;
  /** Only groups at these sweep parameters (`param_<name>` values, compared as text). */
  params?: Readonly<Record<string, string>>;
  /** Only groups of this conversation turn (0-based). */
  turn?: number;
  bound: Bound;
}

/** One entry of a suite: a spec run into DIR/<name>/ and what its results must show. */
export interface SuiteEntry {
  /** Folder name inside the suite's results folder; unique in the file. */
  name: string;
  spec: string;
  /** The spec's command-line options (the suite's own --shard appended when given). */
  args: string[];
  expect: Expectation[];
}

/** A validated suite file. */
export interface SuiteFile {
  /** The file as given on the command line. */
  path: string;
  entries: SuiteEntry[];
}

/** One group's side of an expectation: the value measured and what it was held against. */
export interface Check {
  /** The group's label (variant, parameters, turn), as summary tables name it. */
  group: string;
  /** The statistic measured; null when the group has no value of the metric. */
  value: number | null;
  /** The other side of lessThan/greaterThan: its group and statistic. */
  against?: { group: string; value: number | null };
  /** The limit the value was held against (a fixed number, or the other value times the factor). */
  limit: number | null;
  pass: boolean;
  /** Why the check could not compare (no value, no group to compare with). */
  note?: string;
}

/** What one expectation gave. */
export type ExpectationResult =
  | { status: 'pass' | 'fail'; expectation: Expectation; text: string; checks: Check[]; reason?: string }
  | { status: 'not-evaluated'; expectation: Expectation; text: string; reason: string };

/** How one entry ended. */
export type EntryStatus =
  /** The run exited 0 and every expectation passed. */
  | 'passed'
  /** The run exited 1 (some trials failed, or an answer changed) or an expectation failed. */
  | 'failed'
  /** The run exited 2 (nothing could run), or crashed. */
  | 'error'
  /** Stopped by Ctrl-C or SIGTERM. */
  | 'interrupted'
  /** Not started: the suite was interrupted before it. */
  | 'not-run';

/** One entry's outcome. */
export interface EntryResult {
  name: string;
  spec: string;
  args: string[];
  /** The entry's results folder. */
  dir: string;
  status: EntryStatus;
  /** The run's exit code (null when it ended by a signal or never ran). */
  exitCode: number | null;
  signal: string | null;
  /** Wall time of the run, ms (0 when it never ran). */
  wallMs: number;
  /** Why the entry did not pass, in one line (the run's own error line where it printed one). */
  reason?: string;
  expectations: ExpectationResult[];
}

/** A suite run: every entry so far (rewritten after each one). */
export interface SuiteResult {
  format: 'omni-bench-suite/1';
  file: string;
  dir: string;
  startedAt: string;
  finishedAt?: string;
  /** False until every entry ran (an interrupted suite stays false). */
  complete: boolean;
  entries: EntryResult[];
}
