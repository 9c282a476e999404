// The fitted TF-IDF vocabulary: which terms index a catalogue and how much each one tells.

export interface VocabularyOptions {
  /** A term must appear in at least this many documents (rarer ones are typos and one-offs). */
  minDf: number;
  /** Terms in more than this share of documents say nothing about one story (0-1]. */
  maxDfShare: number;
  /** Keep at most this many terms, the most frequent by document frequency. */
  maxFeatures: number;
}

export const DEFAULT_VOCABULARY_OPTIONS: Readonly<VocabularyOptions> = {
  minDf: 2,
  maxDfShare: 0.5,
  maxFeatures: 50_000,
};

/** A sparse, L2-normalised TF-IDF vector. */
export interface SparseVector {
  indices: Int32Array;
  values: Float32Array;
}

export class TfidfVocabulary {
  private readonly index: Map<string, number>;

  /**
   * `terms[i]` has inverse document frequency `idf[i]`; `labels[i]` is the readable form of the
   * (stemmed) term: its most frequent surface word.
   */
  constructor(
    readonly terms: readonly string[],
    readonly labels: readonly string[],
    readonly idf: Float32Array,
  ) {
    if (labels.length !== terms.length || idf.length !== terms.length) {
      throw new RangeError('terms, labels and idf differ in length');
    }
    this.index = new Map(terms.map((term, i) => [term, i]));
  }

  get size(): number {
    return this.terms.length;
  }

  indexOf(term: string): number | undefined {
    return this.index.get(term);
  }

  /**
   * Fits the vocabulary on documents given as term → weight maps. idf = ln((1 + n) / (1 + df)) + 1
   * (smoothed, so no term weighs zero). Terms are ordered by descending document frequency, then
   * alphabetically, so equal inputs give equal vocabularies.
   */
  static fit(
    documents: readonly ReadonlyMap<string, number>[],
    surfaceCounts: ReadonlyMap<string, ReadonlyMap<string, number>>,
    options: Partial<VocabularyOptions> = {},
  ): TfidfVocabulary {
    const o = { ...DEFAULT_VOCABULARY_OPTIONS, ...options };
    const n = documents.length;
    const df = new Map<string, number>();
    for (const doc of documents) for (const term of doc.keys()) df.set(term, (df.get(term) ?? 0) + 1);
    const maxDf = Math.max(o.minDf, Math.floor(o.maxDfShare * n));
    const kept = [...df]
      .filter(([, count]) => count >= o.minDf && count <= maxDf)
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
      .slice(0, o.maxFeatures);
    const terms = kept.map(([term]) => term);
    const idf = Float32Array.from(kept, ([, count]) => Math.log((1 + n) / (1 + count)) + 1);
    const labels = terms.map((term) => mostFrequent(surfaceCounts.get(term)) ?? term);
    return new TfidfVocabulary(terms, labels, idf);
  }

  /** The document's TF-IDF vector over this vocabulary, L2-normalised; unknown terms are ignored. */
  vectorize(counts: ReadonlyMap<string, number>): SparseVector {
    const entries: [number, number][] = [];
    for (const [term, weight] of counts) {
      const i = this.index.get(term);
      if (i !== undefined && weight > 0) entries.push([i, weight * this.idf[i]!]);
    }
    entries.sort((a, b) => a[0] - b[0]);
    let norm = 0;
    for (const [, v] of entries) norm += v * v;
    norm = Math.sqrt(norm) || 1;
    return {
      indices: Int32Array.from(entries, ([i]) => i),
      values: Float32Array.from(entries, ([, v]) => v / norm),
    };
  }
}

function mostFrequent(counts: ReadonlyMap<string, number> | undefined): string | undefined {
  let best: string | undefined;
  let bestCount = 0;
  for (const [word, count] of counts ?? []) {
    if (count > bestCount || (count === bestCount && best !== undefined && word < best)) {
      best = word;
      bestCount = count;
    }
  }
  return best;
}
