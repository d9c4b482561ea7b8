// The bounded reader behind the manifest, status, Secret and ConfigMap files: what is too large, not a
// regular file or not UTF-8 is refused with a message naming the file and the rule, and a FIFO never blocks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isUtf8 } from 'node:buffer';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CONFIG_VALUE_MAX_BYTES, MANIFEST_MAX_BYTES, formatBytes } from '../../../src/config/limits.js';
import { FileReadError, decodeUtf8, firstInvalidUtf8, readBounded } from '../../../src/source/read-bounded.js';

function withDir(fn: (dir: string) => Promise<void>): () => Promise<void> {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pgim-readbounded-'));
    try {
      await fn(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

test('the limits are those of the API server: 1.5 MiB an object, 1 MiB a Secret or ConfigMap', () => {
  assert.equal(MANIFEST_MAX_BYTES, 1_572_864);
  assert.equal(CONFIG_VALUE_MAX_BYTES, 1_048_576);
  assert.equal(formatBytes(MANIFEST_MAX_BYTES), '1.5 MiB');
  assert.equal(formatBytes(50_000_000), '47.7 MiB');
});

test('a file at the limit is read; one byte over is refused by its size, naming the file and the limit', withDir(async (dir) => {
  const path = join(dir, 'cluster.yaml');
  writeFileSync(path, Buffer.alloc(1000, 0x61));
  assert.equal((await readBounded(path, 1000)).length, 1000);
  writeFileSync(path, Buffer.alloc(1001, 0x61));
  await assert.rejects(readBounded(path, 1000), (err: unknown) => {
    assert.ok(err instanceof FileReadError);
    assert.equal(err.message, `${path} is 1001 bytes, over the limit of 1000 bytes`);
    return true;
  });
}));

test('a 50 MB sparse file is refused from its size alone, without reading it', withDir(async (dir) => {
  const path = join(dir, 'cluster.yaml');
  writeFileSync(path, '');
  truncateSync(path, 50_000_000);
  const started = performance.now();
  await assert.rejects(readBounded(path, MANIFEST_MAX_BYTES), /cluster\.yaml is 47\.7 MiB \(50000000 bytes\), over the limit of 1\.5 MiB \(1572864 bytes\)/);
  assert.ok(performance.now() - started < 200, 'refused at once');
}));

test('a FIFO, a directory and a character device are refused as not regular files, a FIFO without blocking', withDir(async (dir) => {
  const fifo = join(dir, 'cluster.yaml');
  execFileSync('mkfifo', [fifo]);
  await assert.rejects(readBounded(fifo, 1000), { message: `${fifo} is a FIFO, not a regular file` });
  mkdirSync(join(dir, 'folder'));
  await assert.rejects(readBounded(join(dir, 'folder'), 1000), /folder is a directory, not a regular file/);
  await assert.rejects(readBounded('/dev/zero', 1000), { message: '/dev/zero is a character device, not a regular file' });
  await assert.rejects(readBounded(join(dir, 'missing'), 1000), (err: unknown) => err instanceof FileReadError && err.code === 'ENOENT' && /missing cannot be read \(ENOENT/.test(err.message));
}));

test('UTF-8 is decoded (a BOM dropped); Latin-1 and UTF-16 are refused naming the byte offset', () => {
  assert.equal(decodeUtf8(Buffer.from('\uFEFFname: café ✓ 𝄞\n'), 'f.yaml'), 'name: café ✓ 𝄞\n');
  assert.throws(() => decodeUtf8(Buffer.from('name: caf\xe9\n', 'latin1'), '/x/f.yaml'), {
    message: '/x/f.yaml is not UTF-8: invalid byte 0xE9 at byte offset 9 (Latin-1 or another legacy encoding? save it as UTF-8)',
  });
  const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('kind: Cluster\n', 'utf16le')]);
  assert.throws(() => decodeUtf8(utf16, '/x/f.yaml'), {
    message: '/x/f.yaml is not UTF-8: invalid byte 0xFF at byte offset 0: it starts with a UTF-16 byte-order mark; save it as UTF-8',
  });
});

test('firstInvalidUtf8 finds the lead byte of the first malformed sequence (RFC 3629 table)', () => {
  const cases: [number[], number][] = [
    [[0x61, 0x62], 2],
    [[0xc3, 0xa9], 2], // é
    [[0xe2, 0x9c, 0x93], 3], // ✓
    [[0xf0, 0x9d, 0x84, 0x9e], 4], // 𝄞
    [[0x61, 0xc0, 0xaf], 1], // overlong "/"
    [[0xe0, 0x80, 0xaf], 0], // overlong 3-byte
    [[0xed, 0xa0, 0x80], 0], // a UTF-16 surrogate
    [[0xf4, 0x90, 0x80, 0x80], 0], // above U+10FFFF
    [[0x61, 0xe2, 0x9c], 1], // truncated at the end
    [[0x80], 0], // a lone continuation byte
    [[0x61, 0xff], 1],
  ];
  for (const [bytes, offset] of cases) {
    assert.equal(firstInvalidUtf8(Uint8Array.from(bytes)), offset, bytes.map((b) => b.toString(16)).join(' '));
    assert.equal(isUtf8(Uint8Array.from(bytes)), offset === bytes.length, 'agrees with buffer.isUtf8');
  }
});
