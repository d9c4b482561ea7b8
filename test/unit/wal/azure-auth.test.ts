import { test } from 'node:test';
import assert from 'node:assert/strict';
import { azureAuthPlan, isAzurePublicHost } from '../../../src/wal/azure-auth.js';
import { splitDestination } from '../../../src/wal/store-settings.js';
import type { BarmanObjectStore } from '../../../src/spec/validate-backup.js';

const CS = 'DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=a2V5;BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;';

function azure(destinationPath: string): BarmanObjectStore {
  return { provider: 'azure', destinationPath, wal: { maxParallel: 1 }, data: { immediateCheckpoint: false }, tags: {} };
}

test('container and prefix as barman splits them: account in the host on Azure, first path segment on an emulator', () => {
  const rows: [string, { bucket: string; prefix: string }][] = [
    ['https://acct.blob.core.windows.net/backups/a/b', { bucket: 'backups', prefix: 'a/b' }],
    ['https://acct.blob.core.windows.net/backups', { bucket: 'backups', prefix: '' }],
    ['http://127.0.0.1:10000/devstoreaccount1/backups/a/', { bucket: 'backups', prefix: 'a' }],
    ['http://azurite:10000/devstoreaccount1/backups', { bucket: 'backups', prefix: '' }],
    // barman tests the domain of the public cloud only: any other host is an emulator URL.
    ['https://acct.blob.core.chinacloudapi.cn/acct/backups/x', { bucket: 'backups', prefix: 'x' }],
  ];
  for (const [path, want] of rows) assert.deepEqual(splitDestination(azure(path)), want, path);
  assert.equal(isAzurePublicHost('https://acct.blob.core.windows.net/c'), true);
  assert.equal(isAzurePublicHost('http://127.0.0.1:10000/devstoreaccount1/c'), false);
});

test('credentials in barman-cloud 3.4 order: connection string, then SAS token, then account key, else DefaultAzureCredential', () => {
  const dest = 'https://acct.blob.core.windows.net/backups/a';
  assert.deepEqual(azureAuthPlan(dest, 'backups', { AZURE_STORAGE_CONNECTION_STRING: CS, AZURE_STORAGE_SAS_TOKEN: 'sv=1&sig=x', AZURE_STORAGE_KEY: 'k' }), { kind: 'connection-string', connectionString: CS, container: 'backups' });
  assert.deepEqual(azureAuthPlan(dest, 'backups', { AZURE_STORAGE_SAS_TOKEN: '?sv=1&sig=x', AZURE_STORAGE_KEY: 'k' }), { kind: 'sas', containerUrl: 'https://acct.blob.core.windows.net/backups?sv=1&sig=x' });
  assert.deepEqual(azureAuthPlan(dest, 'backups', { AZURE_STORAGE_KEY: 'k' }), { kind: 'shared-key', containerUrl: 'https://acct.blob.core.windows.net/backups', account: 'acct', key: 'k' });
  assert.deepEqual(azureAuthPlan(dest, 'backups', { AZURE_STORAGE_ACCOUNT: 'named', AZURE_STORAGE_KEY: 'k' }).kind, 'shared-key');
  assert.equal((azureAuthPlan(dest, 'backups', { AZURE_STORAGE_ACCOUNT: 'named', AZURE_STORAGE_KEY: 'k' }) as { account: string }).account, 'named');
  // inheritFromAzureAD: no variable at all, left to barman's own tools.
  assert.deepEqual(azureAuthPlan(dest, 'backups', {}), { kind: 'default' });
  // barman gives the bare host to the SDK, which speaks https whatever the destinationPath's scheme.
  assert.deepEqual(azureAuthPlan('http://acct.blob.core.windows.net/c', 'c', { AZURE_STORAGE_KEY: 'k' }), { kind: 'shared-key', containerUrl: 'https://acct.blob.core.windows.net/c', account: 'acct', key: 'k' });
});

test('an emulator URL needs a connection string, as barman says; with one, the connection string decides where', () => {
  const dest = 'http://127.0.0.1:10000/devstoreaccount1/backups/a';
  assert.throws(() => azureAuthPlan(dest, 'backups', { AZURE_STORAGE_KEY: 'k' }), /not on blob\.core\.windows\.net.*azureCredentials\.connectionString/);
  assert.deepEqual(azureAuthPlan(dest, 'backups', { AZURE_STORAGE_CONNECTION_STRING: CS }), { kind: 'connection-string', connectionString: CS, container: 'backups' });
});
