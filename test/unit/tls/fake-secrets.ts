// An in-memory Secret store with the SpecSource/SecretWriter contract: create never overwrites.
import type { SecretObject } from '../../../src/model/objects.js';

export interface FakeSecretStore {
  secrets: Map<string, SecretObject>;
  getSecret(name: string): Promise<SecretObject | undefined>;
  createSecret(name: string, data: Record<string, Buffer>): Promise<void>;
  put(name: string, data: Record<string, string>): SecretObject;
}

export function fakeSecretStore(): FakeSecretStore {
  const secrets = new Map<string, SecretObject>();
  let version = 0;
  const store: FakeSecretStore = {
    secrets,
    getSecret(name) {
      return Promise.resolve(secrets.get(name));
    },
    createSecret(name, data) {
      if (secrets.has(name)) return Promise.reject(new Error(`secrets "${name}" already exists`));
      secrets.set(name, {
        name,
        data: { ...data },
        resourceVersion: String(++version),
        annotations: {},
      });
      return Promise.resolve();
    },
    put(name, data) {
      const bytes = Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v)]));
      const secret = {
        name,
        data: bytes,
        resourceVersion: String(++version),
        annotations: {},
      };
      secrets.set(name, secret);
      return secret;
    },
  };
  return store;
}

export interface CapturedLog {
  lines: { level: string; fields: Record<string, unknown>; msg: string }[];
  info(fields: Record<string, unknown>, msg: string): void;
  warn(fields: Record<string, unknown>, msg: string): void;
}

export function captureLog(): CapturedLog {
  const lines: CapturedLog['lines'] = [];
  return {
    lines,
    info: (fields, msg) => void lines.push({ level: 'info', fields, msg }),
    warn: (fields, msg) => void lines.push({ level: 'warn', fields, msg }),
  };
}
