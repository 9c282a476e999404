// One user's history: which items they met (mostly on taste, popular ones more often) and how each
// encounter played out as a short run of events (impression, click, dwell, watch, rate, ...).

import type { EventType, InteractionEvent, Item } from '@recsys/core';
import { matchesTaste, type Taste } from './personas.js';
import type { Rng } from './random.js';
import { isoTimestamp } from './timestamps.js';

export interface HistoryOptions {
  seed: number;
  nowMs: number;
  windowMs: number;
  /** Share of a user's interactions drawn from on-taste items. */
  onTasteShare: number;
  minInteractions: number;
  maxInteractions: number;
}

export interface UserHistory {
  events: InteractionEvent[];
  /** Event times in ms, parallel to `events` (for sorting without parsing). */
  times: number[];
  /** Items the user loved, and items they turned down, each in the order met. */
  loved: string[];
  rejected: string[];
}

type Outcome = 'love' | 'meh' | 'reject' | 'ignore';

const SECOND = 1000;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const DEVICES = { tv: 4, mobile: 3, web: 2, tablet: 1 };

/**
 * `items` are the released items the user may meet, `popularity` their sampling weights
 * (same order); `releasedAt` their release times in ms.
 */
export function generateUserHistory(
  rng: Rng,
  userId: string,
  taste: Taste,
  region: string,
  items: readonly Item[],
  popularity: Float64Array,
  releasedAt: Float64Array,
  options: HistoryOptions,
): UserHistory {
  const { nowMs, windowMs } = options;
  // Each user loves some of their genres more than others.
  const love = new Map(taste.genres.map((g) => [g, rng.between(0.4, 1.6)]));
  const onWeights = new Float64Array(items.length);
  const offWeights = new Float64Array(items.length);
  let onPool = 0;
  items.forEach((item, i) => {
    if (matchesTaste(taste, item)) {
      onPool++;
      let genreLove = love.size > 0 ? 0 : 1;
      for (const g of item.genres) genreLove = Math.max(genreLove, love.get(g) ?? 0);
      onWeights[i] = (popularity[i] as number) * genreLove;
    } else {
      offWeights[i] = popularity[i] as number;
    }
  });
  const total = rng.int(options.minInteractions, options.maxInteractions);
  let onCount = 0;
  for (let k = 0; k < total; k++) if (rng.chance(options.onTasteShare)) onCount++;
  onCount = Math.min(onCount, onPool);
  const met = [
    ...rng.weightedSample(onWeights, onCount).map((i) => ({ i, onTaste: true })),
    ...rng.weightedSample(offWeights, total - onCount).map((i) => ({ i, onTaste: false })),
  ];

  const history: UserHistory = { events: [], times: [], loved: [], rejected: [] };
  const writer = new HistoryWriter(history, userId, `demo-${options.seed}-${userId}`, region, nowMs);
  const device = rng.weighted(DEVICES);
  met.forEach(({ i, onTaste }, n) => {
    const item = items[i] as Item;
    const outcome = drawOutcome(rng, item, onTaste);
    if (outcome === 'love') history.loved.push(item.item_id);
    if (outcome === 'reject' || outcome === 'ignore') history.rejected.push(item.item_id);
    // Sessions end at least six hours before `now`, so no event lands in the future.
    const start = Math.max(
      nowMs - windowMs + rng.float() * (windowMs - 6 * HOUR),
      (releasedAt[i] as number) + DAY,
    );
    writer.begin(item, `s${n + 1}`, rng.chance(0.75) ? device : rng.weighted(DEVICES));
    playEncounter(rng, item, outcome, start, nowMs, writer);
  });
  return history;
}

/** Stamps events with ids, the current session and its item; never past `now`. */
class HistoryWriter {
  private seq = 0;
  private item_id = '';
  private session_id = '';
  private device = '';

  constructor(
    private readonly history: UserHistory,
    private readonly user_id: string,
    private readonly idPrefix: string,
    private readonly region: string,
    private readonly nowMs: number,
  ) {}

  begin(item: Item, session: string, device: string): void {
    this.item_id = item.item_id;
    this.session_id = `${this.idPrefix}-${session}`;
    this.device = device;
  }

