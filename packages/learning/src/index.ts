export * from './random.js';
export * from './special-functions.js';
export * from './reward.js';
export * from './thompson-bandit.js';
export * from './experiment-stats.js';
export * from './experiment-definition.js';
export * from './simulator.js';
export * from './outcome.js';
