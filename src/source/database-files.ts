// The embedded default's Database objects: the `kind: Database` documents of the manifest file (beside the
// Cluster), and one JSON file per Database in a `databases` folder beside the status file holding the whole
// object as last applied (spec, metadata.generation, status), so `cat` shows what kubectl would. The
// folder is also the memory of what was declared: a file whose document left the manifest is a deleted
// Database, reclaimed by its spec's databaseReclaimPolicy (as Backup files, src/backup/backup-objects.ts).
import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { MANIFEST_MAX_BYTES } from '../config/limits.js';
import { writeFileAtomic } from '../files/write-file-atomic.js';
import { isMapping } from '../spec/fields.js';
import { parseDocuments } from '../spec/load-manifest.js';
import { isObjectName, objectName } from '../spec/database.js';
import { decodeUtf8, readBounded } from './read-bounded.js';
import { mergePatch, parseStatusText, readStatusText } from './status-file.js';
import type { DatabaseObjectJson, DatabaseSource, DatabaseStatusPatch } from './database-source.js';

/** Database documents of the manifest file, status files in `folder`. */
export class DatabaseFiles implements DatabaseSource {
  readonly description: string;
  readonly refusesForeign = true;
  #declared = new Set<string>();

  constructor(
    private readonly manifestPath: string,
    readonly folder: string,
  ) {
    this.description = `file:${manifestPath}`;
  }

  #path(name: string): string | undefined {
    return isObjectName(name) ? join(this.folder, `${name}.json`) : undefined;
  }

  async #stored(name: string): Promise<DatabaseObjectJson | undefined> {
    const path = this.#path(name);
    if (path === undefined) return undefined;
    const text = await readStatusText(path);
    return text === undefined ? undefined : parseStatusText(text, path);
  }

  async list(): Promise<DatabaseObjectJson[]> {
    const text = decodeUtf8(await readBounded(this.manifestPath, MANIFEST_MAX_BYTES), this.manifestPath);
    const docs = parseDocuments(text, this.manifestPath).filter((d): d is DatabaseObjectJson => isMapping(d) && d.kind === 'Database');
    this.#declared = new Set(docs.map(objectName).filter((n): n is string => n !== undefined));
    return Promise.all(docs.map((doc) => this.#withGeneration(doc)));
  }

  // As the API server does: the generation moves when the spec changes (the file keeps the last one applied).
  async #withGeneration(doc: DatabaseObjectJson): Promise<DatabaseObjectJson> {
    const name = objectName(doc);
    const stored = name === undefined ? undefined : await this.#stored(name);
    const before = isMapping(stored?.metadata) && typeof stored.metadata.generation === 'number' ? stored.metadata.generation : 0;
    const generation = stored && JSON.stringify(stored.spec) === JSON.stringify(doc.spec) ? Math.max(before, 1) : before + 1;
    return { ...doc, metadata: { ...(isMapping(doc.metadata) ? doc.metadata : {}), generation } };
  }

  async deleted(): Promise<DatabaseObjectJson[]> {
    // eslint-disable-next-line security/detect-non-literal-fs-filename -- our state folder
    const files = await readdir(this.folder).catch(() => [] as string[]);
    const gone = files.filter((f) => f.endsWith('.json') && !this.#declared.has(f.slice(0, -5)));
    const objects = await Promise.all(gone.map((f) => this.#stored(f.slice(0, -5))));
    return objects.filter((o): o is DatabaseObjectJson => o !== undefined);
  }

  follow(signal: AbortSignal): Promise<void> {
    // The manifest's changes reach the databases part through the Cluster's watch (a new Cluster version).
    return new Promise((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true })));
  }

  async patchStatus(object: DatabaseObjectJson, patch: DatabaseStatusPatch): Promise<void> {
    const name = objectName(object);
    const path = name === undefined ? undefined : this.#path(name);
    if (name === undefined || path === undefined) return;
    const current = (await this.#stored(name)) ?? {};
    const metadata = isMapping(object.metadata) ? object.metadata : {};
    const whole = { apiVersion: 'postgresql.cnpg.io/v1', kind: 'Database', metadata: { name, generation: metadata.generation }, spec: object.spec, status: mergePatch(current.status, patch) };
    // eslint-disable-next-line security/detect-non-literal-fs-filename -- our state folder
    await mkdir(this.folder, { recursive: true, mode: 0o700 });
    await writeFileAtomic(path, `${JSON.stringify(whole, null, 2)}\n`, 0o600);
  }

  async forget(object: DatabaseObjectJson): Promise<void> {
    const name = objectName(object);
    const path = name === undefined ? undefined : this.#path(name);
    if (path !== undefined) await rm(path, { force: true });
  }
}
