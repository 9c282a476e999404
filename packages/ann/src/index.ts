export * from './exact-index.js';
