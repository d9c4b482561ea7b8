// The bundles' mime-db stand-in (scripts/esbuild-plugins.mjs): mime-types, bundled with it, still answers for
// the types the manager sends, with mime-db's own charsets, and knows no other type.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, type Plugin } from 'esbuild';
import { repoRoot } from './repo-root.js';

interface MimeTypes {
  contentType(type: string): string | false;
  lookup(path: string): string | false;
  charset(type: string): string | false;
}

async function bundleMimeTypes(plugins: Plugin[]): Promise<{ mime: MimeTypes; bytes: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'pgim-plugins-'));
  try {
    const outfile = join(dir, 'mime.cjs');
    await build({
      stdin: { contents: "module.exports = require('mime-types');", resolveDir: repoRoot(), loader: 'js' },
      outfile,
      bundle: true,
      format: 'cjs',
      platform: 'node',
      logLevel: 'silent',
      plugins,
    });
    return { mime: createRequire(outfile)(outfile) as MimeTypes, bytes: statSync(outfile).size };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const { mimeDbSubset } = (await import(pathToFileURL(join(repoRoot(), 'scripts', 'esbuild-plugins.mjs')).href)) as { mimeDbSubset: Plugin };

test('mime-types bundled with the mime-db subset: the types the manager sends, with charsets, and no other', async () => {
  const full = await bundleMimeTypes([]);
  const cut = await bundleMimeTypes([mimeDbSubset]);
  assert.equal(full.mime.lookup('png'), 'image/png', 'the full table knows image/png');

  for (const { mime } of [full, cut]) {
    assert.equal(mime.contentType('application/json'), 'application/json; charset=utf-8');
    assert.equal(mime.contentType('json'), 'application/json; charset=utf-8');
    assert.equal(mime.contentType('html'), 'text/html; charset=utf-8');
    assert.equal(mime.contentType('text/plain'), 'text/plain; charset=utf-8');
    assert.equal(mime.lookup('x.bin'), 'application/octet-stream');
  }
  assert.equal(cut.mime.lookup('png'), false, 'a type outside the subset is unknown');
  assert.equal(cut.mime.contentType('image/png'), 'image/png', 'an explicit type is still passed through');
  assert.ok(cut.bytes < full.bytes - 100_000, `subset bundle ${cut.bytes} B, full ${full.bytes} B`);
});
