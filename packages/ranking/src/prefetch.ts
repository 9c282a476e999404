import { blendOf, DEFAULT_CANDIDATE_POOL, type RankingContext, STORY_CANDIDATES } from './pipeline.js';
import type { UserState } from './signals.js';

/**
 * Runs the ANN searches of the collaborative models and of the story neighbours for `user` off the
 * event loop, so the rank() that follows with the same context and user finds them done: while one
 * request's search runs on the thread pool, the event loop serves others. A no-op where rank()
 * scores the whole catalogue.
 */
export async function prefetchCandidates(context: RankingContext, user: UserState, candidatePool = DEFAULT_CANDIDATE_POOL): Promise<void> {
  if (context.catalog.size <= candidatePool) return;
  const storyProfile = context.story?.profile(user, context.now ?? Date.now());
  await Promise.all([
    ...blendOf(context).map(async ({ signal }) => {
      const vector = signal.prefetchCandidates && signal.userVector(user);
      if (vector) await signal.prefetchCandidates!(vector, candidatePool);
    }),
    storyProfile && context.story!.prefetchCandidates(storyProfile, STORY_CANDIDATES),
  ]);
}
