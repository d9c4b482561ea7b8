// `pg-instance-manager rbac --cluster FILE`: prints the ServiceAccount, Role and RoleBinding the instance
// manager of that Cluster needs (only the Role and RoleBinding with a shared spec.serviceAccountName).
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { EXIT } from '../config/constants.js';
import type { Flags } from '../config/flags.js';
import { ManagerError, ManifestError } from '../errors.js';
import { renderRbacYaml } from '../kube/rbac-manifests.js';
import { parseClusterManifest } from '../spec/load-manifest.js';

/** Reads the manifest named by --cluster and writes the RBAC YAML; resolves with the exit code. */
export async function rbacCommand(flags: Flags, env: Readonly<Record<string, string | undefined>>, cwd: string, write: (text: string) => void): Promise<number> {
  const file = flags.cluster;
  if (typeof file !== 'string' || file === '') throw new ManagerError('USAGE', 'rbac: --cluster FILE is required');
  const path = resolve(cwd, file);
  let text: string;
  try {
    // eslint-disable-next-line security/detect-non-literal-fs-filename -- the manifest the user named
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new ManifestError(path, `cannot read the Cluster manifest (${(err as NodeJS.ErrnoException).code ?? 'error'})`, { cause: err });
  }
  const namespace = (typeof flags.namespace === 'string' ? flags.namespace : undefined) ?? env.NAMESPACE ?? 'default';
  write(renderRbacYaml(parseClusterManifest(text, path, { namespace })));
  return EXIT.ok;
}
