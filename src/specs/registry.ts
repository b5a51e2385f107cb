/**
 * Every spec, by name. A new spec is one file plus one line here; the CLI builds one
 * subcommand per entry.
 */
import { UsageError } from '../errors.js';
import type { Spec } from './spec.js';
import { ttftBreakdown } from './ttft-breakdown.js';
import { multiturn } from './multiturn.js';
import { audioPadding } from './audio-padding.js';
import { parallelEncode } from './parallel-encode.js';
import { moduleProfile } from './module-profile.js';
import { frameScaling } from './frame-scaling.js';
import { tokenPrefill } from './token-prefill.js';
import { audioLength } from './audio-length.js';

const SPECS = new Map<string, Spec>();

/** Registers a spec; a duplicate name is a programming error. */
export function registerSpec(spec: Spec): void {
  if (SPECS.has(spec.name)) throw new TypeError(`spec '${spec.name}' is registered twice`);
  SPECS.set(spec.name, spec);
}

/** Registered specs in registration order. */
export function listSpecs(): Spec[] {
  return [...SPECS.values()];
}

/** The spec called `name`; a UsageError listing the known ones otherwise. */
export function getSpec(name: string): Spec {
  const spec = SPECS.get(name);
  if (!spec) throw new UsageError(`unknown spec '${name}' (known: ${[...SPECS.keys()].join(', ')})`);
  return spec;
}

registerSpec(ttftBreakdown);
registerSpec(multiturn);
registerSpec(audioPadding);
registerSpec(parallelEncode);
registerSpec(tokenPrefill);
registerSpec(audioLength);
registerSpec(moduleProfile);
registerSpec(frameScaling);
