// The context signals of the served ranking, in one place: a learner (fitted at training time,
// saved with the model version) and/or a factory (builds the signal per request). A new signal is
// one line in each list it needs.
import type { ContextSignalFactory } from './context-inputs.js';
import type { ContextLearner } from './context-models.js';
import { continuationSignal } from './continuation.js';
import { DEVICE_LEARNER, deviceContextSignal } from './device-signal.js';
import { MOOD_LEARNER, moodSignal } from './mood.js';
import { REGIONAL_LEARNER, regionalContextSignal } from './regional-signal.js';
import { searchContextSignal } from './search-signal.js';
import { socialContextSignal } from './social-signal.js';
import { TEMPORAL_LEARNER, temporalSignal } from './temporal.js';
import { TRANSITION_LEARNER, transitionSignal } from './transitions.js';
import { TRENDING_LEARNER, trendingNowSignal } from './trending-now.js';
import { segmentSignalFactory } from '../segments/segment-context.js';

/** Aggregates fitted from the time-ordered event history when a version is trained. */
export const CONTEXT_LEARNERS: readonly ContextLearner<unknown>[] = [TEMPORAL_LEARNER, TRENDING_LEARNER, TRANSITION_LEARNER, MOOD_LEARNER, REGIONAL_LEARNER, DEVICE_LEARNER];

/** Per-request signal builders, by signal name (the key of its weight in SignalWeights.context). */
export const CONTEXT_SIGNAL_FACTORIES: Readonly<Record<string, ContextSignalFactory>> = {
  temporal: temporalSignal,
  trending_now: trendingNowSignal,
  continue_watching: continuationSignal,
  watched_next: transitionSignal,
  mood: moodSignal,
  social: socialContextSignal,
  regional: regionalContextSignal,
  device: deviceContextSignal,
  search: searchContextSignal,
  segment: segmentSignalFactory,
};
