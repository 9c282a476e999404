// Next-episode continuation: a series the user is in the middle of (watched, not completed, not
// abandoned) comes back to the top of the list, even though it was watched; a binge (several watch
// events on one series within a session) is the strongest evidence.
import { EARLY_ABANDON_COMPLETION } from '@recsys/core';
import type { CatalogView, ContextSignal } from '@recsys/ranking';
import { type ContextInputs, defaultWeight } from './context-inputs.js';
import type { TimedEvent } from './history.js';
import { splitSessions } from './sessions.js';

const DAY_MS = 86_400_000;
/** Past this the user has moved on: the title is no longer "in progress". */
const STALE_AFTER_MS = 30 * DAY_MS;
/** A movie watched this far is finished, not paused. */
const FINISHED = 0.9;

export interface InProgress {
  row: number;
  /** 1: binged in a session; 0.7: a series started or paused; 0.5: a movie paused midway. All fade over 30 days. */
  score: number;
  binge: boolean;
}

const isEpisodic = (contentType: string, episodes: number | undefined) => contentType !== 'movie' || (episodes ?? 0) > 1;

/** The titles the user is in the middle of, from their recent events. */
export function inProgressTitles(inputs: ContextInputs): InProgress[] {
  const { catalog, request } = inputs;
  const out: InProgress[] = [];
  for (const [row, s] of titleStates(inputs)) {
    const age = request.nowMs - s.lastAt;
    if (!s.open || s.watches === 0 || age > STALE_AFTER_MS) continue;
    const item = catalog.items[row]!;
    const paused = s.completion === undefined || s.completion < FINISHED;
    let score: number;
    // A binge is several episodes; one watch of a series to the end may be the whole title, so
    // only a binge or a stop midway marks it as in progress.
    if (isEpisodic(item.content_type, item.episodes) && (s.binge || paused)) score = s.binge ? 1 : 0.7;
    else if (s.completion !== undefined && s.completion < FINISHED) score = 0.5;
    else continue;
    out.push({ row, score: score * (1 - 0.5 * Math.max(0, age) / STALE_AFTER_MS), binge: s.binge });
  }
  return out.sort((a, b) => b.score - a.score || a.row - b.row);
}

interface TitleState {
  watches: number;
  binge: boolean;
  lastAt: number;
  completion: number | undefined;
  open: boolean;
}

/** Per recent-event array (kept until the user acts): sessions are split once, not per request. */
const statesMemo = new WeakMap<readonly TimedEvent[], { catalog: CatalogView; gapMs: number; states: ReadonlyMap<number, TitleState> }>();

/** Where the user stands with each title of their recent events, request time aside. */
function titleStates(inputs: ContextInputs): ReadonlyMap<number, TitleState> {
  const { catalog, recent } = inputs;
  const gapMs = inputs.options.sessionGapMs;
  const memo = statesMemo.get(recent);
  if (memo && memo.catalog === catalog && memo.gapMs === gapMs) return memo.states;
  const state = new Map<number, TitleState>();
  for (const session of splitSessions(recent, gapMs)) {
    const watchesInSession = new Map<number, number>();
    for (const e of session) {
      const id = e.event.item_id;
      const row = id === undefined ? undefined : catalog.rowOf(id);
      if (row === undefined) continue;
      const s = state.get(row) ?? { watches: 0, binge: false, lastAt: 0, completion: undefined, open: false };
      switch (e.event.type) {
        case 'watch': {
          const n = (watchesInSession.get(row) ?? 0) + 1;
          watchesInSession.set(row, n);
          s.watches++;
          if (n >= 2) s.binge = true;
          s.lastAt = e.at;
          s.completion = e.completion;
          // An early abandon closes it; anything else leaves it open until completed.
          s.open = e.completion === undefined || e.completion >= EARLY_ABANDON_COMPLETION;
          break;
        }
        case 'complete':
        case 'skip':
          s.open = false;
          break;
        case 'rate':
          // Rating it badly means the user is done with it.
          if ((e.event.rating ?? 3) <= 2) s.open = false;
          break;
        default:
          break;
      }
      state.set(row, s);
    }
  }
  statesMemo.set(recent, { catalog, gapMs, states: state });
  return state;
}

export function continuationSignal(inputs: ContextInputs): ContextSignal | undefined {
  const titles = inProgressTitles(inputs);
  if (titles.length === 0) return undefined;
  const byRow = new Map(titles.map((t) => [t.row, t]));
  return {
    name: 'continue_watching',
    defaultWeight: defaultWeight(inputs.options, 'continue_watching'),
    score(rows) {
      // A user is in the middle of a few titles: comparing each candidate with them beats a hash
      // lookup per candidate (rank() asks for ~1,300), written out because a call per candidate
      // (`indexOf`) cost more than the comparisons.
      const titleRows = Int32Array.from(titles, (t) => t.row);
      const titleScores = Float32Array.from(titles, (t) => t.score);
      const out = new Float32Array(rows.length);
      for (let i = 0; i < rows.length; i++) {
        const row = rows[i]!;
        for (let t = 0; t < titleRows.length; t++) {
          if (titleRows[t] === row) {
            out[i] = titleScores[t]!;
            break;
          }
        }
      }
      return out;
    },
    candidates: (limit) => titles.slice(0, limit).map((t) => t.row),
    unblockedRows: () => titles.map((t) => t.row),
    reason: (row) => (byRow.has(row) ? `continue watching: ${inputs.catalog.items[row]!.title}` : undefined),
  };
}
