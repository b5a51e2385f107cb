/**
 * patchify: RGB frames to the vision encoder's pixel_values, as Qwen2VLImageProcessor does for
 * videos: rescale 1/255, CLIP mean/std normalisation, frames padded to a multiple of the temporal
 * patch by repeating the last one, then 14x14x2 patches flattened channel-major to 1176 values,
 * rows in Qwen's order with each 2x2 merge group contiguous.
 */
import type { VisionPatches } from '../model/types.js';

/** CLIP image mean (OPENAI_CLIP_MEAN), RGB. */
export const CLIP_MEAN = [0.48145466, 0.4578275, 0.40821073] as const;
/** CLIP image std (OPENAI_CLIP_STD), RGB. */
export const CLIP_STD = [0.26862954, 0.26130258, 0.27577711] as const;
/** Pixels per patch side: 14. */
export const PATCH_SIZE = 14;
/** Frames per temporal patch: 2. */
export const TEMPORAL_PATCH_SIZE = 2;
/** Patches per merged token side: 2 (2x2 patches become one token). */
export const MERGE_SIZE = 2;
/** Values per patch row: 3 channels x 2 frames x 14 x 14 = 1176. */
export const PATCH_VALUES = 3 * TEMPORAL_PATCH_SIZE * PATCH_SIZE * PATCH_SIZE;

/** Frames to patchify: RGB24 [height, width, 3] each, all the same size. */
export interface RgbFrames {
  frames: Uint8Array[];
  width: number;
  height: number;
  /** Frames per second of the sample; gives secondsPerGrid. Default 2. */
  sampleFps?: number;
}

/** VisionPatches with the counts the encoder will see. */
export interface Patches extends VisionPatches {
  secondsPerGrid: number;
  /** Rows of pixelValues: t x h x w. */
  patches: number;
  /** Tokens the vision encoder produces: patches / 4. */
  visionTokens: number;
}

/** Normalised value of each byte per channel: (v / 255 - mean) / std, in float32 as the processor. */
const LUT: Float32Array[] = [0, 1, 2].map((c) => {
  const lut = new Float32Array(256);
  for (let v = 0; v < 256; v++) lut[v] = (v / 255 - CLIP_MEAN[c]!) / CLIP_STD[c]!;
  return lut;
});

/**
 * pixel_values [t*h*w, 1176] and image_grid_thw [t, h, w] (in 14-pixel patches) of `input`.
 * width and height must be multiples of 28 (smart_resize output). An odd frame count repeats
 * the last frame. Throws RangeError on misuse.
 */
export function patchify(input: RgbFrames): Patches {
  const { frames, width, height } = input;
  const unit = PATCH_SIZE * MERGE_SIZE;
  if (frames.length === 0) throw new RangeError('patchify: no frames');
  if (!(width > 0 && height > 0 && width % unit === 0 && height % unit === 0)) {
    throw new RangeError(`patchify: frame size must be a positive multiple of ${unit} (smartResize gives one), got ${width}x${height}`);
  }
  const frameBytes = width * height * 3;
  frames.forEach((f, i) => {
    if (f.length !== frameBytes) throw new RangeError(`patchify: frame ${i} has ${f.length} bytes, expected ${width}x${height}x3 = ${frameBytes}`);
  });
  const padded = frames.slice();
  while (padded.length % TEMPORAL_PATCH_SIZE !== 0) padded.push(frames[frames.length - 1]!);

  const gridT = padded.length / TEMPORAL_PATCH_SIZE;
  const gridH = height / PATCH_SIZE;
  const gridW = width / PATCH_SIZE;
  const patches = gridT * gridH * gridW;
  const out = new Float32Array(patches * PATCH_VALUES);
  const lr = LUT[0]!;
  const lg = LUT[1]!;
  const lb = LUT[2]!;
  const plane = PATCH_SIZE * PATCH_SIZE;
  let row = 0;
  // Row order (t, h/2, w/2, 2, 2); column order (channel, frame in pair, y, x): the processor's
  // reshape to [t, 2, 3, h/2, 2, 14, w/2, 2, 14] and transpose (0, 3, 6, 4, 7, 2, 1, 5, 8).
  for (let t = 0; t < gridT; t++) {
    for (let hb = 0; hb < gridH / MERGE_SIZE; hb++) {
      for (let wb = 0; wb < gridW / MERGE_SIZE; wb++) {
        for (let mh = 0; mh < MERGE_SIZE; mh++) {
          for (let mw = 0; mw < MERGE_SIZE; mw++) {
            const y0 = (hb * MERGE_SIZE + mh) * PATCH_SIZE;
            const x0 = (wb * MERGE_SIZE + mw) * PATCH_SIZE;
            const base = row * PATCH_VALUES;
            for (let tp = 0; tp < TEMPORAL_PATCH_SIZE; tp++) {
              const frame = padded[t * TEMPORAL_PATCH_SIZE + tp]!;
              for (let c = 0; c < 3; c++) {
                const lut = c === 0 ? lr : c === 1 ? lg : lb;
                let dst = base + (c * TEMPORAL_PATCH_SIZE + tp) * plane;
                for (let py = 0; py < PATCH_SIZE; py++) {
                  let src = ((y0 + py) * width + x0) * 3 + c;
                  const end = dst + PATCH_SIZE;
                  while (dst < end) {
                    out[dst++] = lut[frame[src]!]!;
                    src += 3;
                  }
                }
              }
            }
            row++;
          }
        }
      }
    }
  }
  const sampleFps = input.sampleFps ?? 2;
  return {
    pixelValues: out,
    gridThw: [gridT, gridH, gridW],
    secondsPerGrid: TEMPORAL_PATCH_SIZE / sampleFps,
    patches,
    visionTokens: patches / (MERGE_SIZE * MERGE_SIZE),
  };
}
