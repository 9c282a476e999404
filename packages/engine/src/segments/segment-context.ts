import type { CatalogView, CollaborativeSignal, ContextSignal, UserState } from '@recsys/ranking';
import type { ContextInputs } from '../context/context-inputs.js';
import {
  DEFAULT_SEGMENT_SERVING,
  hasOwnVector,
  SEGMENT_SIGNAL,
  type SegmentModel,
  type SegmentPlacement,
  type SegmentServingOptions,
} from './segment-model.js';

/** What placing a user needs from the serving state (a subset of ServingState). */
export interface SegmentServingState {
  catalog: CatalogView;
  bundle?: { segments?: SegmentModel };
  /** The ALS signal: its fold-in is in the space the segments were fitted in. */
  mf?: Pick<CollaborativeSignal, 'userVector'>;
}

/** Where the active version places the user (undefined without segments or without anything known). */
export function placeUser(
  state: SegmentServingState,
  user: UserState,
  options: Partial<SegmentServingOptions> = {},
): SegmentPlacement | undefined {
  const model = state.bundle?.segments;
  if (!model) return undefined;
  return model.place(user, state.catalog, state.mf?.userVector(user), options);
}

/**
 * The cold-start context signal for this request: the tastes of the user's segment while the user
 * has no vector of their own (see SegmentServingOptions.minOwnEvents); none otherwise.
 */
export function segmentContextSignals(
  state: SegmentServingState,
  user: UserState,
  options: Partial<SegmentServingOptions> = {},
): ContextSignal[] {
  // Checked first: most requests are from users with a vector, and placing folds them in again.
  if (!state.bundle?.segments || hasOwnVector(user, options.minOwnEvents)) return [];
  const placement = placeUser(state, user, options);
  if (!placement || placement.own_vector) return [];
  const model = state.bundle!.segments!;
  return [model.signal(placement, state.catalog, options.defaultWeight ?? DEFAULT_SEGMENT_SERVING.defaultWeight)];
}

/** The context-signal factory of the registry: the segment's tastes for a user without a vector of their own. */
export function segmentSignalFactory(inputs: Pick<ContextInputs, 'segments' | 'user' | 'options'>): ContextSignal | undefined {
  if (!inputs.segments) return undefined;
  const defaultWeight = inputs.options.weights[SEGMENT_SIGNAL] ?? DEFAULT_SEGMENT_SERVING.defaultWeight;
  return segmentContextSignals(inputs.segments, inputs.user, { defaultWeight })[0];
}

/** The segment as GET /v1/users/{id}/export shows it (null when the user could not be placed). */
export interface SegmentExport {
  segment: number;
  label: string;
  basis: SegmentPlacement['basis'];
  /** True while the segment's tastes are served (the user has no vector of their own yet). */
  served: boolean;
}

export function segmentExport(placement: SegmentPlacement | undefined): SegmentExport | null {
  if (!placement) return null;
  return { segment: placement.segment, label: placement.label, basis: placement.basis, served: !placement.own_vector };
}
