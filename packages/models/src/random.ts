// Re-exported: the models package's public API has always offered it.
export { mulberry32 } from '@recsys/core';
