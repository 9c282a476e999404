import { catalogAndUsersContract } from './catalog-contract.js';
import { erasureContract } from './erasure-contract.js';
import { eventLogContract } from './event-log-contract.js';
import { featureContract } from './feature-contract.js';
import type { StoreHarness } from './harness.js';
import { retentionContract } from './retention-contract.js';
import { learningContract } from './learning-contract.js';

/** Every behaviour the Store port promises, to run against each adapter (call inside a describe). */
export function storeContract(harness: StoreHarness): void {
  catalogAndUsersContract(harness);
  eventLogContract(harness);
  retentionContract(harness);
  featureContract(harness);
  erasureContract(harness);
  learningContract(harness);
}
