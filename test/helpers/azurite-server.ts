// A real Azure Blob API for the tests: Azurite's blob service (npm azurite) as a child process on 127.0.0.1
// (child-server.ts), on a random port, data in a temp folder, with one container created. Its account is the
// emulator's well-known devstoreaccount1 (https://learn.microsoft.com/azure/storage/common/storage-use-azurite#well-known-storage-account-and-key).
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { ContainerClient } from '@azure/storage-blob';
import { freePort, tempDir } from './manager.js';
import { childServer } from './child-server.js';

export const AZURITE_ACCOUNT = 'devstoreaccount1';
// Azurite's published development key: a constant of the emulator, not a secret.
export const AZURITE_KEY = ['Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErC', 'z4I6tq/K1SZFPTOtr/KBHBeksoGMGw=='].join('');
const AZURITE_BLOB_BIN = join(createRequire(import.meta.url).resolve('azurite/package.json'), '..', 'dist', 'src', 'blob', 'main.js');

export interface AzuriteServer {
  port: number;
  /** http://127.0.0.1:PORT/devstoreaccount1: the account's URL, destinationPath's prefix. */
  accountUrl: string;
  dir: string;
  /** The connection string for `key` (the account key by default; another one is "wrong credentials"). */
  connectionString(key?: string): string;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** HTTPS for Azurite (its --cert/--key): PEM files, and the CA that signed the certificate, for the client here. */
export interface AzuriteTls {
  certFile: string;
  keyFile: string;
  ca: string;
}

/**
 * Starts Azurite's blob service with `container` created, within `startMs` (a loaded machine needs more than
 * 30 s); over HTTPS with `tls`.
 */
export async function startAzurite(container = 'backups', startMs = 30_000, tls?: AzuriteTls): Promise<AzuriteServer> {
  const port = await freePort();
  const dir = join(tempDir('pgim-azurite-'), 'data');
  mkdirSync(dir, { recursive: true });
  const scheme = tls ? 'https' : 'http';
  const accountUrl = `${scheme}://127.0.0.1:${port}/${AZURITE_ACCOUNT}`;
  const handle: AzuriteServer = {
    port,
    accountUrl,
    dir,
    connectionString: (key = AZURITE_KEY) => `DefaultEndpointsProtocol=${scheme};AccountName=${AZURITE_ACCOUNT};AccountKey=${key};BlobEndpoint=${accountUrl};`,
    // --loose and --skipApiVersionCheck: the Python SDK of Debian 12 (azure-storage-blob 12.15) and the npm one
    // send API versions and headers newer or older than this Azurite knows.
    ...childServer('azurite', port, [AZURITE_BLOB_BIN, '--blobHost', '127.0.0.1', '--blobPort', String(port), '--location', dir, '--loose', '--skipApiVersionCheck', '--disableTelemetry', '--silent', ...(tls ? ['--cert', tls.certFile, '--key', tls.keyFile] : [])], startMs),
  };
  // A start that times out leaves the child running: stopped here, or it would hold the test process open.
  await handle.start().catch(async (err: unknown) => {
    await handle.stop();
    throw err;
  });
  // tlsOptions: core-rest-pipeline's own option, which StoragePipelineOptions does not declare.
  await new ContainerClient(handle.connectionString(), container, (tls ? { tlsOptions: { ca: tls.ca } } : {}) as object).createIfNotExists();
  return handle;
}

/** The environment barman-cloud-* needs for Azurite (a connection string: barman requires one for an emulator). */
export function azuriteEnv(azurite: AzuriteServer): Record<string, string> {
  return { ...(process.env as Record<string, string>), AZURE_STORAGE_CONNECTION_STRING: azurite.connectionString() };
}
