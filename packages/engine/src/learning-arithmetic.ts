// The learning package's decision arithmetic and simulator, for apps that depend on the engine
// only (benchmarks replay the results endpoint's stopping rule on simulated counts).
export {
  experimentResults,
  requiredSampleSize,
  simulateAbTest,
  simulatePopulation,
  type ExperimentResults,
  type SimulatedUser,
  type VariantCounts,
} from '@recsys/learning';
