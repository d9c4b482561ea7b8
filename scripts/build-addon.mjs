// Builds the N-API addon (binding.gyp -> build/Release/os_calls.node) with node-gyp, against the headers of
// the Node that runs the build when they are on disk: `npm config get nodedir` (npm passes it as
// npm_config_nodedir), else the prefix of process.execPath (/usr/local for the official image and nvm,
// /usr for Debian's nodejs, whose headers are /usr/include/node). Otherwise node-gyp downloads them into its
// cache, which fails without network or a writable home. Quiet on success; on failure node-gyp's own output
// is printed (the build used `node-gyp rebuild --silent`, which exited 1 with no message at all).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const hasHeaders = (dir) => Boolean(dir) && existsSync(join(dir, 'include', 'node', 'common.gypi'));
const candidates = [process.env.npm_config_nodedir, dirname(dirname(process.execPath)), '/usr'];
const nodedir = candidates.find(hasHeaders);
const gyp = createRequire(import.meta.url).resolve('node-gyp/bin/node-gyp.js');
const args = [gyp, 'rebuild', ...(nodedir ? [`--nodedir=${nodedir}`] : [])];
const r = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
if (r.status !== 0) {
  process.stderr.write(`${r.stdout ?? ''}${r.stderr ?? ''}`);
  process.stderr.write(`\nbuild-addon: node-gyp rebuild failed (${r.error?.message ?? `exit ${r.status ?? r.signal}`}).\n`);
  if (!nodedir) {
    process.stderr.write(
      `build-addon: no Node headers found in ${candidates.filter(Boolean).map((d) => join(d, 'include', 'node')).join(', ')}, so node-gyp tried to download them.\n` +
        "build-addon: use a Node that ships them in <prefix>/include/node (nodejs.org's tarballs, nvm, NodeSource's nodejs package do), or `npm config set nodedir DIR` with DIR/include/node/common.gypi from the headers tarball of this Node version.\n",
    );
  }
  process.exit(1);
}
