// The stand-ins the samples share, each started once and only when a sample needs it: the s3rver (bucket
// `samples`), Azurite for the Azure sample, and the source cluster manager (which archives into the s3rver).
import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { startS3Server, type S3Server } from '../s3-server.js';
import { startAzurite, type AzuriteServer } from '../azurite-server.js';
import { startSourceStandIn, type SourceStandIn } from './source-stand-in.js';

export const BUCKET = 'samples';

export interface StandIns {
  s3(): Promise<S3Server>;
  azurite(): Promise<AzuriteServer>;
  source(): Promise<SourceStandIn>;
  stop(): Promise<void>;
}

function once<T>(start: () => Promise<T>): { get: () => Promise<T>; started: () => Promise<T> | undefined } {
  let p: Promise<T> | undefined;
  return { get: () => (p ??= start()), started: () => p };
}

/** Lazily started stand-ins; `stop` stops what was started. */
export function standIns(): StandIns {
  const s3 = once(() => startS3Server(BUCKET));
  const azurite = once(() => startAzurite(BUCKET, 120_000));
  const source = once(async () => {
    const store = await s3.get();
    return startSourceStandIn(store.endpoint, BUCKET);
  });
  return {
    s3: s3.get,
    azurite: azurite.get,
    source: source.get,
    async stop() {
      await (await source.started()?.catch(() => undefined))?.stop();
      for (const server of [await azurite.started()?.catch(() => undefined), await s3.started()?.catch(() => undefined)]) {
        if (!server) continue;
        await server.stop();
        rmSync(dirname(server.dir), { recursive: true, force: true });
      }
    },
  };
}
