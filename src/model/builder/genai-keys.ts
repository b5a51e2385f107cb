/**
 * Which keys of a genai_config.json onnxruntime-genai's parser would refuse. The accepted keys
 * come from ../genai-config-keys.json (read by hand from onnxruntime-genai's src/config.cpp at
 * the commit recorded there): "objects" maps a schema path (dots, `[]` for an array element,
 * `*` for any key of a "free" object) to its accepted keys or to "free"; "kinds" gives the JSON
 * form of keys that are not plain scalars; "patterns" explains the lenient places honoured here
 * (unlisted top-level scalars are ignored; unlisted session_options scalars become ORT config
 * entries). Shared by the builder's tests and `model inspect`: keep it free of builder imports.
 */
import keyList from '../genai-config-keys.json' with { type: 'json' };

type Form = 'object' | 'array' | 'scalar';

interface KeyList {
  objects: Record<string, string[] | 'free'>;
  kinds: Record<string, Record<string, string>>;
}

const KEYS = keyList as unknown as KeyList;

function formOf(value: unknown): Form {
  if (Array.isArray(value)) return 'array';
  if (value !== null && typeof value === 'object') return 'object';
  return 'scalar';
}

function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

/** A scalar that the parser takes without a listed key: top-level scalars, session_options config entries. */
function lenientScalar(schemaPath: string, value: unknown): boolean {
  if (schemaPath === '') return true; // Root_Element::OnValue ignores any top-level scalar
  return schemaPath.endsWith('.session_options') && typeof value === 'string';
}

function walk(value: unknown, schemaPath: string, path: string, out: string[]): void {
  const form = formOf(value);
  if (form === 'array') {
    const elementSchema = `${schemaPath}[]`;
    const ofObjects = elementSchema in KEYS.objects; // else an array of scalars: ids, names, sizes
    (value as unknown[]).forEach((element, i) => {
      const elementForm = formOf(element);
      if (ofObjects && elementForm === 'object') walk(element, elementSchema, `${path}[${i}]`, out);
      else if (ofObjects || elementForm !== 'scalar') out.push(`${path}[${i}]`);
    });
    return;
  }
  if (form !== 'object') return;
  const accepted = KEYS.objects[schemaPath];
  if (accepted === undefined) {
    out.push(path);
    return;
  }
  for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
    const childPath = join(path, key);
    const childForm = formOf(child);
    if (accepted === 'free') {
      // Any key: scalars are option values (strings); objects need the schema of `<path>.<key>` or `<path>.*`.
      const named = join(schemaPath, key);
      const childSchema = named in KEYS.objects ? named : join(schemaPath, '*');
      if (childForm === 'scalar') {
        if (typeof child !== 'string') out.push(childPath);
      } else if (childForm === 'object' ? childSchema in KEYS.objects : `${childSchema}[]` in KEYS.objects) {
        walk(child, childSchema, childPath, out);
      } else {
        out.push(childPath);
      }
      continue;
    }
    if (!accepted.includes(key)) {
      if (childForm !== 'scalar' || !lenientScalar(schemaPath, child)) out.push(childPath);
      continue;
    }
    const kinds = (KEYS.kinds[schemaPath]?.[key] ?? 'scalar').split('|');
    if (!kinds.includes(childForm)) out.push(childPath);
    else if (childForm !== 'scalar') walk(child, join(schemaPath, key), childPath, out);
  }
}

/**
 * Dotted paths (array elements as `[i]`) of the keys in a genai_config.json object that
 * onnxruntime-genai's parser does not accept, in document order; [] when it accepts them all.
 * A key given in a JSON form its parser element does not take (an object where a scalar is
 * expected) counts as not accepted. Values of accepted keys are not otherwise checked.
 */
export function unacceptedKeys(json: unknown): string[] {
  const out: string[] = [];
  if (formOf(json) !== 'object') return [''];
  walk(json, '', '', out);
  return out;
}
