import { describe, expect, it } from 'vitest';
import { serverSetup } from './helpers.js';

const setup = serverSetup();

describe('routing', () => {
  it('unknown routes are 404 JSON', async () => {
    const { app } = setup();
    const res = await app.inject({ method: 'GET', url: '/api/nothing?x=1' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ error: { code: 'E_NOT_FOUND', message: 'no route GET /api/nothing' } });
  });
});
