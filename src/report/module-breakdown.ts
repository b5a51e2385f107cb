/**
 * module_breakdown.csv (--ort-profile): ONNX Runtime kernel time per session, grouped by module
 * (from the hierarchical node names, e.g. /audio/layers.3/attn) and op type.
 */
import { basename } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import { writeFileAtomic } from '../fs-atomic.js';
import { arenaPeakBytes, findOrtProfiles, groupByModule, parseOrtProfile } from '../profiler/ort-profile.js';

/** Module depth of the grouping: /audio/layers.3/attn. */
export const MODULE_DEPTH = 3;

/** Components as the model runtime names its profile files (<prefix>_<component>_<time>.json). */
const COMPONENTS = ['speech', 'vision', 'embedding', 'decoder'] as const;

/**
 * Writes module_breakdown.csv from the profiles under `prefix`: columns component, module,
 * op_type, calls, total_ms, share_pct (of the component's kernel time), arena_peak_mb.
 * Resolves to the number of profiles read (0: nothing written).
 */
export async function writeModuleBreakdown(path: string, prefix: string): Promise<number> {
  const files = findOrtProfiles(prefix);
  const rows: string[][] = [['component', 'module', 'op_type', 'calls', 'total_ms', 'share_pct', 'arena_peak_mb']];
  const seen = new Set<string>();
  for (const file of files) {
    const rest = basename(file).slice(basename(prefix).length + 1);
    const component = COMPONENTS.find((c) => rest.startsWith(`${c}_`)) ?? 'session';
    if (seen.has(component)) continue; // newest profile per component only
    seen.add(component);
    const events = parseOrtProfile(file);
    const arena = arenaPeakBytes(events);
    for (const row of groupByModule(events, MODULE_DEPTH)) {
      rows.push([component, row.module, row.opType, String(row.calls), row.totalMs.toFixed(3), row.sharePct.toFixed(2), arena === undefined ? '' : (arena / 1e6).toFixed(3)]);
    }
  }
  if (seen.size === 0) return 0;
  await writeFileAtomic(path, stringify(rows));
  return seen.size;
}
