// How tests start the manager: `node <V8 flags> dist/bundle/main.js ARGS`, with the V8 flags the image's
// launcher gives this Node (src/config/launch-v8-flags.ts), so the suite runs the manager as the image does.
import { MAIN_JS } from './paths.js';
import { launchV8Flags } from '../../src/config/launch-v8-flags.js';

/** What follows `node` on the command line to run the manager (`nodeArgs` go before the entry point). */
export function managerEntry(nodeArgs: readonly string[] = []): string[] {
  return [...launchV8Flags(), ...nodeArgs, MAIN_JS];
}
