import type { Artifacts, VectorIndexFactory } from '@recsys/core';
import { ImplicitALS } from '@recsys/models';
import { MfModel } from '@recsys/ranking';

/** The trained models of one version, ready to serve. */
export interface ModelBundle {
  version: string;
  mf?: MfModel;
}

const encodeJson = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
const decodeJson = <T>(bytes: Uint8Array | undefined, name: string): T => {
  if (!bytes) throw new Error(`model artifact "${name}" is missing`);
  return JSON.parse(new TextDecoder().decode(bytes)) as T;
};

export function encodeBundle(als: ImplicitALS, itemIds: readonly string[]): Artifacts {
  return { 'als.bin': als.toArtifact(), 'als-items.json': encodeJson(itemIds) };
}

export function decodeBundle(version: string, artifacts: Artifacts, indexFactory: VectorIndexFactory): ModelBundle {
  const bundle: ModelBundle = { version };
  const als = artifacts['als.bin'];
  if (als) {
    bundle.mf = new MfModel(ImplicitALS.fromArtifact(als), decodeJson<string[]>(artifacts['als-items.json'], 'als-items.json'), indexFactory);
  }
  return bundle;
}
