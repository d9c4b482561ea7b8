// Table-driven: each bad spec is refused with a ManifestError naming exactly the bad field.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stringify } from 'yaml';
import { ManifestError } from '../../../src/errors.js';
import { parseClusterManifest } from '../../../src/spec/load-manifest.js';

function manifest(spec: Record<string, unknown>): string {
  return stringify({ apiVersion: 'postgresql.cnpg.io/v1', kind: 'Cluster', metadata: { name: 'pg' }, spec });
}

const pg = (postgresql: Record<string, unknown>) => ({ postgresql });
const initdb = (fields: Record<string, unknown>) => ({ bootstrap: { initdb: fields } });

const cases: [string, Record<string, unknown>, string, string][] = [
  // [case, spec, path, message]
  ['instances 0', { instances: 0 }, 'spec.instances', 'must be an integer >= 1, got 0'],
  ['instances string', { instances: '3' }, 'spec.instances', 'must be an integer >= 1, got string'],
  ['instances fraction', { instances: 1.5 }, 'spec.instances', 'must be an integer >= 1, got 1.5'],
  ['startDelay 0', { startDelay: 0 }, 'spec.startDelay', 'must be an integer >= 1, got 0'],
  ['stopDelay negative', { stopDelay: -1 }, 'spec.stopDelay', 'must be an integer >= 1, got -1'],
  ['smartShutdownTimeout negative', { smartShutdownTimeout: -1 }, 'spec.smartShutdownTimeout', 'must be an integer >= 0, got -1'],
  ['switchoverDelay over int32', { switchoverDelay: 2 ** 31 }, 'spec.switchoverDelay', 'must be an integer >= 1'],
  ['primaryUpdateStrategy', { primaryUpdateStrategy: 'auto' }, 'spec.primaryUpdateStrategy', 'must be one of unsupervised, supervised, got "auto"'],
  ['enableSuperuserAccess string', { enableSuperuserAccess: 'true' }, 'spec.enableSuperuserAccess', 'must be a boolean, got string'],
  ['superuserSecret without name', { superuserSecret: {} }, 'spec.superuserSecret.name', 'required'],
  ['logLevel', { logLevel: 'verbose' }, 'spec.logLevel', 'must be one of error, warning, info, debug, trace'],
  ['unknown spec field', { instance: 3 }, 'spec.instance', 'unknown field'],
  ['spec not an object', { postgresql: [] }, 'spec.postgresql', 'must be an object, got list'],
  ['parameter is a number', pg({ parameters: { max_connections: 100 } }), 'spec.postgresql.parameters.max_connections', 'must be a string (quote the value), got number'],
  ['fixed parameter port', pg({ parameters: { port: '5433' } }), 'spec.postgresql.parameters.port', 'is a fixed parameter'],
  ['blocked parameter listen_addresses', pg({ parameters: { listen_addresses: '*' } }), 'spec.postgresql.parameters.listen_addresses', 'is a blocked parameter'],
  ['fixed parameter in upper case', pg({ parameters: { SSL: 'off' } }), 'spec.postgresql.parameters.SSL', 'is a fixed parameter'],
  ['parameter value with newline', pg({ parameters: { work_mem: "4MB'\nport = '1" } }), 'spec.postgresql.parameters.work_mem', 'must not contain a line break'],
  ['parameter value with NUL', pg({ parameters: { work_mem: '4MB\0' } }), 'spec.postgresql.parameters.work_mem', 'NUL'],
  ['parameter name injection', pg({ parameters: { "a = 'b'": 'x' } }), "spec.postgresql.parameters.a = 'b'", 'not a valid PostgreSQL parameter name'],
  ['pg_hba line with newline', pg({ pg_hba: ['host all all 10.0.0.0/8 md5', 'host all all all trust\nlocal all all trust'] }), 'spec.postgresql.pg_hba[1]', 'line break'],
  ['pg_hba include', pg({ pg_hba: ['host all all 10.0.0.0/8 md5', 'local all all peer', 'include /etc/passwd'] }), 'spec.postgresql.pg_hba[2]', '"include" directives are not allowed'],
  ['pg_hba include_dir', pg({ pg_hba: ['  include_dir conf.d'] }), 'spec.postgresql.pg_hba[0]', '"include_dir" directives'],
  ['pg_hba unbalanced quote', pg({ pg_hba: ['host all "app all md5'] }), 'spec.postgresql.pg_hba[0]', 'unbalanced double quotes'],
  ['pg_hba NUL', pg({ pg_hba: ['host all all all md5\0'] }), 'spec.postgresql.pg_hba[0]', 'NUL'],
  ['pg_hba not a list', pg({ pg_hba: 'host all all all md5' }), 'spec.postgresql.pg_hba', 'must be a list of strings, got string'],
  ['pg_hba item not a string', pg({ pg_hba: [42] }), 'spec.postgresql.pg_hba[0]', 'must be a string, got number'],
  ['pg_hba two pod selectors', pg({ pg_hba: ['host all all ${podselector:a} ${podselector:b} md5'] }), 'spec.postgresql.pg_hba[0]', 'at most one'],
  ['pg_ident include_if_exists', pg({ pg_ident: ['include_if_exists other.conf'] }), 'spec.postgresql.pg_ident[0]', '"include_if_exists" directives'],
  ['pg_ident unbalanced', pg({ pg_ident: ['m "a b'] }), 'spec.postgresql.pg_ident[0]', 'unbalanced'],
  ['shared_preload_libraries comma', pg({ shared_preload_libraries: ['a,b'] }), 'spec.postgresql.shared_preload_libraries[0]', 'without spaces, commas or quotes'],
  ['enableAlterSystem string', pg({ enableAlterSystem: 'maybe' }), 'spec.postgresql.enableAlterSystem', 'must be a boolean'],
  ['ldap without server', pg({ ldap: { port: 389 } }), 'spec.postgresql.ldap.server', 'required'],
  ['ldap scheme', pg({ ldap: { server: 'l', scheme: 'http' } }), 'spec.postgresql.ldap.scheme', 'must be one of ldap, ldaps'],
  ['ldap port', pg({ ldap: { server: 'l', port: 70000 } }), 'spec.postgresql.ldap.port', 'between 0 and 65535'],
  ['ldap both modes', pg({ ldap: { server: 'l', bindAsAuth: {}, bindSearchAuth: {} } }), 'spec.postgresql.ldap.bindAsAuth', 'mutually exclusive'],
  ['ldap bindPassword key', pg({ ldap: { server: 'l', bindSearchAuth: { bindPassword: { name: 's' } } } }), 'spec.postgresql.ldap.bindSearchAuth.bindPassword.key', 'required'],
  ['ldap prefix newline', pg({ ldap: { server: 'l', bindAsAuth: { prefix: 'a\nb' } } }), 'spec.postgresql.ldap.bindAsAuth.prefix', 'line break'],
  ['postgresql unknown field', pg({ pg_hab: [] }), 'spec.postgresql.pg_hab', 'unknown field'],
  ['initdb walSegmentSize not power of two', initdb({ walSegmentSize: 24 }), 'spec.bootstrap.initdb.walSegmentSize', 'power of two'],
  ['initdb walSegmentSize too big', initdb({ walSegmentSize: 2048 }), 'spec.bootstrap.initdb.walSegmentSize', 'between 1 and 1024'],
  ['initdb database empty', initdb({ database: '' }), 'spec.bootstrap.initdb.database', 'must not be empty'],
  ['initdb secret name', initdb({ secret: { name: 7 } }), 'spec.bootstrap.initdb.secret.name', 'must be a string, got number'],
  ['initdb options not strings', initdb({ options: ['-k', true] }), 'spec.bootstrap.initdb.options[1]', 'must be a string, got boolean'],
  ['initdb icuLocale without icu', initdb({ icuLocale: 'en' }), 'spec.bootstrap.initdb.icuLocale', 'localeProvider is "icu"'],
  ['initdb localeProvider', initdb({ localeProvider: 'glibc' }), 'spec.bootstrap.initdb.localeProvider', 'must be one of libc, icu, builtin'],
  ['initdb dataChecksums', initdb({ dataChecksums: 1 }), 'spec.bootstrap.initdb.dataChecksums', 'must be a boolean, got number'],
  ['certificates altnames', { certificates: { serverAltDNSNames: 'x' } }, 'spec.certificates.serverAltDNSNames', 'must be a list of strings'],
  ['monitoring TTL', { monitoring: { metricsQueriesTTL: '30' } }, 'spec.monitoring.metricsQueriesTTL', 'must be a duration'],
  ['monitoring TTL negative', { monitoring: { metricsQueriesTTL: '-1s' } }, 'spec.monitoring.metricsQueriesTTL', 'must be a duration >= 0'],
  ['monitoring configmap key', { monitoring: { customQueriesConfigMap: [{ name: 'q' }] } }, 'spec.monitoring.customQueriesConfigMap[0].key', 'required'],
  ['monitoring tls', { monitoring: { tls: { enabled: 'enabled' } } }, 'spec.monitoring.tls.enabled', 'must be a boolean, got string'],
  ['probe type', { probes: { readiness: { type: 'tcp' } } }, 'spec.probes.readiness.type', 'must be one of pg_isready, query, streaming'],
  ['probe maximumLag', { probes: { startup: { type: 'streaming', maximumLag: '16 MB' } } }, 'spec.probes.startup.maximumLag', 'must be a quantity'],
  ['liveness isolationCheck', { probes: { liveness: { isolationCheck: { enabled: 'off-ish' } } } }, 'spec.probes.liveness.isolationCheck.enabled', 'must be a boolean'],
  ['imageName with catalog', { imageName: 'pg:16', imageCatalogRef: { kind: 'ImageCatalog', name: 'c', major: 16 } }, 'spec.imageCatalogRef', 'mutually exclusive'],
  // Refused until the instance manager implements them.
  ['bootstrap.recovery without its source', { bootstrap: { recovery: { source: 'x' } } }, 'spec.bootstrap.recovery.source', 'names "x", which is not in spec.externalClusters'],
  ['volumeSnapshots without storage', { bootstrap: { recovery: { volumeSnapshots: {} } } }, 'spec.bootstrap.recovery.volumeSnapshots.storage', 'is required'],
  ['volumeSnapshots with a backup', { bootstrap: { recovery: { backup: { name: 'b' }, volumeSnapshots: { storage: { name: 's' } } } } }, 'spec.bootstrap.recovery.backup', 'cannot be set with volumeSnapshots'],
  ['volumeSnapshots of another kind', { bootstrap: { recovery: { volumeSnapshots: { storage: { name: 's', kind: 'PersistentVolumeClaim' } } } } }, 'spec.bootstrap.recovery.volumeSnapshots.storage.kind', 'only VolumeSnapshot'],
  ['volumeSnapshots name with a slash', { bootstrap: { recovery: { volumeSnapshots: { storage: { name: '../x' } } } } }, 'spec.bootstrap.recovery.volumeSnapshots.storage.name', 'is not a snapshot name'],
  ['bootstrap.recovery with two targets', { bootstrap: { recovery: { backup: { name: 'b' }, recoveryTarget: { targetLSN: '0/1', targetTime: '2026-12-07T05:00:00Z' } } } }, 'spec.bootstrap.recovery.recoveryTarget', 'only one recovery target at a time, got targetLSN, targetTime'],
  ['bootstrap.pg_basebackup without its source', { bootstrap: { pg_basebackup: { source: 'x' } } }, 'spec.bootstrap.pg_basebackup.source', 'names "x", which is not in spec.externalClusters'],
  ['bootstrap.pg_basebackup from an object store', { bootstrap: { pg_basebackup: { source: 'b' } }, externalClusters: [{ name: 'b', barmanObjectStore: { destinationPath: 's3://b' } }] }, 'spec.bootstrap.pg_basebackup.source', 'has no connectionParameters'],
  ['bootstrap.pg_basebackup database', { bootstrap: { pg_basebackup: { source: 'src', database: 'app' } }, externalClusters: [{ name: 'src', connectionParameters: { host: 'h' } }] }, 'spec.bootstrap.pg_basebackup.database', 'not supported yet'],
  ['two bootstrap methods', { bootstrap: { initdb: {}, pg_basebackup: { source: 'src' } }, externalClusters: [{ name: 'src', connectionParameters: { host: 'h' } }] }, 'spec.bootstrap.pg_basebackup', 'mutually exclusive'],
  ['externalClusters duplicate', { externalClusters: [{ name: 'e', connectionParameters: {} }, { name: 'e', connectionParameters: {} }] }, 'spec.externalClusters[1].name', 'appears twice'],
  ['replica source unknown', { replica: { enabled: true, source: 'x' }, bootstrap: { pg_basebackup: { source: 'src' } }, externalClusters: [{ name: 'src', connectionParameters: { host: 'h' } }] }, 'spec.replica.source', 'names "x", which is not in spec.externalClusters'],
  ['replica without source', { replica: { enabled: true }, externalClusters: [{ name: 'src', connectionParameters: { host: 'h' } }] }, 'spec.replica.source', 'is required'],
  ['replica enabled with primary', { replica: { enabled: true, primary: 'src', source: 'src' }, bootstrap: { pg_basebackup: { source: 'src' } }, externalClusters: [{ name: 'src', connectionParameters: { host: 'h' } }] }, 'spec.replica.enabled', 'cannot be used together with replica.primary'],
  ['replica minApplyDelay', { replica: { enabled: true, source: 'src', minApplyDelay: '5 minutes' }, bootstrap: { pg_basebackup: { source: 'src' } }, externalClusters: [{ name: 'src', connectionParameters: { host: 'h' } }] }, 'spec.replica.minApplyDelay', 'is not a duration'],
  ['promotionToken on a replica', { replica: { enabled: true, source: 'src', promotionToken: 'e30=' }, bootstrap: { pg_basebackup: { source: 'src' } }, externalClusters: [{ name: 'src', connectionParameters: { host: 'h' } }] }, 'spec.replica.promotionToken', 'only allowed for primary clusters'],
  ['promotionToken garbage', { replica: { enabled: false, source: 'src', promotionToken: 'e30=' }, externalClusters: [{ name: 'src', connectionParameters: { host: 'h' } }] }, 'spec.replica.promotionToken', 'is empty'],
  ['promotionToken with minApplyDelay', { replica: { enabled: false, source: 'src', promotionToken: 'e30=', minApplyDelay: '1m' }, externalClusters: [{ name: 'src', connectionParameters: { host: 'h' } }] }, 'spec.replica.minApplyDelay', 'cannot be applied with a promotion token'],
  ['initdb.import', initdb({ import: { type: 'microservice' } }), 'spec.bootstrap.initdb.import.source', 'required'],
  ['initdb.postInitSQLRefs', initdb({ postInitSQLRefs: { secretRefs: [{ name: 'x' }] } }), 'spec.bootstrap.initdb.postInitSQLRefs.secretRefs[0].key', 'required'],
  ['backup destinationPath', { backup: { barmanObjectStore: {} } }, 'spec.backup.barmanObjectStore.destinationPath', 'required'],
  ['backup gs://', { backup: { barmanObjectStore: { destinationPath: 'gs://b/p' } } }, 'spec.backup.barmanObjectStore.destinationPath', 'Google Cloud Storage'],
  ['backup bad scheme', { backup: { barmanObjectStore: { destinationPath: 'ftp://b' } } }, 'spec.backup.barmanObjectStore.destinationPath', 'must be s3://'],
  ['backup s3 without credentials', { backup: { barmanObjectStore: { destinationPath: 's3://b/p' } } }, 'spec.backup.barmanObjectStore.s3Credentials', 'required'],
  ['backup s3 half credentials', { backup: { barmanObjectStore: { destinationPath: 's3://b', s3Credentials: { accessKeyId: { name: 's', key: 'k' } } } } }, 'spec.backup.barmanObjectStore.s3Credentials', 'secretAccessKey'],
  ['backup zstd', { backup: { barmanObjectStore: { destinationPath: 's3://b', s3Credentials: { inheritFromIAMRole: true }, wal: { compression: 'zstd' } } } }, 'spec.backup.barmanObjectStore.wal.compression', 'barman-cloud 3.4'],
  ['backup maxParallel', { backup: { barmanObjectStore: { destinationPath: 's3://b', s3Credentials: { inheritFromIAMRole: true }, wal: { maxParallel: 0 } } } }, 'spec.backup.barmanObjectStore.wal.maxParallel', 'between 1 and 64'],
  ['backup retentionPolicy', { backup: { retentionPolicy: '30 days' } }, 'spec.backup.retentionPolicy', 'must match'],
  ['backup googleCredentials', { backup: { barmanObjectStore: { destinationPath: 's3://b', googleCredentials: {} } } }, 'spec.backup.barmanObjectStore.googleCredentials', 'Google Cloud Storage'],
  ['tablespace pg_ name', { tablespaces: [{ name: 'pg_x' }] }, 'spec.tablespaces[0].name', 'reserved by PostgreSQL'],
  ['tablespace bad name', { tablespaces: [{ name: 'Bad-Name' }] }, 'spec.tablespaces[0].name', 'not a valid tablespace name'],
  ['tablespace twice', { tablespaces: [{ name: 'a' }, { name: 'a' }] }, 'spec.tablespaces[1].name', 'appears twice'],
  ['tablespace unknown field', { tablespaces: [{ name: 'a', size: '1Gi' }] }, 'spec.tablespaces[0].size', 'unknown field'],
  ['tablespace owner empty', { tablespaces: [{ name: 'a', owner: { name: '' } }] }, 'spec.tablespaces[0].owner.name', 'must not be empty'],
  ['tablespaces not a list', { tablespaces: 'a' }, 'spec.tablespaces', 'must be a list'],
  ['walStorage unknown field', { walStorage: { sise: '1Gi' } }, 'spec.walStorage.sise', 'unknown field'],
  ['synchronous without method', pg({ synchronous: { number: 1 } }), 'spec.postgresql.synchronous.method', 'is required'],
  ['synchronous bad durability', pg({ synchronous: { method: 'any', number: 1, dataDurability: 'maybe' } }), 'spec.postgresql.synchronous.dataDurability', 'must be one of required, preferred'],
  ['minSyncReplicas above max', { minSyncReplicas: 2, maxSyncReplicas: 1 }, 'spec.minSyncReplicas', 'must be <= maxSyncReplicas (1), got 2'],
  ['legacy and explicit sync together', { maxSyncReplicas: 1, postgresql: { synchronous: { method: 'any', number: 1 } } }, 'spec.maxSyncReplicas', 'cannot be used together'],
  ['user slot exclusion', { replicationSlots: { synchronizeReplicas: { excludePatterns: ['^tmp_'] } } }, 'spec.replicationSlots.synchronizeReplicas.excludePatterns', 'not supported yet'],
  ['promotionTimeout', pg({ promotionTimeout: 120 }), 'spec.postgresql.promotionTimeout', 'not supported yet'],
  ['slot prefix', { replicationSlots: { highAvailability: { slotPrefix: 'Bad-Prefix' } } }, 'spec.replicationSlots.highAvailability.slotPrefix', 'must be 1-40 characters'],
  ['plugins', { plugins: [{ name: 'barman-cloud.cloudnative-pg.io' }] }, 'spec.plugins', 'not supported yet'],
  ['extensions', pg({ extensions: [{ name: 'postgis', image: { reference: 'x' } }] }), 'spec.postgresql.extensions', 'need PostgreSQL 18 or later'],
];

