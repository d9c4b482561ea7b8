import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { Readable } from 'node:stream';
import { reemitLines } from '../../../src/log/child-output.js';
import { LineSplitter } from '../../../src/log/line-splitter.js';
import { namedLogger } from '../../../src/log/logger.js';
import { captureLogger } from './capture-logger.js';

test('stdout and stderr of a real process become one JSON line per text line', async () => {
  const cap = captureLogger();
  const child = spawn('sh', ['-c', `printf 'line one\\n\\nline "two", é\\r\\n'; printf 'oops\\nno newline at end' >&2`]);
  const log = namedLogger(cap.root, 'initdb');
  await Promise.all([reemitLines(child.stdout, log, { pipe: 'stdout' }), reemitLines(child.stderr, log, { pipe: 'stderr' })]);
  const got = cap.entries().map((e) => [e.logger, e.level, e.pipe, e.msg]);
  assert.deepEqual(
    got.filter((g) => g[2] === 'stdout'),
    [
      ['initdb', 'info', 'stdout', 'line one'],
      ['initdb', 'info', 'stdout', 'line "two", é'],
    ],
  );
  assert.deepEqual(
    got.filter((g) => g[2] === 'stderr').map((g) => g[3]),
    ['oops', 'no newline at end'],
  );
});

test('lines split at any byte (inside a UTF-8 character too) come out whole; long lines are cut', async () => {
  const text = Buffer.from('漢字 🐘 one\nshort\n' + 'x'.repeat(40) + '\nafter\n');
  const chunks = [...text].map((b) => Buffer.from([b]));
  const cap = captureLogger();
  await reemitLines(Readable.from(chunks), namedLogger(cap.root, 'postgres'), {}, { maxLineBytes: 16 });
  assert.deepEqual(
    cap.entries().map((e) => [e.msg, e.truncated]),
    [
      ['漢字 🐘 one', undefined],
      ['short', undefined],
      ['x'.repeat(16), true],
      ['after', undefined],
    ],
  );
});

test('a stream that fails still flushes its last line and resolves', async () => {
  const cap = captureLogger();
  const stream = new Readable({ read() {} });
  stream.push('partial');
  setImmediate(() => stream.destroy(new Error('broken pipe')));
  await reemitLines(stream, namedLogger(cap.root, 'pg_ctl'));
  assert.deepEqual(
    cap.entries().map((e) => [e.level, e.msg]),
    [
      ['warning', 'output stream failed'],
      ['info', 'partial'],
    ],
  );
});

test('LineSplitter cuts an over-long line on a character boundary and resyncs at the newline', () => {
  const s = new LineSplitter(5);
  const out = [...s.push(Buffer.from('abcdé')), ...s.push(Buffer.from('fgh\nok\n')), ...s.end()];
  assert.deepEqual(out, [
    { text: 'abcd', truncated: true },
    { text: 'ok', truncated: false },
  ]);
});
