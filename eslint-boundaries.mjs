// The layers of src/, lowest first: a folder may import only folders of a lower layer (never one of its own
// layer but another folder, never a higher one), so the layering holds without anyone remembering it.
// Built on ESLint's own no-restricted-imports (and no-restricted-syntax for import()), which needs no plugin
// and lets each message say what to do; eslint-plugin-boundaries and dependency-cruiser would add a dependency
// (and, for the latter, a second tool and config) for the same check. The package rules live here too: only
// db/ imports pg, only kube/ imports the Kubernetes client, only supervisor/ starts processes.
export const LAYERS = [
  ['config'],
  ['native', 'model', 'files', 'os'],
  ['log'],
  ['spec', 'supervisor'],
  ['pgfiles', 'db', 'barman'],
  ['source', 'tls'],
  ['kube', 'bootstrap', 'wal'],
  ['reconcile', 'replication', 'backup', 'databases'],
  ['local-cluster', 'roles'],
  ['status', 'metrics'],
  ['commands'],
];

/** Root files of src/ above every folder (entries), and below every folder (errors.ts). */
const ENTRIES = ['cli', 'main', 'wal-main'];

const PACKAGES = [
  { name: 'pg', owner: 'db', message: 'only src/db/ imports pg: add a function there' },
  { name: '@kubernetes/client-node', owner: 'kube', message: 'only src/kube/ imports the Kubernetes client: add a function there' },
  { name: 'node:child_process', owner: 'supervisor', message: 'only src/supervisor/ starts processes (spawn.ts, run-to-completion.ts)' },
  { name: '@aws-sdk/client-s3', owner: 'wal', message: 'only src/wal/ talks to the object store' },
  { name: 'execa', owner: 'supervisor', message: 'only src/supervisor/ starts processes (run-to-completion.ts)' },
];

function higherThan(folder) {
  const rank = LAYERS.findIndex((layer) => layer.includes(folder));
  return LAYERS.flatMap((layer, i) => (i >= rank ? layer.filter((f) => f !== folder) : []));
}

function rulesFor(folder) {
  const above = higherThan(folder);
  const patterns = [
    ...above.map((g) => ({ group: [`../${g}/*`, `../${g}/**`], message: `src/${folder}/ may not import src/${g}/ (same or higher layer, see eslint-boundaries.mjs): move what both need to a lower folder` })),
    { group: ENTRIES.map((e) => `../${e}.js`), message: `src/${folder}/ may not import an entry point` },
  ];
  const packages = PACKAGES.filter((p) => p.owner !== folder);
  const paths = packages.map((p) => ({ name: p.name, message: p.message }));
  packages.forEach((p) => patterns.push({ group: [`${p.name}/*`], message: p.message }));
  // esquery ends a regex at the first '/': write it as \x2F.
  const dynamic = [...above.map((g) => `\\.\\.\\x2F${g}\\x2F`), ...packages.map((p) => `^${p.name.replace(/\./g, '\\.').replace(/\//g, '\\x2F')}($|\\x2F)`)].join('|');
  return {
    'no-restricted-imports': ['error', { paths, patterns }],
    'no-restricted-syntax': ['error', { selector: `ImportExpression[source.value=/${dynamic}/]`, message: `src/${folder}/: a dynamic import across the layers or of a package another folder owns (see eslint-boundaries.mjs)` }],
  };
}

/** Flat-config objects, one per folder of src/. */
export function boundaryConfigs() {
  return LAYERS.flat().map((folder) => ({ files: [`src/${folder}/**/*.ts`], rules: rulesFor(folder) }));
}
