import { describe, expect, it } from 'vitest';
import { AssignmentTable } from './assignment-table.js';

describe('AssignmentTable', () => {
  it('holds each user’s variant per experiment, and forgets a user entirely', () => {
    const table = new AssignmentTable();
    table.set('u1', 'e1', 'control');
    table.set('u1', 'e2', 'treatment');
    table.set('u2', 'e1', 'treatment');
    table.set('u1', 'e1', 'treatment'); // a later assignment replaces the earlier
    expect(table.get('u1', 'e1')).toBe('treatment');
    expect(table.get('u2', 'e2')).toBeUndefined();
    expect(table.of('u1')).toEqual({ e1: 'treatment', e2: 'treatment' });
    expect(table.has('u2')).toBe(true);
    expect([...table.entries()]).toEqual([
      { user_id: 'u1', experiment_id: 'e1', variant: 'treatment' },
      { user_id: 'u2', experiment_id: 'e1', variant: 'treatment' },
      { user_id: 'u1', experiment_id: 'e2', variant: 'treatment' },
    ]);
    expect(table.delete('u1')).toBe(2);
    expect(table.has('u1')).toBe(false);
    expect(table.of('u1')).toEqual({});
    expect(table.delete('u1')).toBe(0);
    expect(table.get('u2', 'e1')).toBe('treatment');
  });
});
