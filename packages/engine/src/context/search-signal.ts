import type { LsaModel } from '@recsys/content';
import type { InteractionEvent } from '@recsys/core';
import type { CatalogView, ContextSignal, StorySignal } from '@recsys/ranking';
import { type ContextInputs, defaultWeight, recentEvents } from './context-inputs.js';
import { LazyRowMap } from './row-features.js';

export const SEARCH_SIGNAL = 'search';

export interface SearchOptions {
  /** Unmet intent this old counts half: a search from yesterday matters less than one from now. */
  halfLifeHours: number;
  /** Searches older than this are forgotten. */
  maxAgeDays: number;
  /** A click or watch of a result this soon after the search means the search found something. */
  followMinutes: number;
  /** Intent strength by outcome: results shown and none clicked (abandoned)... */
  abandonedWeight: number;
  /** ...reformulated soon after (the refinement is a search of its own)... */
  refinedWeight: number;
  /** ...nothing found... */
  noResultsWeight: number;
  /** ...and found (the interest stays, the need was met). */
  clickedWeight: number;
  /** At most this many intents (the strongest) per request. */
  maxIntents: number;
  /** Story cosines up to this are no match at all. */
  minCosine: number;
  /** A cosine this high (or the best among the candidates, if higher) is a full match. */
  fullCosine: number;
  /** Results the user was shown for an abandoned search and skipped match only this much. */
  shownFactor: number;
  /** Queries are read up to this many characters (the rest cannot change what they are about). */
  maxQueryChars: number;
  defaultWeight: number;
}

export const DEFAULT_SEARCH_OPTIONS: Readonly<SearchOptions> = {
  halfLifeHours: 24,
  maxAgeDays: 7,
  followMinutes: 30,
  abandonedWeight: 1,
  refinedWeight: 0.7,
  noResultsWeight: 0.8,
  clickedWeight: 0.3,
  maxIntents: 5,
  minCosine: 0.1,
  fullCosine: 0.5,
  shownFactor: 0.5,
  maxQueryChars: 200,
  // An explicit, recent statement of what the user wants: it may outweigh their usual tastes for a while.
  defaultWeight: 0.3,
};

/** What one search says the user is looking for, and how much of it is still unmet. */
export interface SearchIntent {
  /** The user's own query, whitespace collapsed. */
  query: string;
  /** 0-1: outcome strength times decay by age. */
  weight: number;
  outcome: 'abandoned' | 'refined' | 'no_results' | 'clicked';
  /** Results shown and not clicked (for an abandoned search): they were not it. */
  shown: ReadonlySet<string>;
}

/** Events that show the user took up an item. */
const TAKEN = new Set<InteractionEvent['type']>(['click', 'watch', 'complete', 'save', 'rewatch', 'rate', 'dwell']);

const normaliseQuery = (query: string | undefined, max: number) => (query ?? '').slice(0, max * 4).replace(/\s+/gu, ' ').trim().slice(0, max);

/**
 * The user's search intents at `now` from their recent events: each search with a query, weighted
 * by its outcome (abandoned and refined searches are unmet intent, clicked ones a weaker interest)
 * and decayed by age. The same query searched twice counts once, at its strongest.
 */
export function searchIntents(events: readonly InteractionEvent[], now: number, options: Partial<SearchOptions> = {}): SearchIntent[] {
  const o = { ...DEFAULT_SEARCH_OPTIONS, ...options };
  return intentsAt(searchOutcomes(events, o), now, o);
}

/** A search with what became of it: everything of an intent but its decay, which depends on the request time. */
interface SearchOutcome {
  query: string;
  key: string;
  at: number;
  outcome: SearchIntent['outcome'];
  shown: ReadonlySet<string>;
}

function searchOutcomes(events: readonly InteractionEvent[], o: SearchOptions): SearchOutcome[] {
  const searches = events.filter((e) => e.type === 'search' && normaliseQuery(e.query, o.maxQueryChars));
  if (searches.length === 0) return [];
  const refined = new Set(searches.map((e) => e.refinement_of).filter(Boolean));
  // When each item was last taken up: a search followed by that is not abandoned.
  const takenAt = new Map<string, number[]>();
  for (const e of events) {
    if (!e.item_id || !TAKEN.has(e.type)) continue;
    const t = Date.parse(e.timestamp);
    if (Number.isFinite(t)) (takenAt.get(e.item_id) ?? takenAt.set(e.item_id, []).get(e.item_id)!).push(t);
  }
  const follow = o.followMinutes * 60_000;
  const out: SearchOutcome[] = [];
  for (const search of searches) {
    const at = Date.parse(search.timestamp);
    if (!Number.isFinite(at)) continue;
    const results = search.result_item_ids ?? [];
    const clicked =
      (search.clicked_item_ids?.length ?? 0) > 0 ||
      results.some((id) => takenAt.get(id)?.some((t) => t >= at && t - at <= follow));
    const outcome: SearchIntent['outcome'] = clicked
      ? 'clicked'
      : refined.has(search.event_id)
        ? 'refined'
        : results.length === 0
          ? 'no_results'
          : 'abandoned';
    const query = normaliseQuery(search.query, o.maxQueryChars);
    out.push({ query, key: query.toLowerCase(), at, outcome, shown: new Set(outcome === 'abandoned' ? results : []) });
  }
  return out;
}

