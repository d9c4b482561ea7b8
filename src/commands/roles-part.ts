// Declarative role management as a part of `instance run` (CNPG runs its RoleSynchronizer as a runnable of the
// instance manager: internal/management/controller/roles/runnable.go). Stops first, with the spec watch: no role
// is changed while postgres shuts down. The keeper is loaded when the part starts, off the start-up path.
import { EXIT } from '../config/constants.js';
import type { RoleKeeper, RoleKeeperOptions } from '../roles/role-keeper.js';
import type { Part } from './part-group.js';

/** Keeps the declared roles until stopped; `ref.keeper` is set once it runs (for nudges). */
export function rolesPart(options: RoleKeeperOptions, ref: { keeper?: RoleKeeper }): Part {
  return {
    name: 'managed-roles',
    stopOrder: 0,
    exitCode: EXIT.parts.specWatch,
    async start(signal, ready) {
      const { RoleKeeper } = await import('../roles/role-keeper.js');
      const keeper = new RoleKeeper(options);
      ref.keeper = keeper;
      ready();
      await keeper.run(signal);
    },
  };
}
