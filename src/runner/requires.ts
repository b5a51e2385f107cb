/**
 * Spec.requires against the model's family: a spec that measures what the family lacks (audio,
 * video, Whisper-style audio features) is refused with one line, before any trial runs.
 */
import { UsageError } from '../errors.js';
import type { Spec } from '../specs/spec.js';
import type { ModelLike } from './types.js';

/** Refuses a model whose family lacks what the spec measures (Spec.requires): one line, before any trial. */
export function checkRequires(spec: Pick<Spec, 'name' | 'requires'>, model: Pick<ModelLike, 'family' | 'takes' | 'audioFeatureKind'>): void {
  const needs = spec.requires;
  const takes = model.takes;
  if (!needs || !takes) return;
  const family = model.family ?? 'this model';
  const audioFamilies = needs.whisperFeatures ? 'a qwen2_5_omni model' : 'a qwen2_5_omni or phi4mm model';
  if (needs.audio && !takes.audio) throw new UsageError(`${spec.name} measures the audio path; ${family} has no audio encoder (use ${audioFamilies})`);
  if (needs.video && !takes.video) throw new UsageError(`${spec.name} measures the video path; ${family}'s processor takes no video (use a qwen2_5_omni or qwen2_5_vl model)`);
  if (needs.whisperFeatures && model.audioFeatureKind !== undefined && model.audioFeatureKind !== 'whisper') {
    throw new UsageError(`${spec.name} compares Whisper-style padding of the audio features (Qwen2.5-Omni's processor); ${family}'s processor computes its own features and pads nothing (use a qwen2_5_omni model)`);
  }
}
