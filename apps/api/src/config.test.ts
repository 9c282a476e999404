import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

describe('RECSYS_HEAP_GROWTH_PERCENT', () => {
  it('defaults to 70, takes 0 (V8 decides) and refuses what is not a percentage', () => {
    expect(loadConfig({}).heapGrowthPercent).toBe(70);
    expect(loadConfig({ RECSYS_HEAP_GROWTH_PERCENT: '0' }).heapGrowthPercent).toBe(0);
    expect(() => loadConfig({ RECSYS_HEAP_GROWTH_PERCENT: '-5' })).toThrow(ConfigError);
    expect(() => loadConfig({ RECSYS_HEAP_GROWTH_PERCENT: 'lots' })).toThrow(/RECSYS_HEAP_GROWTH_PERCENT must be an integer from 0 to 1000/);
  });
});
