import { decodeArtifact, encodeArtifact, feedbackSignal, type InteractionEvent, type Item } from '@recsys/core';
import type { CatalogView, ContextSignal } from '@recsys/ranking';
import { type ContextInputs, defaultWeight, recentEvents } from './context-inputs.js';
import type { ContextLearner } from './context-models.js';
import type { ContextHistory } from './history.js';

export const DEVICE_SIGNAL = 'device';

export interface DeviceOptions {
  /** Liking events a device needs (globally) before its shifts are trusted. */
  minDeviceEvents: number;
  /** A user's own events on a device count fully once they are this many (shrinkage toward global). */
  userPrior: number;
  /** A user needs this many liking events on the device before their own shift is used at all. */
  minUserEvents: number;
  /**
   * Pseudo-events of smoothing: a device's shares are pulled toward the all-device shares (and a
   * user's toward the population's) by this many events' worth, so a rare feature's ratio is not noise.
   */
  smoothing: number;
  /** Lifts (log share ratios) smaller than this are noise and count as none. */
  minLift: number;
  defaultWeight: number;
}

export const DEFAULT_DEVICE_OPTIONS: Readonly<DeviceOptions> = {
  minDeviceEvents: 30,
  userPrior: 10,
  minUserEvents: 8,
  smoothing: 5,
  minLift: 0.1,
  defaultWeight: 0.2,
};

/** Runtime buckets in minutes (per episode for series): what "short" and "long" mean on a screen. */
const LENGTHS = ['short', 'medium', 'long'] as const;
type Length = (typeof LENGTHS)[number];
const lengthOf = (minutes: number | undefined): Length | undefined =>
  minutes === undefined || !(minutes > 0) ? undefined : minutes <= 30 ? 'short' : minutes <= 80 ? 'medium' : 'long';

/**
 * The features a device shifts preference over: runtime bucket and content type. Keys look like
 * "length:short" and "type:movie"; a group's values compete with each other.
 */
export function deviceFeaturesOf(item: Pick<Item, 'content_type' | 'duration_minutes'>): string[] {
  const length = lengthOf(item.duration_minutes);
  return [`type:${item.content_type}`, ...(length ? [`length:${length}`] : [])];
}
const GROUP_SIZES: Record<string, number> = { type: 4, length: LENGTHS.length };

/** Devices match case-insensitively; anything else is no device. */
export function deviceKey(device: string | undefined): string | undefined {
  const key = device?.trim().toLowerCase();
  return key && key.length <= 50 ? key : undefined;
}

/**
 * The device of this request: the request's, else that of the latest event of the same session.
 */
export function resolveDevice(
  requested: string | undefined,
  sessionId: string | undefined,
  recentEvents: readonly InteractionEvent[] = [],
): string | undefined {
  const direct = deviceKey(requested);
  if (direct || !sessionId) return direct;
  let latest: InteractionEvent | undefined;
  for (const event of recentEvents) {
    if (event.session_id === sessionId && deviceKey(event.device) && (!latest || event.timestamp > latest.timestamp)) latest = event;
  }
  return deviceKey(latest?.device);
}

/** Counts of liking events per device and feature (and in total), for one population. */
export class DeviceCounts {
  /** device → feature → count; "*" is every device together. */
  readonly counts = new Map<string, Map<string, number>>();
  readonly totals = new Map<string, number>();

  /** Folds in liking events that carry a device, with the item's features looked up by id. */
  record(events: Iterable<InteractionEvent>, itemOf: (itemId: string) => Pick<Item, 'content_type' | 'duration_minutes'> | undefined): void {
    for (const event of events) {
      const device = deviceKey(event.device);
      if (!device || !event.item_id || !(feedbackSignal(event).preference > 0)) continue;
      const item = itemOf(event.item_id);
      if (item) this.add(device, deviceFeaturesOf(item), 1);
    }
  }

  add(device: string, features: readonly string[], n: number): void {
    for (const key of [device, '*']) {
      let byFeature = this.counts.get(key);
      if (!byFeature) this.counts.set(key, (byFeature = new Map()));
      for (const f of features) byFeature.set(f, (byFeature.get(f) ?? 0) + n);
      this.totals.set(key, (this.totals.get(key) ?? 0) + n);
    }
  }

  total(device: string): number {
    return this.totals.get(device) ?? 0;
  }

  /** Share of the device's liking events that had the feature, smoothed toward `prior` by `smoothing` events. */
  share(device: string, feature: string, prior: number, smoothing: number): number {
    return ((this.counts.get(device)?.get(feature) ?? 0) + smoothing * prior) / (this.total(device) + smoothing);
  }
}

interface DeviceArtifactMeta {
  devices: string[];
  features: string[];
}

const ARTIFACT_KIND = 'device-preferences';
const ARTIFACT_FORMAT = 1;

/**
 * Per-device preference shifts learned from history: the log-lift of a feature's share on a device
 * over its share on all devices (more short titles on mobile, more films on TV). Global from the
 * whole log; a user with enough events of their own on the device moves toward their own lifts.
 */
