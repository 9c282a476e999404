import type { App, RouteDependencies } from '../app-types.js';
import { errors } from '../schemas/common.js';
import { BanditView } from '../schemas/experiment.js';
import { experimentAdmin } from './experiments.js';

export function banditRoutes(app: App, { engine }: RouteDependencies): void {
  app.get(
    '/v1/bandit',
    {
      schema: {
        tags: ['experiments'],
        summary: 'Thompson-sampling bandit: Beta posterior, 95 % credible interval and expected share of slots per arm',
        description:
          'Arms ncf, mf, story, trending and random share the slots of lists served by variants with policy bandit. Each slot shown is an ' +
          'observation (a failure until attributed feedback is positive); evidence decays with the half-life, so the bandit follows change.',
        response: { 200: BanditView, ...errors(503) },
      },
    },
    async () => experimentAdmin(engine).bandit(),
  );
}
