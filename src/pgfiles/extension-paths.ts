// spec.postgresql.extensions: each extension is an image volume mounted at /extensions/<name>
// (CNPG pkg/postgres/configuration.go ExtensionsBaseDirectory; docs/src/imagevolume_extensions.md). PostgreSQL 18
// finds their control files and libraries through extension_control_path and dynamic_library_path, which CNPG
// sets to `$system` / `$libdir`, then each extension's directories (default `share` and `lib`), then what the
// user wrote (setExtensionControlPath, setDynamicLibraryPath); the postmaster's LD_LIBRARY_PATH and PATH get
// the ld_library_path and bin_path directories (pkg/utils/extensions CollectLibraryPaths, CollectBinPaths).
// Pure: spec in, settings and environment out.
import { posix } from 'node:path';
import type { ExtensionSpec } from '../spec/cluster.js';

/** Where CNPG mounts extension images (pkg/postgres/configuration.go, ExtensionsBaseDirectory). */
export const EXTENSIONS_BASE_DIR = '/extensions';

// A directory inside the extension's mount; the loader refuses escaping ones, this is the second check CNPG has too.
// Cleaned as Go's filepath.Join cleans (no trailing "/").
function under(base: string, name: string, paths: readonly string[]): string[] {
  const root = posix.join(base, name);
  return paths.map((p) => posix.join(root, posix.join('.', p)).replace(/(?<=.)\/+$/, '')).filter((p) => p === root || p.startsWith(`${root}/`));
}

function merge(first: string, added: readonly string[], user: string | undefined): string {
  return [first, ...added, ...(user ?? '').split(':')].filter((p) => p !== '').join(':');
}

/** extension_control_path and dynamic_library_path for these extensions, merged with the user's values. */
export function extensionSettings(
  extensions: readonly ExtensionSpec[],
  user: Readonly<Record<string, string>>,
  base = EXTENSIONS_BASE_DIR,
): Record<string, string> {
  if (extensions.length === 0) return {};
  const control = extensions.flatMap((e) => under(base, e.name, e.extensionControlPath.length ? e.extensionControlPath : ['share']));
  const libraries = extensions.flatMap((e) => under(base, e.name, e.dynamicLibraryPath.length ? e.dynamicLibraryPath : ['lib']));
  return {
    extension_control_path: merge('$system', control, user.extension_control_path),
    dynamic_library_path: merge('$libdir', libraries, user.dynamic_library_path),
  };
}

/** LD_LIBRARY_PATH and PATH of the postmaster with these extensions ({} when none adds a directory). */
export function extensionEnv(extensions: readonly ExtensionSpec[], env: Readonly<Record<string, string | undefined>>, base = EXTENSIONS_BASE_DIR): Record<string, string> {
  const out: Record<string, string> = {};
  const libs = extensions.flatMap((e) => under(base, e.name, e.ldLibraryPath));
  const bins = extensions.flatMap((e) => under(base, e.name, e.binPath));
  // An empty LD_LIBRARY_PATH entry means "the working directory" to glibc: never add one.
  if (libs.length) out.LD_LIBRARY_PATH = [...(env.LD_LIBRARY_PATH ?? '').split(':'), ...libs].filter((p) => p !== '').join(':');
  if (bins.length) out.PATH = [...(env.PATH ?? '').split(':'), ...bins].filter((p) => p !== '').join(':');
  return out;
}
