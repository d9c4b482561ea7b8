// The local stand-in for the Cluster's status subresource: a JSON file patched with RFC 7386 merge patches.
import { readFile } from 'node:fs/promises';
import { ManagerError } from '../errors.js';
import { writeFileAtomic } from '../pgfiles/write-file-atomic.js';
function isObject(v) {
    return typeof v === 'object' && v !== null && !Array.isArray(v);
}
/** RFC 7386 JSON merge patch: objects merge recursively, null deletes, anything else replaces. */
export function mergePatch(target, patch) {
    if (!isObject(patch))
        return patch;
    const result = isObject(target) ? { ...target } : {};
    for (const [key, value] of Object.entries(patch)) {
        // eslint-disable-next-line security/detect-object-injection -- keys come from our own patch objects
        if (value === null)
            delete result[key];
        // eslint-disable-next-line security/detect-object-injection -- same
        else
            result[key] = mergePatch(result[key], value);
    }
    return result;
}
/** Reads the status file; an absent file is an empty status. */
export async function readStatusFile(path) {
    let text;
    try {
        // eslint-disable-next-line security/detect-non-literal-fs-filename -- the configured status file
        text = await readFile(path, 'utf8');
    }
    catch (err) {
        if (err.code === 'ENOENT')
            return {};
        throw err;
    }
    try {
        const parsed = JSON.parse(text);
        return isObject(parsed) ? parsed : {};
    }
    catch (err) {
        throw new ManagerError('INVALID_MANIFEST', `status file ${path} is not valid JSON`, { cause: err });
    }
}
/** Applies a merge patch to the status file atomically. */
export async function patchStatusFile(path, patch) {
    const next = mergePatch(await readStatusFile(path), patch);
    await writeFileAtomic(path, `${JSON.stringify(next, null, 2)}\n`, 0o600);
}
//# sourceMappingURL=status-file.js.map