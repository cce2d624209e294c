/* The Datadog sandbox's answers: a status and a JSON body, Datadog's `errors` list for failures. */

const MAX_BODY = 1024 * 1024;

/** An answer; thrown to end request handling early (auth, faults, budget, bad bodies). */
export class HttpAnswer extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    super(`HTTP ${status}`);
  }
}

export function errorsBody(...errors: string[]): { errors: string[] } {
  return { errors };
}

/** The request's JSON body (undefined when empty); throws 413 past 1 MiB, 400 for bad JSON. */
export async function readBody(req: AsyncIterable<unknown>): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new HttpAnswer(413, errorsBody('Payload too large'));
    chunks.push(chunk as Buffer);
  }
  if (size === 0) return undefined;
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch {
    throw new HttpAnswer(400, errorsBody('Invalid JSON'));
  }
}
