import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request } from 'node:http';
import { HttpError, SingleFlight, sendFailure, withDeadline } from '../../../src/status/respond.js';

test('SingleFlight: callers during a computation share it; the next call starts a new one', async () => {
  const flight = new SingleFlight<number>();
  let runs = 0;
  let release: (v: number) => void = () => undefined;
  const fn = (): Promise<number> => {
    runs++;
    return new Promise<number>((r) => (release = r));
  };
  const a = flight.run(fn);
  const b = flight.run(fn);
  assert.equal(runs, 1);
  release(7);
  assert.deepEqual(await Promise.all([a, b]), [7, 7]);
  const c = flight.run(fn);
  assert.equal(runs, 2);
  release(8);
  assert.equal(await c, 8);
});

test('SingleFlight: a failed computation is not cached', async () => {
  const flight = new SingleFlight<string>();
  await assert.rejects(flight.run(() => Promise.reject(new Error('boom'))), /boom/);
  assert.equal(await flight.run(() => Promise.resolve('ok')), 'ok');
});

test('withDeadline rejects with a TIMEOUT HttpError and does not wait for the promise', async () => {
  const started = Date.now();
  const err = await withDeadline(new Promise(() => undefined), 50, 'postgres').catch((e: unknown) => e);
  assert.ok(err instanceof HttpError);
  assert.equal(err.status, 500);
  assert.equal(err.code, 'TIMEOUT');
  assert.ok(Date.now() - started < 1000);
  assert.equal(await withDeadline(Promise.resolve(3), 50, 'x'), 3);
});

test('error bodies are JSON envelopes without file paths', async () => {
  const server = createServer((_req, res) => sendFailure(res, new Error("ENOENT: no such file or directory, open '/var/lib/postgresql/data/x'")));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  const body = await new Promise<{ status: number; text: string; type: string }>((resolve, reject) => {
    request({ host: '127.0.0.1', port, path: '/' }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text, type: String(res.headers['content-type']) }));
    })
      .on('error', reject)
      .end();
  });
  server.close();
  assert.equal(body.status, 500);
  assert.equal(body.type, 'application/json');
  const parsed = JSON.parse(body.text) as { error: { code: string; message: string } };
  assert.equal(parsed.error.code, 'INTERNAL');
  assert.ok(!parsed.error.message.includes('/var/lib'), parsed.error.message);
  assert.match(parsed.error.message, /<path>/);
});
