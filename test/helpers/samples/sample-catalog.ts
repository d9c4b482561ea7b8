// The 66 Cluster documents of CloudNativePG's samples (test/fixtures/cnpg-samples, a copy of CNPG's
// docs/src/samples), each with the objects its file ships beside it (Secrets, ConfigMaps, cert-manager
// Certificates) and what today's loader says about it: accepted (with the major its image pins) or refused
// with the loader's message.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';
import { parseClusterManifest } from '../../../src/spec/load-manifest.js';
import { REPO_ROOT } from '../paths.js';

export const SAMPLES_DIR = join(REPO_ROOT, 'test', 'fixtures', 'cnpg-samples');

export type KubeObject = Record<string, unknown> & { kind?: string; metadata?: { name?: string }; spec?: Record<string, unknown> };

export interface Sample {
  /** The file name, e.g. cluster-example.yaml (one Cluster per file in CNPG's samples). */
  file: string;
  /** The Cluster document as written. */
  cluster: KubeObject;
  /** metadata.name of the Cluster. */
  name: string;
  /** The other documents of the file (Secret, ConfigMap, Certificate, ...). */
  companions: KubeObject[];
  /** The loader's verdict on the Cluster as written. */
  verdict: { accepted: true; postgresMajor?: number } | { accepted: false; message: string };
}

/** Every sample file holding a Cluster, in file-name order, with the loader's verdict. */
export function loadSamples(): Sample[] {
  const out: Sample[] = [];
  for (const file of readdirSync(SAMPLES_DIR).filter((f) => /\.ya?ml$/.test(f)).sort()) {
    const text = readFileSync(join(SAMPLES_DIR, file), 'utf8');
    const docs = parseAllDocuments(text, { version: '1.1' }).map((d) => d.toJS() as KubeObject | null).filter((d): d is KubeObject => d !== null && typeof d === 'object');
    const clusters = docs.filter((d) => d.kind === 'Cluster');
    for (const cluster of clusters) {
      out.push({ file, cluster, name: String(cluster.metadata?.name), companions: docs.filter((d) => d !== cluster), verdict: verdictOf(cluster, file) });
    }
  }
  return out;
}

/** What the manager's loader says about one Cluster object (given as the manager would read it: YAML text). */
export function verdictOf(cluster: KubeObject, origin: string): Sample['verdict'] {
  try {
    const loaded = parseClusterManifest(stringify(cluster, { version: '1.1' }), origin, { namespace: 'default' });
    return loaded.spec.postgresMajor === undefined ? { accepted: true } : { accepted: true, postgresMajor: loaded.spec.postgresMajor };
  } catch (err) {
    return { accepted: false, message: err instanceof Error ? err.message : String(err) };
  }
}

/** A companion object of `kind` named `name`, if the sample file ships one. */
export function companion(sample: Sample, kind: string, name: string): KubeObject | undefined {
  return sample.companions.find((d) => d.kind === kind && d.metadata?.name === name);
}
