// Entry point of the start-up snapshot (dist/snapshot/manager.blob, built by scripts/snapshot.mjs): the
// manager is loaded and evaluated once at build time, and `node --snapshot-blob manager.blob ARGS` starts from
// that heap instead of reading, compiling and evaluating the bundle on every start (the postmaster is spawned
// ~35-45 ms sooner on Node 20, ~25 ms on Node 24; README). Everything imported here runs at build time: no module of ours
// may capture the environment, the pid, the time or a path at load time (they are read when called).
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { startupSnapshot } from 'node:v8';
import { main } from './cli.js';
import { parseArgv } from './config/flags.js';
import { snapshotBlobPath, snapshotModuleUrl } from './config/snapshot-blob.js';
import { parseClusterManifest } from './spec/load-manifest.js';

/** Set when the snapshot starts; scripts/snapshot.mjs compiles `import.meta.url` and external requires to these. */
interface SnapshotGlobals {
  __pgimModuleUrl?: string;
  __pgimRequire?: NodeJS.Require;
}

const WARM_UP_MANIFEST = `apiVersion: postgresql.cnpg.io/v1
kind: Cluster
metadata:
  name: warm-up
spec:
  instances: 1
  postgresql:
    parameters:
      shared_buffers: 128MB
      max_connections: "100"
    pg_hba:
      - hostssl app app 127.0.0.1/32 scram-sha-256
  bootstrap:
    initdb:
      database: app
      owner: app
`;

// Run the pure first steps once at build time, so their functions are compiled in the snapshot too.
parseArgv(['instance', 'run', '--cluster-manifest', 'cluster.yaml', '--state-dir', '.state', '--port', '5432']);
parseClusterManifest(WARM_UP_MANIFEST, 'warm-up', { namespace: 'default' });

startupSnapshot.setDeserializeMainFunction(() => {
  const blob = snapshotBlobPath(process.execArgv, process.cwd());
  if (blob === undefined) {
    process.stderr.write('pg-instance-manager: started from a snapshot without --snapshot-blob in the Node options\n');
    process.exit(1);
  }
  const globals = globalThis as SnapshotGlobals;
  globals.__pgimModuleUrl = snapshotModuleUrl(blob);
  // Packages left out of the snapshot (@kubernetes/client-node) are required from the package's node_modules.
  globals.__pgimRequire = createRequire(fileURLToPath(globals.__pgimModuleUrl));
  // argv is [node, ...ARGS]: a snapshot start has no script path.
  void main(process.argv.slice(1)).then((code) => process.exit(code));
});
