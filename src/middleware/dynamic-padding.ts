/**
 * dynamic-padding: log-mel features for the real audio only, and the audio encoder on the real
 * frames only. The serial pipeline (the plain Qwen2.5-Omni baseline) pads features to the
 * processor's chunk (300 s) and then masks the padding (pad-features) or encodes it too
 * (pad-all); under this middleware there is no padding to mask or encode, whatever the pipeline
 * asks for.
 *
 * Why the answer is unchanged: src/media's 'dynamic' log-mel reproduces the first
 * ceil(samples / 160) frames of the padded features (the frames near the end see the same zero
 * padding, and the max - 8 floor is taken over the same frames), and the audio encoder's output
 * for real frames does not depend on the padding after them (its attention is per 2 s window,
 * padded frames masked). The LLM gets the real audio's tokens in every mode.
 */
import type { AudioEncodeOptions, MelFeatures } from '../model/types.js';
import type { MediaLike, ModelLike } from '../runner/types.js';
import type { Middleware, MiddlewareStats, Stack } from './types.js';
import { override } from './wrap.js';
import { stripMelPadding } from '../runner/pipeline.js';

/** The dynamic-padding middleware. */
export function createDynamicPadding(): Middleware {
  let encoderFrames = 0;

  return {
    name: 'dynamic-padding',
    wrap(stack: Stack): Stack {
      const media = override<MediaLike>(stack.media, {
        // Features for the real length whatever padding is asked: frames = validFrames. The
        // chunk still applies (audio past it is cut, as the processor cuts it).
        logMel: (samples, options) => stack.media.logMel(samples, { ...options, padding: 'dynamic' }),
      });
      const model = override<ModelLike>(stack.model, {
        encodeAudio: (mel: MelFeatures, options: AudioEncodeOptions = {}) => {
          // No padding to encode (pad-all) or mask: features given padded are cut to their real frames.
          const { encodePadding: _ignored, ...rest } = options;
          const real = stripMelPadding(mel);
          encoderFrames += real.frames;
          return stack.model.encodeAudio(real, rest);
        },
      });
      return { model, media };
    },
    reset() {
      // Nothing kept between calls.
    },
    stats(): MiddlewareStats {
      const out = { encoderFrames };
      encoderFrames = 0;
      return out;
    },
    dispose() {
      encoderFrames = 0;
    },
  };
}