export class DevicePreferences {
  constructor(
    readonly global: DeviceCounts = new DeviceCounts(),
    private readonly options: Readonly<DeviceOptions> = DEFAULT_DEVICE_OPTIONS,
  ) {}

  static fit(
    events: Iterable<InteractionEvent>,
    items: readonly Item[],
    options: Partial<DeviceOptions> = {},
  ): DevicePreferences {
    const byId = new Map(items.map((item) => [item.item_id, item]));
    const counts = new DeviceCounts();
    counts.record(events, (id) => byId.get(id));
    return new DevicePreferences(counts, { ...DEFAULT_DEVICE_OPTIONS, ...options });
  }

  /** True when the device has enough history for its shifts to mean something. */
  knows(device: string): boolean {
    return this.global.total(device) >= this.options.minDeviceEvents;
  }

  /**
   * Lift of each feature on `device` (feature → log share ratio), for the whole population or
   * blended with one user's own counts (see DeviceOptions.userPrior).
   */
  lifts(device: string, user?: DeviceCounts): Map<string, number> {
    const { smoothing, userPrior, minUserEvents } = this.options;
    const out = new Map<string, number>();
    const features = new Set([...(this.global.counts.get('*')?.keys() ?? []), ...(user?.counts.get('*')?.keys() ?? [])]);
    const own = user && user.total(device) >= minUserEvents ? user.total(device) / (user.total(device) + userPrior) : 0;
    for (const f of features) {
      // Shares nest: all devices pulled toward uniform, a device toward all devices, a user toward
      // the population, a user's device toward the user.
      const uniform = 1 / (GROUP_SIZES[f.slice(0, f.indexOf(':'))] ?? 2);
      const everywhere = this.global.share('*', f, uniform, smoothing);
      const globalLift = this.knows(device) ? Math.log(this.global.share(device, f, everywhere, smoothing) / everywhere) : 0;
      let userLift = 0;
      if (own > 0) {
        const userEverywhere = user!.share('*', f, everywhere, smoothing);
        userLift = Math.log(user!.share(device, f, userEverywhere, smoothing) / userEverywhere);
      }
      const lift = (1 - own) * globalLift + own * userLift;
      out.set(f, Math.abs(lift) < this.options.minLift ? 0 : lift);
    }
    return out;
  }

  toArtifact(): Uint8Array {
    const devices = [...this.global.counts.keys()].sort();
    const features = [...new Set(devices.flatMap((d) => [...this.global.counts.get(d)!.keys()]))].sort();
    const counts = new Float64Array(devices.length * (features.length + 1));
    devices.forEach((d, i) => {
      const row = i * (features.length + 1);
      counts[row] = this.global.total(d);
      features.forEach((f, j) => (counts[row + 1 + j] = this.global.counts.get(d)!.get(f) ?? 0));
    });
    return encodeArtifact<DeviceArtifactMeta>({ kind: ARTIFACT_KIND, format: ARTIFACT_FORMAT, meta: { devices, features }, arrays: { counts } });
  }

  static fromArtifact(bytes: Uint8Array, options: Partial<DeviceOptions> = {}): DevicePreferences {
    const { meta, arrays } = decodeArtifact<DeviceArtifactMeta>(bytes, ARTIFACT_KIND, ARTIFACT_FORMAT);
    const values = arrays.counts as Float64Array;
    const counts = new DeviceCounts();
    const width = meta.features.length + 1;
    meta.devices.forEach((d, i) => {
      counts.totals.set(d, values[i * width]!);
      counts.counts.set(d, new Map(meta.features.map((f, j) => [f, values[i * width + 1 + j]!] as const).filter(([, n]) => n > 0)));
    });
    return new DevicePreferences(counts, { ...DEFAULT_DEVICE_OPTIONS, ...options });
  }
}

const DEVICE_LABELS: Record<string, string> = { tv: 'TV', mobile: 'mobile', desktop: 'desktop', tablet: 'tablet' };
const TYPE_NOUNS: Record<string, string> = { movie: 'films', tv_show: 'TV shows', series: 'series', anime: 'anime' };
const EPISODIC = new Set(['series', 'tv_show', 'anime']);

/** "suits mobile: short episodes": what of the row the device favours, in words. */
export function describeDeviceFit(device: string, item: Pick<Item, 'content_type' | 'duration_minutes'>, lifts: ReadonlyMap<string, number>): string | undefined {
  const type = `type:${item.content_type}`;
  const length = lengthOf(item.duration_minutes);
  const typeLift = lifts.get(type) ?? 0;
  const lengthLift = length ? (lifts.get(`length:${length}`) ?? 0) : 0;
  if (!(typeLift > 0) && !(lengthLift > 0)) return undefined;
  const noun = TYPE_NOUNS[item.content_type] ?? 'titles';
  const what = lengthLift > 0 ? `${length} ${EPISODIC.has(item.content_type) ? 'episodes' : noun}` : noun;
  return `suits ${DEVICE_LABELS[device] ?? device}: ${what}`;
}

/**
 * Each catalogue row's (content type, runtime bucket) combination as a small code, built once per
 * catalogue: a request scores the few combinations and then only indexes by row.
 */
