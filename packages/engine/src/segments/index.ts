export * from './segment-profile.js';
export * from './segment-training.js';
export * from './segment-model.js';
export * from './segment-context.js';
