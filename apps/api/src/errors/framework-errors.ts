// Failures caught before a request reaches a route (bad URL encoding, over-long parameters, HTTP
// that does not parse) answered in the same `{error: {code, message, details}}` shape as the rest.
import type { Socket } from 'node:net';
import { STATUS_CODES } from 'node:http';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from './api-error.js';

/** Fastify's `frameworkErrors`: router failures. */
export function frameworkErrorHandler(error: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  const apiError =
    error.code === 'FST_ERR_BAD_URL'
      ? new ApiError('MALFORMED_REQUEST', 'the URL is not valid percent-encoded UTF-8')
      : error.code === 'FST_ERR_MAX_PARAM_LENGTH'
        ? new ApiError('URI_TOO_LONG', 'a path parameter is too long')
        : new ApiError('INTERNAL_ERROR', 'internal error; see the service log for the request id');
  void reply.code(apiError.statusCode).send(apiError.toBody());
}

/** Fastify's `clientErrorHandler`: HTTP the server could not parse; the connection is then closed. */
export function clientErrorHandler(error: NodeJS.ErrnoException, socket: Socket): void {
  // A reset connection has nobody left to answer.
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const apiError =
    error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? new ApiError('REQUEST_TIMEOUT', 'the request was not received in time')
      : error.code === 'HPE_HEADER_OVERFLOW'
        ? new ApiError('HEADERS_TOO_LARGE', 'the request line and headers exceed the size limit')
        : new ApiError('MALFORMED_REQUEST', 'the request is not valid HTTP/1.1', { parser_code: error.code ?? null });
  const body = JSON.stringify(apiError.toBody());
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${apiError.statusCode} ${STATUS_CODES[apiError.statusCode]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}

/**
 * HTTP/1.1 requires a Host header. Node's own check answers an empty 400, so the server turns it
 * off (`requireHostHeader: false`) and this onRequest hook refuses in the error format instead.
 */
export async function requireHostHeader(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> {
  if (request.raw.httpVersion !== '1.1' || request.headers.host) return undefined;
  const error = new ApiError('MALFORMED_REQUEST', 'an HTTP/1.1 request needs a Host header');
  return reply.code(error.statusCode).header('connection', 'close').send(error.toBody());
}