interface RowCombos {
  codes: Uint8Array;
  /** One representative of each code (what its features and reason are read from). */
  examples: Pick<Item, 'content_type' | 'duration_minutes'>[];
}

const combos = new WeakMap<CatalogView, RowCombos>();

function rowCombos(catalog: CatalogView): RowCombos {
  let table = combos.get(catalog);
  if (table) return table;
  const codes = new Uint8Array(catalog.size);
  const index = new Map<string, number>();
  const examples: RowCombos['examples'] = [];
  for (let row = 0; row < catalog.size; row++) {
    const item = catalog.items[row]!;
    const key = `${item.content_type}|${lengthOf(item.duration_minutes) ?? ''}`;
    let code = index.get(key);
    if (code === undefined) {
      // Four content types by three lengths (or none): far below the 256 codes a byte holds.
      index.set(key, (code = Math.min(255, index.size)));
      examples.push({ content_type: item.content_type, duration_minutes: item.duration_minutes });
    }
    codes[row] = code;
  }
  combos.set(catalog, (table = { codes, examples }));
  return table;
}

/** Favours what suits the request's device: the sum of the row's positive feature lifts, squashed to 0-1. */
export class DeviceSignal implements ContextSignal {
  readonly name = DEVICE_SIGNAL;
  private readonly combos: RowCombos;
  /** Score per combination, computed once per request. */
  private readonly comboScores: Float32Array;

  constructor(
    private readonly catalog: CatalogView,
    readonly device: string,
    private readonly lifts: ReadonlyMap<string, number>,
    readonly defaultWeight = DEFAULT_DEVICE_OPTIONS.defaultWeight,
  ) {
    this.combos = rowCombos(catalog);
    this.comboScores = Float32Array.from(this.combos.examples, (item) => {
      let sum = 0;
      for (const f of deviceFeaturesOf(item)) sum += Math.max(0, this.lifts.get(f) ?? 0);
      return 1 - Math.exp(-1.5 * sum);
    });
  }

  score(rows: Int32Array): Float32Array {
    const out = new Float32Array(rows.length);
    const { codes } = this.combos;
    for (let i = 0; i < rows.length; i++) out[i] = this.comboScores[codes[rows[i]!]!]!;
    return out;
  }

  reason(row: number): string | undefined {
    return describeDeviceFit(this.device, this.catalog.items[row]!, this.lifts);
  }
}

/** A user's own device counts from their recent events (features from the catalogue). */
export function userDeviceCounts(events: readonly InteractionEvent[], catalog: CatalogView): DeviceCounts {
  const memo = userCounts.get(events);
  if (memo && memo.catalog === catalog) return memo.counts;
  const counts = new DeviceCounts();
  counts.record(events, (id) => {
    const row = catalog.rowOf(id);
    return row === undefined ? undefined : catalog.items[row];
  });
  userCounts.set(events, { catalog, counts });
  return counts;
}

/** The cached user state keeps its event array until the user acts: their counts are taken once. */
const userCounts = new WeakMap<readonly InteractionEvent[], { catalog: CatalogView; counts: DeviceCounts }>();

/** The signal for one request; undefined (off) without a device or when nothing is known about it. */
export function deviceSignal(
  catalog: CatalogView,
  preferences: DevicePreferences | undefined,
  device: string | undefined,
  recentEvents: readonly InteractionEvent[] = [],
  defaultWeight = DEFAULT_DEVICE_OPTIONS.defaultWeight,
): DeviceSignal | undefined {
  if (!preferences || !device) return undefined;
  const user = recentEvents.length > 0 ? userDeviceCounts(recentEvents, catalog) : undefined;
  const lifts = preferences.lifts(device, user);
  for (const lift of lifts.values()) if (lift > 0) return new DeviceSignal(catalog, device, lifts, defaultWeight);
  return undefined;
}

/** Global per-device shifts from the whole log at training time; undefined when no device has enough history. */
export const DEVICE_LEARNER: ContextLearner<DevicePreferences> = {
  name: DEVICE_SIGNAL,
  artifact: 'context-devices.bin',
  fit(history: ContextHistory) {
    const events = (function* () {
      for (const list of history.users.values()) for (const t of list) yield t.event;
    })();
    const learned = DevicePreferences.fit(events, history.items);
    return [...learned.global.totals.keys()].some((d) => d !== '*' && learned.knows(d)) ? learned : undefined;
  },
  encode: (model) => model.toArtifact(),
  decode: (bytes) => DevicePreferences.fromArtifact(bytes),
};

/** Registry factory: the device of the request (else of the session's events), the user's own shifts when they have enough. */
export function deviceContextSignal(inputs: ContextInputs): ContextSignal | undefined {
  const learned = inputs.models.get(DEVICE_LEARNER);
  if (!learned) return undefined;
  const events = recentEvents(inputs);
  const device = resolveDevice(inputs.request.device, inputs.request.sessionId, events);
  return deviceSignal(inputs.catalog, learned, device, events, defaultWeight(inputs.options, DEVICE_SIGNAL, DEFAULT_DEVICE_OPTIONS.defaultWeight));
}
