// A small binary container for model artifacts: a JSON header followed by typed arrays, so
// factors are stored as raw bytes (not JSON numbers) and load without parsing millions of floats.
//
// Layout: "RSAR" | u32 header bytes | header JSON (utf-8) | padding to 8 | array bytes...

const MAGIC = 0x52534152; // "RSAR"

export type NumericArray = Float32Array | Float64Array | Int32Array | Uint32Array;

const ARRAY_TYPES = {
  f32: Float32Array,
  f64: Float64Array,
  i32: Int32Array,
  u32: Uint32Array,
} as const;
type ArrayTag = keyof typeof ARRAY_TYPES;

interface ArrayEntry {
  name: string;
  type: ArrayTag;
  length: number;
  offset: number;
}

export interface Artifact<Meta> {
  /** Identifies what wrote the artifact, e.g. "als". */
  kind: string;
  /** Format version of that kind; a reader refuses versions it does not know. */
  format: number;
  meta: Meta;
  arrays: Record<string, NumericArray>;
}

export class ArtifactFormatError extends Error {
  override name = 'ArtifactFormatError';
}

function tagOf(array: NumericArray): ArrayTag {
  if (array instanceof Float32Array) return 'f32';
  if (array instanceof Float64Array) return 'f64';
  if (array instanceof Int32Array) return 'i32';
  return 'u32';
}

const align8 = (n: number) => (n + 7) & ~7;

export function encodeArtifact<Meta>(artifact: Artifact<Meta>): Uint8Array {
  const entries: ArrayEntry[] = [];
  let offset = 0;
  for (const [name, array] of Object.entries(artifact.arrays)) {
    entries.push({ name, type: tagOf(array), length: array.length, offset });
    offset = align8(offset + array.byteLength);
  }
  const header = new TextEncoder().encode(
    JSON.stringify({ kind: artifact.kind, format: artifact.format, meta: artifact.meta, arrays: entries }),
  );
  const dataStart = align8(8 + header.byteLength);
  const out = new Uint8Array(dataStart + offset);
  const view = new DataView(out.buffer);
  view.setUint32(0, MAGIC, true);
  view.setUint32(4, header.byteLength, true);
  out.set(header, 8);
  for (const entry of entries) {
    const array = artifact.arrays[entry.name]!;
    out.set(new Uint8Array(array.buffer, array.byteOffset, array.byteLength), dataStart + entry.offset);
  }
  return out;
}

/** Decodes an artifact of `kind`, refusing other kinds and format versions other than `format`. */
export function decodeArtifact<Meta>(bytes: Uint8Array, kind: string, format: number): Artifact<Meta> {
  if (bytes.byteLength < 8) throw new ArtifactFormatError(`${kind} artifact is truncated`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0, true) !== MAGIC) throw new ArtifactFormatError(`not a model artifact (expected ${kind})`);
  const headerLength = view.getUint32(4, true);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength))) as {
    kind: string;
    format: number;
    meta: Meta;
    arrays: ArrayEntry[];
  };
  if (header.kind !== kind) throw new ArtifactFormatError(`artifact holds a ${header.kind} model, expected ${kind}`);
  if (header.format !== format) {
    throw new ArtifactFormatError(
      `${kind} artifact has format version ${header.format}; this build reads version ${format}: retrain the model`,
    );
  }
  const dataStart = align8(8 + headerLength);
  const arrays: Record<string, NumericArray> = {};
  for (const entry of header.arrays) {
    const Ctor = ARRAY_TYPES[entry.type];
    const start = dataStart + entry.offset;
    const end = start + entry.length * Ctor.BYTES_PER_ELEMENT;
    if (end > bytes.byteLength) throw new ArtifactFormatError(`${kind} artifact is truncated`);
    // Copy so the array is aligned and independent of the source buffer.
    arrays[entry.name] = new Ctor(bytes.slice(start, end).buffer);
  }
  return { kind: header.kind, format: header.format, meta: header.meta, arrays };
}
