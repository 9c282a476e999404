import type { VectorIndex, VectorIndexFactory } from '@recsys/core';
import {
  describeDrift,
  type StoryDrift,
  type StoryDriftOptions,
  type StoryEvolutionOptions,
  type StoryProfile,
  type StoryProfileOptions,
  type StorySpace,
  type StoryVectors,
  type ThemeSource,
  observationsFromFeatures,
  storyDrift,
  storyProfile,
  trackStoryEvolution,
} from '@recsys/content';
import type { CatalogView } from './catalog-view.js';
import { SearchCache } from './search-cache.js';
import type { UserState } from './signals.js';

/** A user's taste in stories, per space, with how it moved lately. */
export interface UserStoryProfile {
  /** Profile over the text (LSA) vectors. */
  text?: StoryProfile;
  /** Profile over external embeddings, for the titles that have one. */
  external?: StoryProfile;
  /**
   * Drift of the text profile over the last weeks (from the interactions' latest timestamps),
   * measured without naming themes: `driftExplanation` names them when an explanation needs it.
   */
  drift?: StoryDrift;
}

export interface StoryMatch {
  row: number;
  /** Cosine of the two story vectors. */
  similarity: number;
}

export interface StorySignalOptions {
  profile: Partial<StoryProfileOptions>;
  evolution: Partial<StoryEvolutionOptions>;
  drift: Partial<StoryDriftOptions>;
  /** Names the themes of a drift (the LSA model); without it drifts carry no themes. */
  themes?: ThemeSource;
}

interface IndexedSpace {
  space: StorySpace;
  index: VectorIndex;
  /** Catalogue row of each index row. */
  rowOf: Int32Array;
}

/**
 * Story similarity seen through catalogue rows: the user's story profile, a story-match score per
 * candidate, story neighbours of an item, and the watched title that best explains a match. Two
 * titles compare in the external-embedding space when both have an external embedding, otherwise
 * in the text space; a profile scores a row in the space the row has (external first).
 */
export class StorySignal {
  private readonly text: IndexedSpace | undefined;
  private readonly external: IndexedSpace | undefined;
  private readonly options: StorySignalOptions;
  /** Profiles per interaction list: the engine keeps a user's list until their next event. */
  private readonly profiles = new WeakMap<object, UserStoryProfile | null>();
  /** Drift explanations per profile: naming themes scans the vocabulary, so it is done once. */
  private readonly driftTexts = new WeakMap<UserStoryProfile, string | null>();
  /** Recent users' story-neighbour searches, by their profile vector (memoised per history above). */
  private readonly searches = new SearchCache();

  constructor(
    private readonly catalog: CatalogView,
    vectors: StoryVectors,
    indexFactory: VectorIndexFactory,
    options: Partial<StorySignalOptions> = {},
  ) {
    if (vectors.size !== catalog.size) {
      throw new RangeError(`story vectors cover ${vectors.size} rows but the catalogue has ${catalog.size}`);
    }
    this.options = { profile: {}, evolution: {}, drift: {}, ...options };
    this.text = vectors.text && indexSpace(vectors.text, indexFactory);
    this.external = vectors.external && indexSpace(vectors.external, indexFactory);
  }

  /** True when some row has a story vector. */
  get available(): boolean {
    return Boolean(this.text || this.external);
  }

  /**
   * The user's story profile at `now`; undefined when nothing they watched has a story vector.
   * Computed once per interaction list (the engine replaces a user's list when they act).
   */
  profile(user: UserState, now: number): UserStoryProfile | undefined {
    const cached = this.profiles.get(user.interactions);
    if (cached !== undefined) return cached ?? undefined;
    const profile: UserStoryProfile = {};
    const text = this.text?.space;
    const external = this.external?.space;
    const textOf = text && ((id: string) => this.vectorIn(text, this.catalog.rowOf(id)));
    const externalOf = external && ((id: string) => this.vectorIn(external, this.catalog.rowOf(id)));
    if (textOf) {
      const p = storyProfile(user.interactions, textOf, now, this.options.profile);
      if (p) {
        profile.text = p;
        const history = trackStoryEvolution(observationsFromFeatures(user.interactions), textOf, now, this.options.evolution);
        const drift = history && storyDrift(history, undefined, this.options.drift);
        if (drift) profile.drift = drift;
      }
    }
    if (externalOf) {
      const p = storyProfile(user.interactions, externalOf, now, this.options.profile);
      if (p) profile.external = p;
    }
    const result = profile.text || profile.external ? profile : undefined;
    this.profiles.set(user.interactions, result ?? null);
    return result;
  }

  /** Runs candidates()'s searches on the thread pool ahead of rank() (see prefetchCandidates). */
  async prefetchCandidates(profile: UserStoryProfile, k: number): Promise<void> {
    await Promise.all(this.spacesOf(profile).map(([indexed, p]) => this.searches.prefetch(indexed.index, p.vector, Math.min(k, indexed.index.size))));
  }

  /** The spaces the profile covers, external first, with the profile in each. */
  private spacesOf(profile: UserStoryProfile): [IndexedSpace, StoryProfile][] {
    const spaces: [IndexedSpace, StoryProfile][] = [];
    if (this.external && profile.external) spaces.push([this.external, profile.external]);
    if (this.text && profile.text) spaces.push([this.text, profile.text]);
    return spaces;
  }

  /** Up to k rows closest to the profile in each space, best first (a row may come from both). */
  candidates(profile: UserStoryProfile, k: number): Int32Array {
    const out: number[] = [];
    const seen = new Set<number>();
    for (const [indexed, p] of this.spacesOf(profile)) {
      const { rows } = this.searches.search(indexed.index, p.vector, Math.min(k, indexed.index.size));
      for (const r of rows) {
        const row = indexed.rowOf[r]!;
        if (!seen.has(row)) {
          seen.add(row);
          out.push(row);
        }
      }
    }
    return Int32Array.from(out);
  }

