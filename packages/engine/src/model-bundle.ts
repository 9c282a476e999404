import type { Artifacts, VectorIndexFactory } from '@recsys/core';
import type { LsaModel } from '@recsys/content';
import { ImplicitALS } from '@recsys/models';
import { MfModel } from '@recsys/ranking';
import { STORY_ARTIFACT } from './story.js';

/** The trained models of one version, ready to serve. */
export interface ModelBundle {
  version: string;
  mf?: MfModel;
  /** The plot-embedding model (loaded separately, see decodeStoryModel: it needs the text analyzer). */
  story?: LsaModel;
}

const encodeJson = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
const decodeJson = <T>(bytes: Uint8Array | undefined, name: string): T => {
  if (!bytes) throw new Error(`model artifact "${name}" is missing`);
  return JSON.parse(new TextDecoder().decode(bytes)) as T;
};

export function encodeBundle(als: ImplicitALS, itemIds: readonly string[], story?: LsaModel): Artifacts {
  return {
    'als.bin': als.toArtifact(),
    'als-items.json': encodeJson(itemIds),
    ...(story && { [STORY_ARTIFACT]: story.toArtifact() }),
  };
}

export function decodeBundle(version: string, artifacts: Artifacts, indexFactory: VectorIndexFactory): ModelBundle {
  const bundle: ModelBundle = { version };
  const als = artifacts['als.bin'];
  if (als) {
    bundle.mf = new MfModel(ImplicitALS.fromArtifact(als), decodeJson<string[]>(artifacts['als-items.json'], 'als-items.json'), indexFactory);
  }
  return bundle;
}
