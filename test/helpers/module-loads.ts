// Reading what record-loads.ts wrote: which packages the manager had loaded when it spawned the postmaster,
// and which built-in modules it loaded in its life. The bundle's chunks are mapped to the packages bundled in
// them through their source maps (dist/bundle/chunks/*.js.map `sources`, esbuild's own record).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface LoadRecord {
  /** Packages (node_modules names) of the ES modules loaded before the first `spawn postgres`. */
  beforePostmaster: Set<string>;
  /** Packages of every ES module loaded in the manager's life. */
  all: Set<string>;
  /** Names of the processes spawned through node:child_process, in order. */
  spawned: string[];
  /** process.moduleLoadList at exit (e.g. 'NativeModule internal/deps/undici/undici'). */
  builtins: string[];
}

/** The packages whose files make up the module at `url`: from its source map, or its own path. */
function packagesOf(url: string): string[] {
  if (!url.startsWith('file:')) return [];
  const path = fileURLToPath(url);
  let sources = [path];
  try {
    sources = (JSON.parse(readFileSync(`${path}.map`, 'utf8')) as { sources: string[] }).sources;
  } catch {
    // no source map: the module is its own source
  }
  return sources.flatMap((s) => {
    // The package of the innermost node_modules/ in the path, scoped names included.
    const parts = s.split('node_modules/');
    if (parts.length < 2) return [];
    const [first = '', second = ''] = (parts.at(-1) ?? '').split('/');
    return [first.startsWith('@') ? `${first}/${second}` : first];
  });
}

export function readLoadRecord(file: string): LoadRecord {
  const record: LoadRecord = { beforePostmaster: new Set(), all: new Set(), spawned: [], builtins: [] };
  let spawnedPostmaster = false;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const [kind, ...rest] = line.split(' ');
    const value = rest.join(' ');
    if (kind === 'load') {
      for (const p of packagesOf(value)) {
        record.all.add(p);
        if (!spawnedPostmaster) record.beforePostmaster.add(p);
      }
    } else if (kind === 'spawn') {
      record.spawned.push(value);
      if (value === 'postgres') spawnedPostmaster = true;
    } else if (kind === 'builtins') {
      record.builtins = JSON.parse(value) as string[];
    }
  }
  return record;
}
