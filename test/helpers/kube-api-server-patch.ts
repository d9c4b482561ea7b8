// The two patch formats the test API server accepts: JSON merge patch (RFC 7386) and JSON patch (RFC 6902).
import { StatusError } from './kube-api-server-store.js';

export type JsonObject = Record<string, unknown>;

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** RFC 7386: objects merge recursively, null deletes, anything else replaces. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return patch;
  const out: JsonObject = isObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    // eslint-disable-next-line security/detect-object-injection -- keys of a parsed JSON body on a plain copy
    if (v === null) delete out[k];
    // eslint-disable-next-line security/detect-object-injection -- as above
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

function pointer(path: string): string[] {
  if (path === '') return [];
  if (!path.startsWith('/')) throw new StatusError(422, 'Invalid', `invalid JSON pointer ${path}`);
  return path.slice(1).split('/').map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function parentOf(doc: JsonObject, parts: string[]): { parent: JsonObject | unknown[]; key: string } {
  let cur: unknown = doc;
  for (const p of parts.slice(0, -1)) {
    // eslint-disable-next-line security/detect-object-injection -- JSON pointer walk over a parsed body
    cur = Array.isArray(cur) ? cur[Number(p)] : isObject(cur) ? cur[p] : undefined;
    if (cur === undefined) throw new StatusError(422, 'Invalid', `the server rejected our request due to an error in our request: path ${parts.join('/')} not found`);
  }
  if (!isObject(cur) && !Array.isArray(cur)) throw new StatusError(422, 'Invalid', `path ${parts.join('/')} not found`);
  return { parent: cur, key: parts[parts.length - 1] ?? '' };
}

/** RFC 6902 add/remove/replace/test over a copy of `doc`. */
export function applyJsonPatch(doc: JsonObject, ops: unknown): JsonObject {
  if (!Array.isArray(ops)) throw new StatusError(400, 'BadRequest', 'json patch body must be an array');
  const out = structuredClone(doc);
  for (const raw of ops) {
    if (!isObject(raw) || typeof raw.op !== 'string' || typeof raw.path !== 'string') {
      throw new StatusError(400, 'BadRequest', 'json patch operation needs op and path');
    }
    const { parent, key } = parentOf(out, pointer(raw.path));
    const arr = Array.isArray(parent) ? parent : undefined;
    const obj = isObject(parent) ? parent : undefined;
    switch (raw.op) {
      case 'add':
      case 'replace':
        if (arr) {
          const i = key === '-' ? arr.length : Number(key);
          if (raw.op === 'add') arr.splice(i, 0, raw.value);
          // eslint-disable-next-line security/detect-object-injection -- numeric index
          else arr[i] = raw.value;
        } else if (obj) {
          if (raw.op === 'replace' && !(key in obj)) throw new StatusError(422, 'Invalid', `replace operation does not apply: doc is missing key: ${raw.path}`);
          // eslint-disable-next-line security/detect-object-injection -- JSON pointer key
          obj[key] = raw.value;
        }
        break;
      case 'remove':
        if (arr) arr.splice(Number(key), 1);
        else if (obj) {
          if (!(key in obj)) throw new StatusError(422, 'Invalid', `remove operation does not apply: doc is missing path: ${raw.path}`);
          // eslint-disable-next-line security/detect-object-injection -- JSON pointer key
          delete obj[key];
        }
        break;
      case 'test': {
        // eslint-disable-next-line security/detect-object-injection -- JSON pointer key
        const value = arr ? arr[Number(key)] : obj?.[key];
        if (JSON.stringify(value) !== JSON.stringify(raw.value)) throw new StatusError(422, 'Invalid', `testing value ${raw.path} failed`);
        break;
      }
      default:
        throw new StatusError(400, 'BadRequest', `unsupported json patch op ${raw.op}`);
    }
  }
  return out;
}