for (const [name, spec, path, part] of cases) {
  test(`refused: ${name} -> ${path}`, () => {
    assert.throws(
      () => parseClusterManifest(manifest(spec), 'case.yaml', { namespace: 'default' }),
      (err: unknown) => {
        assert.ok(err instanceof ManifestError, `expected ManifestError, got ${String(err)}`);
        assert.equal(err.path, path);
        assert.ok(err.message.startsWith(`${path}: `), err.message);
        assert.ok(err.message.includes(part), `"${err.message}" lacks "${part}"`);
        return true;
      },
    );
  });
}

const accepted: [string, Record<string, unknown>][] = [
  ['operator-side fields', {
    storage: { size: '1Gi' }, resources: {}, affinity: { enablePodAntiAffinity: true }, imageName: 'x:16',
    description: 'd', env: [], nodeMaintenanceWindow: { inProgress: false }, inheritedMetadata: {},
    priorityClassName: 'p', topologySpreadConstraints: [], podSecurityContext: {}, securityContext: {},
    projectedVolumeTemplate: { sources: [] }, monitoring: { enablePodMonitor: true }, enablePDB: false,
  }],
  ['empty lists of refused features', { tablespaces: [], plugins: [], managed: { roles: [], services: {} }, minSyncReplicas: 0 }],
  ['externalClusters not used by anything', { externalClusters: [{ name: 'old', connectionParameters: { host: 'h' } }] }],
  ['explicit nulls are absent fields', { instances: null, postgresql: { parameters: null } }],
  // A running primary cluster switched into replica mode (it is demoted); a new one is refused before initdb (replica-mode.test.ts).
  ['replica mode on an initdb cluster', { replica: { enabled: true, source: 'src' }, externalClusters: [{ name: 'src', connectionParameters: { host: 'h' } }] }],
  ['pod selector reference', { podSelectorRefs: [{ name: 'app' }], ...pg({ pg_hba: ['host all all ${podselector:app} md5'] }) }],
];
for (const [name, spec] of accepted) {
  test(`accepted: ${name}`, () => {
    const cluster = parseClusterManifest(manifest(spec), 'ok.yaml', { namespace: 'default' });
    assert.equal(cluster.name, 'pg');
  });
}
