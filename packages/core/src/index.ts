export * from './types.js';
export * from './feedback.js';
export * from './artifact.js';
export * from './ports/store.js';
export * from './ports/job-runner.js';
export * from './ports/model-registry.js';
export * from './ports/vector-index.js';
