// Typed loader for the small N-API addon in os-calls.c (built by `npm run build` with node-gyp).
import { createRequire } from 'node:module';
import { ManagerError } from '../errors.js';
let loaded;
/** The addon, loaded on first use from build/Release (relative to the package root). */
export function osCalls() {
    if (loaded)
        return loaded;
    const require = createRequire(import.meta.url);
    // dist/src/native/os-calls.js and src/native/os-calls.ts both sit three levels below the root.
    for (const candidate of ['../../../build/Release/os_calls.node', '../../build/Release/os_calls.node']) {
        try {
            // eslint-disable-next-line security/detect-non-literal-require -- one of the two fixed paths above
            loaded = require(candidate);
            return loaded;
        }
        catch (err) {
            if (err.code !== 'MODULE_NOT_FOUND')
                throw err;
        }
    }
    throw new ManagerError('INTERNAL', 'native addon build/Release/os_calls.node is missing: run `npm run build`');
}
//# sourceMappingURL=os-calls.js.map