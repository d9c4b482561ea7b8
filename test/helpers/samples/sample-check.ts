// What a check of "the sample asks for it and it is in force" looks like: the spec fields it covers (it
// applies when the sample uses any of them) and a run against the started instance that throws naming what is
// not in force, or returns notes (what it saw, what it could not look at).
import type { ManagerHandle } from '../manager.js';
import type { KubeObject, Sample } from './sample-catalog.js';
import type { SqlTarget } from './sample-sql.js';
import type { SourceStandIn } from './source-stand-in.js';

export type Obj = Record<string, unknown>;
export const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
/** `o.a.b...` when every step is an object, else undefined. */
export function at(o: unknown, ...path: string[]): unknown {
  let v: unknown = o;
  for (const p of path) v = isObj(v) ? v[p] : undefined; // eslint-disable-line security/detect-object-injection -- reading a parsed sample
  return v;
}

export interface RunningSample {
  sample: Sample;
  /** The Cluster as started (rewritten for this machine). */
  cluster: KubeObject;
  spec: Obj;
  handle: ManagerHandle;
  sql: SqlTarget;
  stateDir: string;
  pgData: string;
  /** Folder of the s3rver stand-in's data, bucket, and the sample's folder in it. */
  s3: { dir: string; bucket: string; prefix: string };
  source?: SourceStandIn;
  /** The application database and owner the instance was bootstrapped with. */
  appDb: string;
  appOwner: string;
}

export interface SampleCheck {
  name: string;
  /** Spec field paths (prefixes; `*` matches one map key) this check puts to the test. */
  covers: readonly string[];
  /** Throws when something the sample asks for is not in force; returns notes ("not checked: ..." ones are reported as such). */
  run(r: RunningSample): Promise<string[]>;
}

/** A failed check's error, naming the field. */
export function notInForce(field: string, detail: string): Error {
  return new Error(`${field}: ${detail}`);
}
