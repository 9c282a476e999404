export * from './exact-index.js';
export * from './faiss-addon.js';
export * from './faiss-index.js';
export * from './recall.js';
export * from './vector-index-factory.js';