  emit(type: EventType, at: number, fields?: Partial<InteractionEvent>): void {
    const time = Math.floor(Math.min(at, this.nowMs));
    const event: InteractionEvent = {
      event_id: `${this.idPrefix}-${String(++this.seq).padStart(3, '0')}`,
      user_id: this.user_id,
      item_id: this.item_id,
      type,
      timestamp: isoTimestamp(time),
      session_id: this.session_id,
      device: this.device,
      region: this.region,
    };
    this.history.events.push(fields ? Object.assign(event, fields) : event);
    this.history.times.push(time);
  }
}

function drawOutcome(rng: Rng, item: Item, onTaste: boolean): Outcome {
  if (onTaste) {
    // Better-rated items disappoint less often.
    const pLove = clamp(0.75 + 0.08 * ((item.rating ?? 7) - 7), 0.55, 0.95);
    return rng.chance(pLove) ? 'love' : 'meh';
  }
  return rng.weighted({ ignore: 0.55, reject: 0.25, meh: 0.12, love: 0.08 });
}

function playEncounter(rng: Rng, item: Item, outcome: Outcome, start: number, nowMs: number, out: HistoryWriter): void {
  if (rng.chance(0.5) || outcome === 'ignore') out.emit('impression', start);
  if (outcome === 'ignore') {
    out.emit('skip', start + rng.int(1, 8) * SECOND);
    return;
  }
  const clickChance = outcome === 'love' ? 0.8 : outcome === 'meh' ? 0.6 : 1;
  let t = start + rng.int(3, 30) * SECOND;
  if (rng.chance(clickChance)) out.emit('click', t);
  if (outcome === 'love' && rng.chance(0.35)) {
    const dwell = rng.int(20, 240);
    t += dwell * SECOND;
    out.emit('dwell', t, { dwell_seconds: dwell });
  }
  if (outcome === 'love' && rng.chance(0.2)) out.emit('save', (t += 5 * SECOND));

  const duration = (item.duration_minutes ?? 60) * 60;
  const completion = drawCompletion(rng, outcome);
  const watched = Math.round(completion * duration);
  t += (10 + watched) * SECOND;
  out.emit('watch', t, { watch_seconds: watched, duration_seconds: duration, completion: round3(completion) });
  if (outcome === 'love' && completion >= 0.9 && rng.chance(0.85)) out.emit('complete', (t += 1 * SECOND));

  const rateChance = { love: 0.55, meh: 0.35, reject: 0.15 }[outcome];
  if (rng.chance(rateChance)) {
    t += rng.int(20, 120) * SECOND;
    out.emit('rate', t, { rating: drawRating(rng, item, outcome) });
  }
  if (outcome === 'meh' && rng.chance(0.1)) out.emit('skip', (t += 2 * SECOND));
  if (outcome === 'love' && rng.chance(0.06)) {
    const again = t + rng.between(1, 20) * DAY;
    if (again < nowMs - HOUR) {
      out.emit('rewatch', again, { watch_seconds: duration, duration_seconds: duration, completion: 1 });
    }
  }
}

function drawCompletion(rng: Rng, outcome: Exclude<Outcome, 'ignore'>): number {
  switch (outcome) {
    case 'love':
      return rng.chance(0.7) ? rng.between(0.9, 1) : rng.between(0.6, 0.9);
    case 'meh':
      // Sometimes abandoned right away, usually given a fair try.
      return rng.chance(0.15) ? rng.between(0.01, 0.09) : rng.between(0.15, 0.6);
    case 'reject':
      return rng.between(0.01, 0.09);
  }
}

/** 1-5 stars with halves. */
function drawRating(rng: Rng, item: Item, outcome: Exclude<Outcome, 'ignore'>): number {
  const halves = (x: number) => Math.round(x * 2) / 2;
  switch (outcome) {
    case 'love':
      return clamp(halves(4.2 + 0.35 * ((item.rating ?? 7) - 7) + 0.5 * rng.normal()), 3.5, 5);
    case 'meh':
      return clamp(halves(2.8 + 0.5 * rng.normal()), 2, 3.5);
    case 'reject':
      return clamp(halves(1.5 + 0.4 * rng.normal()), 1, 2);
  }
}

const clamp = (x: number, lo: number, hi: number): number => (x < lo ? lo : x > hi ? hi : x);
const round3 = (x: number): number => Math.round(x * 1000) / 1000;
