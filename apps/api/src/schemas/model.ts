import { Type } from 'typebox';
import { Id } from './common.js';

export const RetrainBody = Type.Object(
  {
    kind: Type.Optional(
      Type.Enum(['full', 'incremental'], {
        default: 'full',
        description: 'full: retrain every model from the event log; incremental: move the active models by the events since they were trained',
      }),
    ),
  },
  { additionalProperties: false },
);

export const Job = Type.Object({
  job_id: Type.String(),
  name: Type.String(),
  state: Type.Enum(['queued', 'running', 'completed', 'failed']),
  progress: Type.Optional(Type.Number()),
  result: Type.Optional(Type.Object({}, { additionalProperties: true })),
  error: Type.Optional(Type.String()),
  attempts: Type.Integer(),
  created_at: Type.String(),
  started_at: Type.Optional(Type.String()),
  finished_at: Type.Optional(Type.String()),
});

export const ModelRecord = Type.Object({
  version: Type.String(),
  created_at: Type.String(),
  components: Type.Array(Type.String()),
  metrics: Type.Record(Type.String(), Type.Number()),
  training_seconds: Type.Number(),
  status: Type.Enum(['active', 'inactive', 'rejected']),
  notes: Type.Optional(Type.String()),
});

export const ModelList = Type.Object({
  active_version: Type.Union([Type.String(), Type.Null()]),
  models: Type.Array(ModelRecord),
});

export const JobParams = Type.Object({ job_id: Id('Job id') });
export const VersionParams = Type.Object({ version: Id('Model version') });
