/**
 * The profiler's public API (src/profiler/): spans, their concurrency and CPU time, memory and
 * GPU pollers, VmHWM per stage, ORT per-op profiles, the Perfetto trace, statistics, roofline
 * figures and warnings.
 */
export type { Span, Tracker, MemorySample, MemoryMethod, Statistics } from './types.js';
export { nowMs } from './clock.js';
export { createTracker, stageTotals, otherMs, type TimeWindow, type OtherMsOptions, type TrackerOptions } from './tracker.js';
export { processCpuMs, parseProcStatTicks, clockTicksPerSecond, type ProcStatTicks } from './cpu-time.js';
export {
  unionMs,
  spanTrack,
  concurrencyMeasures,
  branchCpuMs,
  assignLanes,
  type Interval,
  type ConcurrencyWindow,
  type ConcurrencyMeasures,
} from './concurrency.js';
export {
  MemoryPoller,
  DEFAULT_MEM_INTERVAL_MS,
  type MemoryPollerOptions,
  type MemoryPollResult,
  type RssSource,
} from './memory-poller.js';
export { peakBetween, stagePeaks, maxPeakByStage, type StagePeak } from './memory-peaks.js';
export { resetPeakRss, readPeakRss, peakRssSupported, withPeakRss, type VmHwmPeak } from './vmhwm.js';
export {
  GpuPoller,
  DEFAULT_GPU_INTERVAL_MS,
  findOnPath,
  nvidiaSmiArgs,
  type GpuSample,
  type GpuPollerOptions,
  type GpuPollResult,
  type GpuStart,
} from './gpu-poller.js';
export {
  parseOrtProfile,
  readOrtProfile,
  ortOriginMs,
  ortOpEvents,
  OrtProfileError,
  groupByModule,
  moduleOf,
  arenaPeakBytes,
  findOrtProfiles,
  ortProfileStartMs,
  type OrtOpEvent,
  type OrtProfile,
  type OrtAnchor,
  type ModuleRow,
} from './ort-profile.js';
export {
  toChromeTrace,
  type TraceInput,
  type OrtTraceInput,
  type ChromeTrace,
  type ChromeTraceEvent,
} from './trace.js';
export {
  computeStatistics,
  quantile,
  sortSamples,
  isNonEmpty,
  bootstrapMeanCi,
  tukeyOutliers,
  seededRandom,
  type NonEmptyArray,
  type SortedSamples,
  type StatisticsOptions,
} from './stats.js';
export { achievedGflops, peakShare, stageRoofline, type StageRoofline } from './roofline.js';
export {
  outlierWarning,
  slowFirstRunWarning,
  loadWarning,
  warningMessage,
  type ProfilerWarning,
  type LoadOptions,
} from './warnings.js';