  /**
   * Story match in 0-1 for each row: the cosine between the profile and the row's vector, negative
   * cosines clipped to 0. NaN for rows with no vector in a space the profile covers.
   */
  score(profile: UserStoryProfile, rows: ArrayLike<number>): Float32Array {
    const out = new Float32Array(rows.length);
    for (let i = 0; i < rows.length; i++) {
      const cos = this.profileCosine(profile, rows[i]!);
      out[i] = cos === undefined ? NaN : cos < 0 ? 0 : cos > 1 ? 1 : cos;
    }
    return out;
  }

  /** The watched (liked) row whose story is closest to `row`, for "story_match: <title> (0.89)". */
  nearestConsumed(row: number, likedRows: ArrayLike<number>): StoryMatch | undefined {
    let best: StoryMatch | undefined;
    for (let i = 0; i < likedRows.length; i++) {
      const other = likedRows[i]!;
      if (other === row) continue;
      const similarity = this.similarity(row, other);
      if (similarity !== undefined && (!best || similarity > best.similarity)) best = { row: other, similarity };
    }
    return best;
  }

  /** Cosine between the stories of two rows; undefined when they share no space. */
  similarity(a: number, b: number): number | undefined {
    for (const indexed of [this.external, this.text]) {
      if (!indexed) continue;
      const { space } = indexed;
      if (space.present[a] && space.present[b]) return rowDot(space, a, b);
    }
    return undefined;
  }

  /**
   * The k rows with the closest stories to `row` (itself excluded), best first, searched in the
   * row's external space when it has an embedding, else in the text space.
   */
  similar(row: number, k: number): StoryMatch[] {
    const indexed = [this.external, this.text].find((s) => s?.space.present[row]);
    if (!indexed) return [];
    const { space, index, rowOf } = indexed;
    const query = space.vectors.subarray(row * space.dim, (row + 1) * space.dim);
    const { rows, scores } = index.search(query, Math.min(k + 1, index.size));
    const out: StoryMatch[] = [];
    for (let i = 0; i < rows.length && out.length < k; i++) {
      const other = rowOf[rows[i]!]!;
      if (other !== row) out.push({ row: other, similarity: scores[i]! });
    }
    return out;
  }

  /** An item's story vector in one space (text by default), for evolution and exports. */
  vectorOf(itemId: string, space: 'text' | 'external' = 'text'): Float32Array | undefined {
    const indexed = space === 'text' ? this.text : this.external;
    return indexed && this.vectorIn(indexed.space, this.catalog.rowOf(itemId));
  }

  /** True when `row` lies in the direction the user's taste has been moving (cosine > minCosine). */
  followsDrift(profile: UserStoryProfile, row: number, minCosine = 0.2): boolean {
    const text = this.text?.space;
    const drift = profile.drift;
    if (!text || !drift || !text.present[row]) return false;
    let s = 0;
    for (let d = 0; d < text.dim; d++) s += drift.direction[d]! * text.vectors[row * text.dim + d]!;
    return s > minCosine;
  }

  /**
   * "taste_shift: toward space, astronaut; away from love (0.42 in 4 weeks)" when `row` follows the
   * way the user's taste has been moving and the taste moved notably; undefined otherwise (and
   * always without a theme source).
   */
  driftExplanation(profile: UserStoryProfile, row: number): string | undefined {
    const drift = profile.drift;
    const themes = this.options.themes;
    if (!drift || !themes || !this.followsDrift(profile, row)) return undefined;
    let text = this.driftTexts.get(profile);
    if (text === undefined) {
      const { themeCount } = { themeCount: 5, ...this.options.drift };
      const named = {
        ...drift,
        rising: themes.themes(drift.direction, themeCount, 1),
        falling: themes.themes(drift.direction, themeCount, -1),
      };
      text = describeDrift(named) ?? null;
      this.driftTexts.set(profile, text);
    }
    return text ?? undefined;
  }

  private profileCosine(profile: UserStoryProfile, row: number): number | undefined {
    const external = this.external?.space;
    if (profile.external && external?.present[row]) return dotRow(profile.external.vector, external, row);
    const text = this.text?.space;
    if (profile.text && text?.present[row]) return dotRow(profile.text.vector, text, row);
    return undefined;
  }

  private vectorIn(space: StorySpace, row: number | undefined): Float32Array | undefined {
    if (row === undefined || !space.present[row]) return undefined;
    return space.vectors.subarray(row * space.dim, (row + 1) * space.dim);
  }
}

function indexSpace(space: StorySpace, factory: VectorIndexFactory): IndexedSpace | undefined {
  if (space.count === 0) return undefined;
  const rowOf = new Int32Array(space.count);
  const packed = new Float32Array(space.count * space.dim);
  for (let row = 0, i = 0; row < space.present.length; row++) {
    if (!space.present[row]) continue;
    rowOf[i] = row;
    packed.set(space.vectors.subarray(row * space.dim, (row + 1) * space.dim), i * space.dim);
    i++;
  }
  return { space, index: factory.build(packed, space.dim), rowOf };
}

function rowDot(space: StorySpace, a: number, b: number): number {
  let s = 0;
  for (let d = 0, oa = a * space.dim, ob = b * space.dim; d < space.dim; d++) s += space.vectors[oa + d]! * space.vectors[ob + d]!;
  return s;
}

function dotRow(vector: Float32Array, space: StorySpace, row: number): number {
  let s = 0;
  for (let d = 0, off = row * space.dim; d < space.dim; d++) s += vector[d]! * space.vectors[off + d]!;
  return s;
}
