/** A JSON request against the service under test. */
export async function call(
  baseUrl: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: any; headers: Headers }> {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, body: jsonOrText(await response.text()), headers: response.headers };
}

/** An answer body parsed as JSON; non-JSON answers (metrics, HTML) stay text. */
export function jsonOrText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Polls a retrain job until it finishes and returns its final state. */
export async function waitForJob(baseUrl: string, jobId: string, timeoutMs = 30_000, headers: Record<string, string> = {}): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { body } = await call(baseUrl, 'GET', `/v1/models/jobs/${jobId}`, undefined, headers);
    if (body.state === 'completed' || body.state === 'failed') return body;
    if (Date.now() > deadline) throw new Error(`job ${jobId} still ${body.state} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
