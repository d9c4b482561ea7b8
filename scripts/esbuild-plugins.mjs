// esbuild plugins shared by the ESM bundle (scripts/bundle.mjs) and the start-up snapshot (scripts/snapshot.mjs).
import { readFileSync } from 'node:fs';

// pg's lib/stream.js asks "are we in a Cloudflare Worker?" at load time, and on Node 20 (no `navigator`)
// that means `typeof Response`: touching the global loads Node's whole fetch implementation (undici and its
// llhttp WebAssembly), about 10 MB of RSS the manager would keep for life and never use. The navigator test
// stays; only the Response probe goes. The build fails if pg's source no longer has it, so an upgrade is seen.
const PG_RESPONSE_PROBE = "typeof Response === 'function'";
export const pgWithoutResponseProbe = {
  name: 'pg-without-response-probe',
  setup(b) {
    b.onLoad({ filter: /[\\/]node_modules[\\/]pg[\\/]lib[\\/]stream\.js$/ }, (args) => {
      const source = readFileSync(args.path, 'utf8');
      if (source.split(PG_RESPONSE_PROBE).length !== 2) throw new Error(`${args.path}: expected exactly one "${PG_RESPONSE_PROBE}"`);
      return { contents: source.replace(PG_RESPONSE_PROBE, 'false'), loader: 'js' };
    });
  },
};
