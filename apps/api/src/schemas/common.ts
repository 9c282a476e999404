import { Type } from 'typebox';

export const Id = (description: string) => Type.String({ minLength: 1, maxLength: 256, description });
export const IdList = (maxItems: number, description: string) => Type.Array(Id(description), { maxItems });
export const Strings = (maxItems: number, description: string) =>
  Type.Array(Type.String({ minLength: 1, maxLength: 200 }), { maxItems, description });

export const ErrorResponse = Type.Object(
  {
    error: Type.Object({
      code: Type.String({ description: 'Stable machine-readable code, e.g. VALIDATION_ERROR' }),
      message: Type.String(),
      details: Type.Object({}, { additionalProperties: true }),
    }),
  },
  { $id: 'ErrorResponse', description: 'Every 4xx and 5xx answer has this shape' },
);

/** The error answers a route can give, for the OpenAPI document. */
export const errors = (...statuses: number[]) =>
  Object.fromEntries(statuses.map((status) => [status, Type.Ref('ErrorResponse')]));

export const MAX_BATCH = 1000;
