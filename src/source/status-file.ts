// The local stand-in for the Cluster's status subresource: a JSON file patched with RFC 7386 merge patches.
import { MANIFEST_MAX_BYTES } from '../config/limits.js';
import { ManagerError } from '../errors.js';
import { writeFileAtomic } from '../files/write-file-atomic.js';
import { FileReadError, decodeUtf8, readBounded } from './read-bounded.js';
import type { StatusPatch } from '../model/objects.js';

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** RFC 7386 JSON merge patch: objects merge recursively, null deletes, anything else replaces. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return patch;
  const result: Record<string, unknown> = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    // eslint-disable-next-line security/detect-object-injection -- keys come from our own patch objects
    if (value === null) delete result[key];
    // eslint-disable-next-line security/detect-object-injection -- same
    else result[key] = mergePatch(result[key], value);
  }
  return result;
}

/** The status file's text; undefined when it does not exist. */
export async function readStatusText(path: string): Promise<string | undefined> {
  try {
    // Capped like the manifest: it stands in for the same object's status subresource.
    return decodeUtf8(await readBounded(path, MANIFEST_MAX_BYTES), path);
  } catch (err) {
    if (!(err instanceof FileReadError)) throw err;
    if (err.code === 'ENOENT') return undefined;
    throw new ManagerError('INVALID_MANIFEST', `the status file ${err.message}`, { cause: err });
  }
}

/** Parses a status file's text (undefined: no file, an empty status). */
export function parseStatusText(text: string | undefined, path: string): Record<string, unknown> {
  if (text === undefined) return {};
  try {
    const parsed: unknown = JSON.parse(text);
    return isObject(parsed) ? parsed : {};
  } catch (err) {
    throw new ManagerError('INVALID_MANIFEST', `status file ${path} is not valid JSON`, { cause: err });
  }
}

/** Whether a status file's text is a complete JSON object (a save in progress, cut short, never parses). */
export function isWholeStatusText(text: string | undefined): boolean {
  if (text === undefined) return false;
  try {
    return isObject(JSON.parse(text));
  } catch {
    return false;
  }
}

/** The status file's text now, and as a merge patch would leave it (written with writeStatusText). */
export async function mergeStatusPatch(path: string, patch: StatusPatch): Promise<{ before: string | undefined; after: string }> {
  const before = await readStatusText(path);
  const current = parseStatusText(before, path);
  const wanted = Array.isArray(patch.conditions) ? { ...patch, conditions: upsertConditions(current.conditions, patch.conditions) } : patch;
  return { before, after: `${JSON.stringify(mergePatch(current, wanted), null, 2)}\n` };
}

// As the Kubernetes source does: patched conditions replace those of their type, the others stay, and
// lastTransitionTime moves only when the status changes (metav1.Condition semantics).
function upsertConditions(list: unknown, patched: readonly unknown[]): unknown[] {
  const out: unknown[] = Array.isArray(list) ? [...(list as unknown[])] : [];
  for (const c of patched) {
    if (!isObject(c)) continue;
    const i = out.findIndex((o) => isObject(o) && o.type === c.type);
    const old = i >= 0 ? out.at(i) : undefined;
    const since = isObject(old) && old.status === c.status && typeof old.lastTransitionTime === 'string' ? old.lastTransitionTime : new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    const next = { ...c, lastTransitionTime: since };
    if (i >= 0) out.splice(i, 1, next);
    else out.push(next);
  }
  return out;
}

/** Replaces the status file atomically. */
export async function writeStatusText(path: string, text: string): Promise<void> {
  await writeFileAtomic(path, text, 0o600);
}
