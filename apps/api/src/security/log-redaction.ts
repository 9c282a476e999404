// Keys must never reach a log line, even when a handler or a plugin logs request headers.
import type { FastifyServerOptions } from 'fastify';

const SECRET_HEADERS = ['authorization', '"x-api-key"', 'cookie'];
const HOLDERS = ['req.headers', 'request.headers', 'headers', 'err.headers', 'err.request.headers'];

/** pino `redact` paths for the credential headers wherever a logged object holds headers. */
export const REDACTED_PATHS = HOLDERS.flatMap((holder) => SECRET_HEADERS.map((h) => (h.startsWith('"') ? `${holder}[${h}]` : `${holder}.${h}`)));

/** The logger options with credential headers redacted; `false` stays off. */
export function withSecretRedaction(logger: FastifyServerOptions['logger'] | false): FastifyServerOptions['logger'] | false {
  if (logger === false || logger === undefined) return logger;
  const base = logger === true ? {} : logger;
  return { ...base, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } };
}
