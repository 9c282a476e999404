export * from './interaction-matrix.js';
export * from './als.js';
export * from './popularity.js';
export * from './random.js';