/** The intents at `now`: outcome strength decayed by age, the same query once (at its strongest), strongest first. */
function intentsAt(outcomes: readonly SearchOutcome[], now: number, o: SearchOptions): SearchIntent[] {
  if (outcomes.length === 0) return [];
  const halfLife = o.halfLifeHours * 3_600_000;
  const byQuery = new Map<string, SearchIntent>();
  for (const { query, key, at: stamped, outcome, shown } of outcomes) {
    const at = Math.min(stamped, now);
    if (now - at > o.maxAgeDays * 86_400_000) continue;
    const strength = {
      clicked: o.clickedWeight,
      refined: o.refinedWeight,
      no_results: o.noResultsWeight,
      abandoned: o.abandonedWeight,
    }[outcome];
    const weight = strength * 2 ** (-(now - at) / halfLife);
    const previous = byQuery.get(key);
    if (previous && previous.weight >= weight) continue;
    byQuery.set(key, { query, weight, outcome, shown });
  }
  return [...byQuery.values()].sort((a, b) => b.weight - a.weight).slice(0, o.maxIntents);
}

/** A user's search outcomes per recent-event array (kept until the user acts), with the default options. */
const outcomesMemo = new WeakMap<readonly InteractionEvent[], SearchOutcome[]>();

/** Query vectors per text model: the same query is embedded once. */
const queryVectors = new WeakMap<LsaModel, Map<string, Float32Array | null>>();

/** The query's unit vector in the story (LSA) space; undefined when none of its words is known. */
export function embedQuery(model: LsaModel, query: string): Float32Array | undefined {
  let cache = queryVectors.get(model);
  if (!cache) queryVectors.set(model, (cache = new Map()));
  let vector = cache.get(query);
  if (vector === undefined) {
    // The query reads like a (very short) plot: its words are weighed as story words.
    vector = model.embed({ title: '', plot: query, genres: [], cast: [], crew: [] }) ?? null;
    if (cache.size >= 10_000) cache.clear();
    cache.set(query, vector);
  }
  return vector ?? undefined;
}

interface Matched {
  intent: SearchIntent;
  vector: Float32Array;
  neighbours: QueryNeighbours;
  /** Rows of the results the user was shown and skipped (an abandoned search). */
  shownRows: ReadonlySet<number>;
}

/**
 * A query's nearest titles in the story space, searched once per query and story model (not per
 * request): rows ascending with their cosines, for lookups by binary search, and best first.
 */
export interface QueryNeighbours {
  /** One bit per catalogue row: most candidates are not neighbours and cost one test. */
  members: Uint32Array;
  rows: Int32Array;
  cosines: Float32Array;
  ranked: Int32Array;
}

/**
 * Titles a query can match: its nearest this many. Beyond them the cosine is lower than that of
 * the nearest 2 % of a 100k catalogue, far from a full match; smaller catalogues are searched whole.
 */
export const QUERY_NEIGHBOURS = 2000;
const neighbourMemo = new WeakMap<StorySignal, Map<Float32Array, QueryNeighbours>>();

export function queryNeighbours(story: StorySignal, catalog: CatalogView, vector: Float32Array, k = QUERY_NEIGHBOURS): QueryNeighbours {
  let byQuery = neighbourMemo.get(story);
  if (!byQuery) neighbourMemo.set(story, (byQuery = new Map()));
  let found = byQuery.get(vector);
  if (found) return found;
  const profile = { text: { vector, coherence: 1, items: 1 } };
  const ranked = story.candidates(profile, k);
  const cosines = story.score(profile, ranked);
  const order = Array.from(ranked.keys()).sort((a, b) => ranked[a]! - ranked[b]!);
  const members = new Uint32Array((catalog.size + 31) >>> 5);
  for (const row of ranked) members[row >>> 5]! |= 1 << (row & 31);
  found = {
    members,
    rows: Int32Array.from(order, (i) => ranked[i]!),
    cosines: Float32Array.from(order, (i) => (Number.isNaN(cosines[i]!) ? 0 : cosines[i]!)),
    ranked,
  };
  // Query vectors are cached per text model: their neighbours per story signal, the latest 2,000.
  if (byQuery.size >= 2_000) byQuery.delete(byQuery.keys().next().value!);
  byQuery.set(vector, found);
  return found;
}

