export {
  generateDemoDataset,
  DEMO_DEFAULT_SEED,
  DEMO_DEFAULT_USERS,
  DEMO_WINDOW_DAYS,
  type DemoOptions,
  type DemoUser,
  type DemoDataset,
} from './dataset.js';
export { DEMO_PERSONAS, matchesTaste, type DemoPersona, type Taste } from './personas.js';
export { GENRES, type Genre } from './vocabulary.js';
export { mulberry32, Rng, hashSeed } from './random.js';
