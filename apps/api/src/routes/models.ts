import type { JobInfo } from '@recsys/core';
import type { Static } from 'typebox';
import { UnknownModelVersionError } from '@recsys/engine';
import type { App, RouteDependencies } from '../app-types.js';
import { ApiError } from '../errors/api-error.js';
import { errors } from '../schemas/common.js';
import { Job, JobParams, ModelList, ModelRecord, RetrainBody, VersionParams } from '../schemas/model.js';

const jobView = (job: JobInfo) => {
  const { id, data: _data, ...rest } = job;
  return { job_id: id, ...rest } as Static<typeof Job>;
};

export function modelRoutes(app: App, { engine }: RouteDependencies): void {
  app.post(
    '/v1/models/retrain',
    {
      schema: {
        tags: ['models'],
        summary: 'Start a retrain; poll the job for its state',
        body: RetrainBody,
        response: { 202: Job, ...errors(400) },
      },
    },
    async (request, reply) => {
      const job = await engine.requestRetrain(request.body?.kind ?? 'full');
      return reply.status(202).send(jobView(job));
    },
  );

  app.get(
    '/v1/models/jobs/:job_id',
    {
      schema: { tags: ['models'], summary: 'State of a training job', params: JobParams, response: { 200: Job, ...errors(404) } },
    },
    async (request) => {
      const job = await engine.getJob(request.params.job_id);
      if (!job) throw new ApiError('JOB_NOT_FOUND', `job ${request.params.job_id} does not exist (job history is kept in memory)`);
      return jobView(job);
    },
  );

  app.get(
    '/v1/models',
    { schema: { tags: ['models'], summary: 'Model versions with their offline metrics', response: { 200: ModelList } } },
    async () => ({ active_version: engine.activeVersion() ?? null, models: await engine.listModels() }),
  );

  app.post(
    '/v1/models/:version/activate',
    {
      schema: {
        tags: ['models'],
        summary: 'Serve this model version from now on (rollback)',
        params: VersionParams,
        response: { 200: ModelRecord, ...errors(404) },
      },
    },
    async (request) => {
      try {
        return await engine.activateModel(request.params.version);
      } catch (error) {
        if (error instanceof UnknownModelVersionError) throw new ApiError('MODEL_NOT_FOUND', error.message);
        throw error;
      }
    },
  );
}
