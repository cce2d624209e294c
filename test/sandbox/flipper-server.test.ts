import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFlipperSandbox, type FlipperSandbox } from '../../src/sandbox/flipper-server.js';

/* The sandbox answers like flipper-api (lib/flipper/api/v1/actions/*.rb in flippercloud/flipper). */

const MORE_INFO = 'https://flippercloud.io/docs/api#error-code-reference';

function doc(key: string, values: Partial<Record<string, string | string[] | null>>, state: string) {
  return {
    key,
    state,
    gates: [
      { key: 'boolean', name: 'boolean', value: values['boolean'] ?? null },
      { key: 'expression', name: 'expression', value: null },
      { key: 'actors', name: 'actor', value: values['actors'] ?? [] },
      {
        key: 'percentage_of_actors',
        name: 'percentage_of_actors',
        value: values['percentage_of_actors'] ?? null,
      },
      { key: 'percentage_of_time', name: 'percentage_of_time', value: values['percentage_of_time'] ?? null },
      { key: 'groups', name: 'group', value: values['groups'] ?? [] },
    ],
  };
}

describe('Flipper sandbox', () => {
  let sandbox: FlipperSandbox;
  beforeEach(async () => {
    sandbox = await startFlipperSandbox();
  });
  afterEach(async () => {
    await sandbox.close();
  });

  async function call(method: string, path: string, body?: string, contentType?: string) {
    const headers: Record<string, string> = contentType ? { 'content-type': contentType } : {};
    const res = await fetch(`${sandbox.url}${path}`, { method, headers, body });
    const text = await res.text();
    return { status: res.status, json: text === '' ? null : (JSON.parse(text) as unknown) };
  }

  it('listens on 127.0.0.1 under /flipper/api', () => {
    expect(sandbox.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/flipper\/api$/);
    expect(sandbox.url).toBe(`http://127.0.0.1:${String(sandbox.port)}/flipper/api`);
  });

  it('answers 404 code 1 for an unknown feature, and the GET does not create it', async () => {
    const notFound = { status: 404, json: { code: 1, message: 'Feature not found.', more_info: MORE_INFO } };
    expect(await call('GET', '/features/ebg')).toEqual(notFound);
    expect(await call('GET', '/features/ebg')).toEqual(notFound);
    expect(sandbox.feature('ebg')).toBeUndefined();
  });

  it.each([
    ['"25"', '25'],
    ['"2.5"', '2.5'],
    ['"25.0"', '25.0'],
    ['25', '25'],
    ['0.125', '0.125'],
    ['"0"', '0'],
    ['"100"', '100'],
  ])('POST percentage_of_actors %s creates the feature and stores %s', async (percentage, stored) => {
    const res = await call(
      'POST',
      '/features/ebg/percentage_of_actors',
      `{"percentage":${percentage}}`,
      'application/json',
    );
    expect(res).toEqual({
      status: 200,
      json: doc('ebg', { percentage_of_actors: stored }, stored === '0' ? 'off' : 'conditional'),
    });
    expect(await call('GET', '/features/ebg')).toEqual(res);
  });

  it.each([
    ['application/json; charset=utf-8', '{"percentage":"25"}'],
    ['application/json', '{"percentage":"101"}'],
    ['application/json', '{"percentage":"-1"}'],
    ['application/json', '{"percentage":"abc"}'],
    ['application/json', '{}'],
    ['text/plain', 'percentage=25'],
  ])('answers 422 code 3 for Content-Type %s and body %s', async (contentType, body) => {
    expect(await call('POST', '/features/ebg/percentage_of_time', body, contentType)).toEqual({
      status: 422,
      json: {
        code: 3,
        message: 'Percentage must be a positive number less than or equal to 100.',
        more_info: MORE_INFO,
      },
    });
  });

  it('takes the percentage from the query string or a form body too, like Rack params', async () => {
    expect((await call('POST', '/features/a/percentage_of_time?percentage=10')).status).toBe(200);
    expect(
      (
        await call(
          'POST',
          '/features/b/percentage_of_time',
          'percentage=20',
          'application/x-www-form-urlencoded',
        )
      ).status,
    ).toBe(200);
    expect(sandbox.feature('a')?.gates[4]?.value).toBe('10');
    expect(sandbox.feature('b')?.gates[4]?.value).toBe('20');
  });

  it('DELETE of a percentage gate stores "0" and keeps the other gates', async () => {
    sandbox.setFeature('ebg', { percentageOfActors: 25, actors: ['User;1'] });
    expect(await call('DELETE', '/features/ebg/percentage_of_actors')).toEqual({
      status: 200,
      json: doc('ebg', { percentage_of_actors: '0', actors: ['User;1'] }, 'conditional'),
    });
  });

  it('the boolean gate, POST or DELETE, clears every other gate', async () => {
    sandbox.setFeature('ebg', {
      percentageOfActors: 25,
      percentageOfTime: 5,
      actors: ['User;1'],
      groups: ['staff'],
    });
    expect(await call('POST', '/features/ebg/boolean', '{}', 'application/json')).toEqual({
      status: 200,
      json: doc('ebg', { boolean: 'true' }, 'on'),
    });
    sandbox.setFeature('ebg', { actors: ['User;1'] });
    expect(await call('DELETE', '/features/ebg/boolean')).toEqual({
      status: 200,
      json: doc('ebg', {}, 'off'),
    });
  });

  it('adds and removes actors and groups, and requires their parameter', async () => {
    await call('POST', '/features/ebg/actors', '{"flipper_id":"User;1"}', 'application/json');
    await call('POST', '/features/ebg/groups', '{"name":"staff"}', 'application/json');
    expect(sandbox.feature('ebg')).toEqual(
      doc('ebg', { actors: ['User;1'], groups: ['staff'] }, 'conditional'),
    );
    await call('DELETE', '/features/ebg/actors', '{"flipper_id":"User;1"}', 'application/json');
    expect(sandbox.feature('ebg')?.gates[2]?.value).toEqual([]);
    expect(await call('POST', '/features/ebg/actors', '{}', 'application/json')).toMatchObject({
      status: 422,
      json: { code: 4 },
    });
    expect(await call('POST', '/features/ebg/groups', '{}', 'application/json')).toMatchObject({
      status: 422,
      json: { code: 5 },
    });
  });

  it('lists features and deletes one with 204', async () => {
    sandbox.setFeature('a', { enabled: true });
    expect(await call('GET', '/features')).toEqual({
      status: 200,
      json: { features: [doc('a', { boolean: 'true' }, 'on')] },
    });
    expect(await call('DELETE', '/features/a')).toEqual({ status: 204, json: null });
    expect(sandbox.feature('a')).toBeUndefined();
  });

  it('decodes feature names in the path', async () => {
    await call('POST', '/features/a%20b/percentage_of_actors', '{"percentage":"1"}', 'application/json');
    expect(sandbox.feature('a b')?.key).toBe('a b');
  });

  it('records every request with method, path, headers and raw body', async () => {
    await call('POST', '/features/ebg/percentage_of_actors?x=1', '{"percentage":"25"}', 'application/json');
    await call('GET', '/features/ebg');
    expect(sandbox.requests).toHaveLength(2);
    expect(sandbox.requests[0]).toMatchObject({
      method: 'POST',
      path: '/flipper/api/features/ebg/percentage_of_actors?x=1',
      body: '{"percentage":"25"}',
      headers: { 'content-type': 'application/json' },
    });
    expect(sandbox.requests[1]).toMatchObject({ method: 'GET', path: '/flipper/api/features/ebg', body: '' });
    sandbox.clearRequests();
    expect(sandbox.requests).toEqual([]);
  });

  it('answers injected failures without changing state, then recovers', async () => {
    sandbox.failNext(503, 2);
    expect((await call('POST', '/features/ebg/boolean', '{}', 'application/json')).status).toBe(503);
    expect((await call('POST', '/features/ebg/boolean', '{}', 'application/json')).status).toBe(503);
    expect(sandbox.feature('ebg')).toBeUndefined();
    expect((await call('POST', '/features/ebg/boolean', '{}', 'application/json')).status).toBe(200);
  });

  it('stores by-hand percentages the way Flipper adapters do', () => {
    sandbox.setFeature('ebg', { percentageOfActors: 25, percentageOfTime: 2.5 });
    expect(sandbox.feature('ebg')).toEqual(
      doc('ebg', { percentage_of_actors: '25', percentage_of_time: '2.5' }, 'conditional'),
    );
  });
});

describe('Flipper sandbox with a token', () => {
  it.each([
    [{ token: 's3cret' }, { authorization: 'Bearer s3cret' }, { authorization: 'Bearer nope' }],
    [
      { token: 's3cret', tokenHeader: 'flipper-cloud-token' },
      { 'flipper-cloud-token': 's3cret' },
      { authorization: 'Bearer s3cret' },
    ],
  ])('with %j accepts %j and refuses %j with 401', async (options, good, bad) => {
    const sandbox = await startFlipperSandbox(options);
    try {
      sandbox.setFeature('ebg', {});
      expect((await fetch(`${sandbox.url}/features/ebg`, { headers: good })).status).toBe(200);
      expect((await fetch(`${sandbox.url}/features/ebg`, { headers: bad })).status).toBe(401);
      expect((await fetch(`${sandbox.url}/features/ebg`)).status).toBe(401);
      expect(sandbox.requests).toHaveLength(3);
    } finally {
      await sandbox.close();
    }
  });
});
