/**
 * Helpers every middleware uses to replace some stage functions of an object and forward the
 * rest untouched: the wrapped model or media keeps every member the inner one has (getters,
 * methods added later to ModelLike), so a middleware never needs to know the whole interface.
 */

/**
 * `inner` with the members in `overrides` replaced. Other members are read from `inner` on
 * each access (getters stay live); methods are bound to `inner`, so a class instance behind a
 * wrapper still sees its own fields.
 */
export function override<T extends object>(inner: T, overrides: Partial<T>): T {
  return new Proxy(inner, {
    get(target, key) {
      if (Object.hasOwn(overrides, key)) return (overrides as Record<PropertyKey, unknown>)[key];
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
    has(target, key) {
      return Object.hasOwn(overrides, key) || Reflect.has(target, key);
    },
  });
}

/**
 * Bytes of the typed arrays reachable from `value` (plain objects and arrays, `depth` levels
 * deep; each buffer view counted once): what a cache entry keeps alive. Strings and numbers are
 * not counted (negligible beside media buffers).
 */
export function retainedBytes(value: unknown, depth = 4, seen: Set<unknown> = new Set()): number {
  if (value === null || typeof value !== 'object' || seen.has(value)) return 0;
  seen.add(value);
  if (ArrayBuffer.isView(value)) return value.byteLength;
  if (depth === 0) return 0;
  let bytes = 0;
  for (const item of Array.isArray(value) ? value : Object.values(value)) bytes += retainedBytes(item, depth - 1, seen);
  return bytes;
}

/** Bytes of one tensor-like value with typed-array data (an ORT CPU tensor), 0 when it has none. */
export function tensorBytes(tensor: { data: unknown }): number {
  const data = tensor.data;
  return ArrayBuffer.isView(data) ? data.byteLength : 0;
}

/**
 * True when a typed array reachable from `value` (as retainedBytes walks it) has been detached:
 * its buffer was transferred to a worker thread and never handed back (the worker died).
 */
export function holdsDetachedBuffer(value: unknown, depth = 4, seen: Set<unknown> = new Set()): boolean {
  if (value === null || typeof value !== 'object' || seen.has(value)) return false;
  seen.add(value);
  if (ArrayBuffer.isView(value)) return value.buffer.byteLength === 0 && !(value.buffer instanceof SharedArrayBuffer) && isDetached(value.buffer);
  if (depth === 0) return false;
  for (const item of Array.isArray(value) ? value : Object.values(value)) if (holdsDetachedBuffer(item, depth - 1, seen)) return true;
  return false;
}

/** Node 20 has no ArrayBuffer.prototype.detached: a detached buffer refuses to be sliced. */
function isDetached(buffer: ArrayBufferLike): boolean {
  try {
    buffer.slice(0, 0);
    return false;
  } catch {
    return true;
  }
}
