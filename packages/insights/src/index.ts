export * from './segments.js';
export * from './pca-compression.js';
export * from './exposure.js';
export * from './drift.js';
export * from './pseudonymise.js';
