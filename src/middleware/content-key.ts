/**
 * Content keys for the encoder cache: digests of what a stage reads (media file bytes, sample
 * and feature buffers) and of its parameters, so that the same content under the same
 * parameters maps to the same key whatever object or path carries it.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';

/** sha256 of a buffer's bytes, hex. */
function sha256(view: ArrayBufferView): string {
  return createHash('sha256').update(new Uint8Array(view.buffer, view.byteOffset, view.byteLength)).digest('hex');
}

/**
 * Digests with memories: a buffer is hashed once (stage outputs are treated as immutable, as
 * the pipeline treats them), a file once per version (path, inode, size, mtime).
 */
export class ContentKeys {
  private buffers = new WeakMap<ArrayBufferView, string>();
  private files = new Map<string, string>();
  /** Keys of values a cached stage returned: the next stage keys on them without hashing. */
  private origins = new WeakMap<object, string>();

  /** Digest of a buffer's bytes (with its element type and length). */
  buffer(view: ArrayBufferView): string {
    let digest = this.buffers.get(view);
    if (digest === undefined) {
      digest = `${view.constructor.name}[${view.byteLength}]:${sha256(view)}`;
      this.buffers.set(view, digest);
    }
    return digest;
  }

  /** Digest of a media file's bytes; the file is read once per version (same path, inode, size and mtime). */
  async file(path: string): Promise<string> {
    const real = await realpath(path);
    const s = await stat(real, { bigint: true });
    const version = `${real}\0${s.dev}:${s.ino}:${s.size}:${s.mtimeNs}`;
    const known = this.files.get(version);
    if (known !== undefined) return known;
    const hash = createHash('sha256');
    for await (const chunk of createReadStream(real)) hash.update(chunk as Buffer);
    const digest = `file[${s.size}]:${hash.digest('hex')}`;
    this.files.set(version, digest);
    return digest;
  }

  /** Records that `value` is what the stage keyed `key` returned. */
  setOrigin(value: object, key: string): void {
    this.origins.set(value, key);
  }

  /** The key of the stage that returned `value`, if a cached stage did. */
  origin(value: object): string | undefined {
    return this.origins.get(value);
  }

  /**
   * A stable digest of a value: buffers by their bytes (or their origin), plain objects by
   * sorted keys, arrays in order, other values as JSON.
   */
  value(value: unknown, depth = 4): string {
    if (value === undefined) return 'undefined';
    if (value === null || typeof value !== 'object') return JSON.stringify(value);
    const origin = this.origins.get(value);
    if (origin !== undefined) return `<${origin}>`;
    if (ArrayBuffer.isView(value)) return this.buffer(value);
    if (depth === 0) throw new TypeError('content key: value nested too deeply to key');
    if (Array.isArray(value)) return `[${value.map((v) => this.value(v, depth - 1)).join(',')}]`;
    const record = value as Record<string, unknown>;
    return `{${Object.keys(record)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${this.value(record[k], depth - 1)}`)
      .join(',')}}`;
  }

  /** Forgets every memory (after a reset of the cache, hashing is paid again, as on a cold cache). */
  clear(): void {
    this.buffers = new WeakMap();
    this.files.clear();
    this.origins = new WeakMap();
  }
}
