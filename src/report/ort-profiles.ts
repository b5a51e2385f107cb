/**
 * The ONNX Runtime profiles of a results folder (--ort-profile, module-profile), each placed on
 * the run's clock (profiler/ort-align.ts) with its warmups left out: for trace.json's ORT rows
 * and for module-profile's tables. A folder whose variants ran in child processes holds one
 * profile per session and process; each is aligned with the spans recorded while it was open.
 */
import { statSync } from 'node:fs';
import { basename } from 'node:path';
import { alignSession, kernelsByRun, sessionStages, type RunKernels, type SessionAlignment } from '../profiler/ort-align.js';
import { findOrtProfiles, ortProfileStartMs, readOrtProfile, type OrtOpEvent, type OrtProfile } from '../profiler/ort-profile.js';
import type { OrtTraceInput } from '../profiler/trace.js';
import type { Span } from '../profiler/types.js';
import { errorMessage } from '../errors.js';
import { ortProfilePrefix } from '../runner/results-dir.js';
import { stageTrack } from '../stages.js';

/** One session's profile, aligned with the spans that called it. */
export interface AlignedSession {
  /** The component whose session it is: `speech`, `vision`, `embedding`, `decoder`, `speech-worker`... */
  component: string;
  file: string;
  alignment: SessionAlignment;
  /** The recorded runs with their kernels. */
  runs: RunKernels[];
}

/** The aligned sessions of a folder, and what could not be aligned (one line each). */
export interface RunProfiles {
  sessions: AlignedSession[];
  warnings: string[];
}

/** Order of the sessions: the order a request calls them. */
const ORDER = ['speech', 'speech-worker', 'vision', 'vision-worker', 'embedding', 'decoder'];

/** The component of a profile file `<prefix>_<component>_<date>_<time>.json`; undefined for another name. */
export function profileComponent(file: string, prefix: string): string | undefined {
  const rest = basename(file).slice(basename(prefix).length + 1);
  return /^(.+?)_\d{4}-\d{2}-\d{2}_/.exec(rest)?.[1];
}

/** Parsed profiles by path, size and mtime: trace.json and a spec's tables read the same files. */
const parsed = new Map<string, { stamp: string; profile: OrtProfile }>();

function readCached(path: string): OrtProfile {
  const stat = statSync(path);
  const stamp = `${stat.size}:${stat.mtimeMs}`;
  const hit = parsed.get(path);
  if (hit?.stamp === stamp) return hit.profile;
  const profile = readOrtProfile(path);
  parsed.clear(); // one folder at a time: keep memory bounded
  parsed.set(path, { stamp, profile });
  return profile;
}

/**
 * Reads every ONNX Runtime profile of `dir` and aligns each with `spans` (the run's timeline).
 * A session's profiles are taken in the order they were opened (their file names' times), each
 * with the spans from its start to the next one's. Profiles that cannot be read or aligned are
 * named in `warnings`, never thrown.
 */
export function readRunProfiles(dir: string, spans: readonly Span[]): RunProfiles {
  const prefix = ortProfilePrefix(dir);
  const out: RunProfiles = { sessions: [], warnings: [] };
  const files = findOrtProfiles(prefix)
    .map((file) => ({ file, component: profileComponent(file, prefix), startMs: ortProfileStartMs(file) ?? -Infinity }))
    .filter((f): f is { file: string; component: string; startMs: number } => f.component !== undefined)
    .sort((a, b) => a.startMs - b.startMs || a.file.localeCompare(b.file));
  for (const f of files) {
    const stages = sessionStages(f.component);
    if (stages.length === 0) continue;
    // The spans of this profile's process: from its start (the name's time is local and to the
    // ms; a second of slack) to the start of the same session's next profile.
    const next = files.find((g) => g.component === f.component && g.startMs > f.startMs);
    const mine = spans.filter((s) => s.startMs >= f.startMs - 1000 && (next === undefined || s.startMs < next.startMs - 1000));
    let profile: OrtProfile;
    try {
      profile = readCached(f.file);
    } catch (error) {
      out.warnings.push(`${basename(f.file)}: ${errorMessage(error)}`);
      continue;
    }
    if (profile.runs.length === 0) continue; // a session never run (the encode middleware's workers ran it)
    const alignment = alignSession(profile, mine, stages);
    if (!alignment) {
      out.warnings.push(`${basename(f.file)}: its ${profile.runs.length} session runs match no ${stages.join('/')} span of the timeline; left out`);
      continue;
    }
    out.sessions.push({ component: f.component, file: f.file, alignment, runs: kernelsByRun(profile.ops, alignment.matches) });
  }
  const rank = (c: string): number => (ORDER.includes(c) ? ORDER.indexOf(c) : ORDER.length);
  out.sessions.sort((a, b) => rank(a.component) - rank(b.component));
  return out;
}

/**
 * trace.json's ORT rows: each session's recorded runs (a `session.run` slice each) and their
 * kernels nested inside, on a row named by the track of the stages that call the session and
 * the component (`audio/speech`, `main/decoder`); warmups are left out.
 */
export function ortTraceInputs(profiles: RunProfiles): OrtTraceInput[] {
  return profiles.sessions.map((s) => {
    const events: OrtOpEvent[] = [];
    for (const run of s.runs) {
      events.push({ node: `${s.component} session.run (${String(run.span.name)})`, opType: 'model_run', provider: 'session', tsUs: run.run.tsUs, durUs: run.run.durUs });
      events.push(...run.kernels);
    }
    const track = stageTrack(sessionStages(s.component)[0] ?? '');
    return { label: `${track}/${s.component}`, originMs: s.alignment.originMs, events };
  });
}

/** trace.json's ORT rows of the folder `dir` (none without profiles, or when they cannot be read). */
export function runOrtTrace(dir: string, spans: readonly Span[]): OrtTraceInput[] {
  try {
    return ortTraceInputs(readRunProfiles(dir, spans));
  } catch {
    return [];
  }
}
