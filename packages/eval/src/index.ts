export * from './datasets.js';
export * from './protocol.js';
export * from './config.js';
export * from './harness.js';
export * from './report.js';
