/**
 * The mechanics of reading a model folder's values (model-config.ts uses them, and each family
 * adapter): the files consulted, a value looked for in several places in order with the place it
 * came from recorded, what is missing, and which genai_config.json keys were used (the rest is
 * listed as ignored).
 */
import { PREPROCESSOR_CONFIG_FILE } from './genai-config.js';

/** Hugging Face's model config, shipped beside genai_config.json by real exports. */
export const HF_CONFIG_FILE = 'config.json';

/** A parsed JSON object. */
export type Json = Record<string, unknown>;

export const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The value at a dotted path of `root` (undefined when any step is missing). */
export function valueAt(root: unknown, path: string): unknown {
  let value: unknown = root;
  for (const part of path.split('.')) value = isObject(value) ? value[part] : undefined;
  return value;
}

/** Kinds of value a field takes. */
type Kind = 'int' | 'number' | 'string' | 'int[]' | 'boolean';

function ofKind(value: unknown, kind: Kind): boolean {
  switch (kind) {
    case 'int':
      return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'string':
      return typeof value === 'string' && value.length > 0;
    case 'boolean':
      return typeof value === 'boolean';
    case 'int[]':
      return Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0);
  }
}

const KIND_WORDS: Record<Kind, string> = { int: 'a non-negative integer', number: 'a number', string: 'a non-empty string', boolean: 'true or false', 'int[]': 'a list of integers' };

/** One JSON file consulted: its label (the file name) and contents. */
export interface ConfigFile {
  label: string;
  json: Json;
}

/** A place a value may come from: a file and a dotted path in it. */
export type Candidate = [file: ConfigFile | null, path: string];

/**
 * The resolution in progress: the files read, the values found with their source, the genai
 * paths used, and everything missing or of the wrong type (reported together at the end).
 */
export class Resolution {
  readonly sources: Record<string, string> = {};
  readonly missing: string[] = [];
  readonly used = new Set<string>();
  readonly warnings: string[] = [];

  constructor(
    readonly dir: string,
    /** genai_config.json. */
    readonly genai: ConfigFile,
    /** config.json, preprocessor_config.json, processor configs (flattened), when present. */
    readonly hf: ConfigFile | null,
    readonly preprocessor: ConfigFile | null,
    readonly processors: ConfigFile[],
  ) {}

  /**
   * The first candidate holding a value of `kind`; else `fallback` (labelled: a family's fixed
   * value); else null, recorded as missing when `required`. A value of the wrong type is
   * recorded as a problem naming the file and the path. genai_config.json paths are marked used.
   */
  value<T>(field: string, kind: Kind, candidates: Candidate[], options: { fallback?: { value: T; label: string }; required?: boolean } = {}): T | null {
    for (const [file, path] of candidates) {
      if (!file) continue;
      if (file === this.genai) this.used.add(path);
      const value = valueAt(file.json, path);
      if (value === undefined || value === null) continue;
      if (kind === 'int[]' && typeof value === 'number' && ofKind(value, 'int')) {
        this.sources[field] = `${file.label} ${path}`;
        return [value] as T;
      }
      if (!ofKind(value, kind)) {
        this.missing.push(`${field}: ${file.label} ${path} is ${JSON.stringify(value)}, not ${KIND_WORDS[kind]}`);
        return null;
      }
      this.sources[field] = `${file.label} ${path}`;
      return value as T;
    }
    if (options.fallback) {
      this.sources[field] = options.fallback.label;
      return options.fallback.value;
    }
    if (options.required ?? true) {
      const places = candidates.map(([file, path]) => `${file?.label ?? '?'} ${path}`);
      this.missing.push(`${field} (looked in ${[...new Set(places)].join(', ')})`);
    }
    return null;
  }

  /** Records a value computed from others, with how. */
  derive<T>(field: string, value: T, how: string): T {
    this.sources[field] = `derived: ${how}`;
    return value;
  }

  /** A genai_config.json path of the model (marks the object as read). */
  genaiPath(path: string): Candidate {
    return [this.genai, path];
  }

  /** A config.json path (null file when the folder has none: still named where it was looked for). */
  hfPath(path: string): Candidate {
    return [this.hf ?? absentFile(HF_CONFIG_FILE), path];
  }

  preprocessorPath(path: string): Candidate {
    return [this.preprocessor ?? absentFile(PREPROCESSOR_CONFIG_FILE), path];
  }

  /** The same key in every processor config (onnxruntime-extensions attrs, flattened). */
  processorPaths(key: string): Candidate[] {
    return this.processors.map((file): Candidate => [file, key]);
  }
}

/** A file the folder lacks: no values, named in "looked in" lists. */
function absentFile(name: string): ConfigFile {
  return { label: `${name} (not in the folder)`, json: {} };
}

/**
 * A processor config in onnxruntime-extensions' format (`processor.transforms[]` or
 * `feature_extraction.sequence[]`, each `{ operation: { type, attrs } }`) flattened to one object
 * of every op's attrs (`patch_size`, `min_pixels`, `logmel/n_mel`...), plus `<type>.<attr>` keys;
 * a Hugging Face-style flat processor config is returned as is.
 */
export function flattenProcessorConfig(label: string, json: Json): ConfigFile {
  const ops = [valueAt(json, 'processor.transforms'), valueAt(json, 'feature_extraction.sequence')].filter(Array.isArray).flat() as unknown[];
  if (ops.length === 0) return { label, json };
  const flat: Json = {};
  for (const entry of ops) {
    const op = valueAt(entry, 'operation');
    if (!isObject(op)) continue;
    const attrs = op['attrs'];
    if (!isObject(attrs)) continue;
    for (const [key, value] of Object.entries(attrs)) {
      if (!(key in flat)) flat[key] = value;
      if (typeof op['type'] === 'string') flat[`${op['type']}.${key}`] = value;
    }
  }
  return { label, json: flat };
}

/** Dotted paths of every leaf (and empty object/array) of `json`; array elements by index. */
function leafPaths(json: unknown, prefix = ''): string[] {
  const join = (k: string | number): string => (prefix ? `${prefix}.${k}` : String(k));
  if (Array.isArray(json)) return json.length === 0 ? [prefix] : json.flatMap((v, i) => leafPaths(v, join(i)));
  if (!isObject(json)) return [prefix];
  const keys = Object.keys(json);
  if (keys.length === 0) return [prefix];
  return keys.flatMap((k) => leafPaths(json[k], join(k)));
}

/** Keys of genai_config.json no resolver read: a path is used when it or an ancestor was read. */
export function ignoredKeys(genai: Json, used: ReadonlySet<string>): string[] {
  const isUsed = (path: string): boolean => {
    const parts = path.split('.');
    for (let i = parts.length; i > 0; i--) if (used.has(parts.slice(0, i).join('.'))) return true;
    return false;
  };
  return leafPaths(genai).filter((p) => p !== '' && !isUsed(p));
}