/** The cosine of `row` with the query (0 outside its nearest titles). */
function cosineOf(n: QueryNeighbours, row: number): number {
  if (!(n.members[row >>> 5]! & (1 << (row & 31)))) return 0;
  let lo = 0;
  let hi = n.rows.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const r = n.rows[mid]!;
    if (r === row) return n.cosines[mid]!;
    if (r < row) lo = mid + 1;
    else hi = mid - 1;
  }
  return 0;
}

/**
 * "matches your search: <query>": boosts titles whose story lies close to what the user searched
 * for and did not find (or found only in part), fading over a day or so.
 */
export class SearchSignal implements ContextSignal {
  readonly name = SEARCH_SIGNAL;
  /** Which intent gave each scored row its score (for the reason). */
  private readonly bestIntent = new LazyRowMap();
  private readonly o: SearchOptions;

  constructor(
    private readonly intents: readonly Matched[],
    options: Partial<SearchOptions> = {},
  ) {
    this.o = { ...DEFAULT_SEARCH_OPTIONS, ...options };
  }

  get defaultWeight(): number {
    return this.o.defaultWeight;
  }

  score(rows: Int32Array): Float32Array {
    const out = new Float32Array(rows.length);
    const best = this.bestIntent.reset(rows);
    const cosines = new Float32Array(rows.length);
    this.intents.forEach(({ intent, neighbours, shownRows }, k) => {
      let full = this.o.fullCosine;
      for (let i = 0; i < rows.length; i++) {
        const c = cosineOf(neighbours, rows[i]!);
        cosines[i] = c;
        if (c > full) full = c;
      }
      for (let i = 0; i < rows.length; i++) {
        if (!(cosines[i]! > this.o.minCosine)) continue;
        let match = Math.min(1, (cosines[i]! - this.o.minCosine) / (full - this.o.minCosine));
        if (shownRows.has(rows[i]!)) match *= this.o.shownFactor;
        const s = intent.weight * match;
        if (s > out[i]!) {
          out[i] = s;
          best[i] = k;
        }
      }
    });
    return out;
  }

  /** Titles nearest to each intent in the story space, strongest intent first. */
  candidates(limit: number): Int32Array {
    const out = new Set<number>();
    const per = Math.max(1, Math.ceil(limit / this.intents.length));
    for (const { neighbours } of this.intents) {
      for (let i = 0; i < Math.min(per, neighbours.ranked.length); i++) out.add(neighbours.ranked[i]!);
    }
    return Int32Array.from(out);
  }

  reason(row: number): string | undefined {
    const k = this.bestIntent.get(row) ?? -1;
    const intent = (this.intents[k] ?? this.intents[0])?.intent;
    if (!intent) return undefined;
    const query = intent.query.length > 60 ? `${intent.query.slice(0, 59).trimEnd()}…` : intent.query;
    return `matches your search: ${query}`;
  }
}

/**
 * The signal for one request; undefined (off) without intents, without a text model, or when no
 * query has a word the story space knows.
 */
export function searchSignal(
  catalog: CatalogView,
  story: StorySignal | undefined,
  model: LsaModel | undefined,
  intents: readonly SearchIntent[],
  options: Partial<SearchOptions> = {},
): SearchSignal | undefined {
  if (!story || !model || intents.length === 0) return undefined;
  const matched: Matched[] = [];
  for (const intent of intents) {
    const vector = embedQuery(model, intent.query);
    if (!vector || vector.length !== model.dimensions) continue;
    const shownRows = new Set<number>();
    for (const id of intent.shown) {
      const row = catalog.rowOf(id);
      if (row !== undefined) shownRows.add(row);
    }
    matched.push({ intent, vector, neighbours: queryNeighbours(story, catalog, vector), shownRows });
  }
  return matched.length > 0 ? new SearchSignal(matched, options) : undefined;
}

/** Registry factory: unmet search intent from the user's recent events, matched in the story space. */
export function searchContextSignal(inputs: ContextInputs): ContextSignal | undefined {
  const events = recentEvents(inputs);
  let outcomes = outcomesMemo.get(events);
  if (!outcomes) outcomesMemo.set(events, (outcomes = searchOutcomes(events, DEFAULT_SEARCH_OPTIONS)));
  const intents = intentsAt(outcomes, inputs.request.nowMs, DEFAULT_SEARCH_OPTIONS);
  return searchSignal(inputs.catalog, inputs.story, inputs.storyModel, intents, {
    defaultWeight: defaultWeight(inputs.options, SEARCH_SIGNAL, DEFAULT_SEARCH_OPTIONS.defaultWeight),
  });
}
