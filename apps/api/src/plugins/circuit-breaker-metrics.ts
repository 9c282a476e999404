import type { CircuitBreaker, CircuitState } from '@recsys/core';
import { Counter, Gauge, type Registry } from 'prom-client';

const STATES: readonly CircuitState[] = ['closed', 'half_open', 'open'];

/**
 * Circuit breaker metrics, computed from the breakers when scraped:
 *   <prefix>circuit_breaker_state{dependency, state}   1 for the current state, 0 for the others
 *   <prefix>circuit_breaker_opened_total{dependency}   times the breaker opened
 *   <prefix>circuit_breaker_rejected_total{dependency} calls refused without reaching the dependency
 */
export function registerCircuitBreakerMetrics(registry: Registry, prefix: string, breakers: readonly CircuitBreaker[]): void {
  new Gauge({
    name: `${prefix}circuit_breaker_state`,
    help: 'Circuit breaker state per dependency (1 on the current state)',
    labelNames: ['dependency', 'state'],
    registers: [registry],
    collect() {
      for (const breaker of breakers) {
        const current = breaker.state;
        for (const state of STATES) this.set({ dependency: breaker.name, state }, state === current ? 1 : 0);
      }
    },
  });
  const totals = (name: string, help: string, read: (breaker: CircuitBreaker) => number) =>
    new Counter({
      name: `${prefix}${name}`,
      help,
      labelNames: ['dependency'],
      registers: [registry],
      collect() {
        this.reset();
        for (const breaker of breakers) this.inc({ dependency: breaker.name }, read(breaker));
      },
    });
  totals('circuit_breaker_opened_total', 'Times the circuit breaker opened', (b) => b.snapshot().opened_total);
  totals('circuit_breaker_rejected_total', 'Calls refused by an open circuit breaker', (b) => b.snapshot().rejected_total);
}
