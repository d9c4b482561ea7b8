// spec.postgresql.extensions (CNPG api/v1 ExtensionConfiguration, webhook validateExtensions): image-volume
// extensions, which need PostgreSQL 18's extension_control_path. Names follow the CRD's pattern and are
// unique, also once `_` becomes `-` (the volume name); every directory stays inside the extension's mount; an
// image reference is required (no image catalog here). The major version check is in validate-spec.ts,
// which knows the image.
import { posix } from 'node:path';
import { ManifestError } from '../errors.js';
import type { ExtensionSpec } from './cluster.js';
import { Fields, checkSingleLine } from './fields.js';

const EXTENSION_KEYS: ReadonlySet<string> = new Set(['name', 'image', 'extension_control_path', 'dynamic_library_path', 'ld_library_path', 'bin_path', 'env']);
// The CRD's ^[a-z0-9]([-a-z0-9_]*[a-z0-9])?$, as two simple checks.
const NAME = /^[a-z0-9][-a-z0-9_]*$/;
const validName = (name: string): boolean => name.length <= 59 && NAME.test(name) && !/[-_]$/.test(name);

/** The first PostgreSQL major with extension_control_path (https://www.postgresql.org/docs/18/runtime-config-client.html). */
export const EXTENSIONS_MIN_MAJOR = 18;

function pathList(f: Fields, key: string): string[] {
  const seen = new Set<string>();
  return (f.stringList(key, (p, at) => {
    checkSingleLine(p, at);
    if (p === '') throw new ManifestError(at, 'must not be empty');
    if (p.includes(':')) throw new ManifestError(at, 'must not contain ":" (it separates the entries of the path setting)');
    const joined = posix.join('.', p);
    if (joined === '..' || joined.startsWith('../')) throw new ManifestError(at, 'must not escape the extension directory');
    if (seen.has(p)) throw new ManifestError(at, 'is a duplicate');
    seen.add(p);
  }) ?? []);
}

/** Validates spec.postgresql.extensions; [] when absent. */
export function validateExtensions(pg: Fields): ExtensionSpec[] {
  const names = new Set<string>();
  const volumes = new Set<string>();
  return (pg.objectList('extensions') ?? []).map((e) => {
    e.onlyKeys(EXTENSION_KEYS);
    const name = e.requiredString('name');
    if (!validName(name)) throw new ManifestError(e.at('name'), `must be lower-case letters, digits, "-" and "_", start and end with a letter or digit, at most 59 characters; got ${JSON.stringify(name)}`);
    if (names.has(name)) throw new ManifestError(e.at('name'), `duplicates extension "${name}"`);
    const volume = name.replaceAll('_', '-');
    if (volumes.has(volume)) throw new ManifestError(e.at('name'), `gives the same volume name "${volume}" as another extension (underscores become hyphens)`);
    names.add(name);
    volumes.add(volume);
    const image = e.child('image');
    image?.onlyKeys(new Set(['reference', 'pullPolicy']));
    const reference = image?.string('reference', { nonEmpty: true });
    if (reference === undefined) throw new ManifestError(e.at('image.reference'), 'required (no image catalog is used)');
    checkSingleLine(reference, e.at('image.reference'));
    image?.oneOf('pullPolicy', ['Always', 'Never', 'IfNotPresent'] as const);
    const env = e.objectList('env');
    if (env !== undefined && env.length > 0) throw new ManifestError(e.at('env'), 'not supported yet (environment variables per extension)');
    return {
      name,
      image: reference,
      extensionControlPath: pathList(e, 'extension_control_path'),
      dynamicLibraryPath: pathList(e, 'dynamic_library_path'),
      ldLibraryPath: pathList(e, 'ld_library_path'),
      binPath: pathList(e, 'bin_path'),
    };
  });
}
