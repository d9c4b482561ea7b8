// Declarative role management as a part of `instance run` (CNPG runs its RoleSynchronizer as a runnable of the
// instance manager: internal/management/controller/roles/runnable.go). Stops first, with the spec watch: no role
// is changed while postgres shuts down. The keeper is loaded when the part starts, off the start-up path. Its
// pool is the primary's only: a replica gets the roles through WAL.
import { EXIT } from '../config/constants.js';
import type { RoleKeeper, RoleKeeperOptions } from '../roles/role-keeper.js';
import type { Part } from './part-group.js';

/** Where the running keeper is found, for nudges. */
export interface RolesRef {
  keeper?: RoleKeeper;
}

/** Keeps the declared roles until stopped; `ref.keeper` is set once it runs. */
export function rolesPart(options: RoleKeeperOptions, ref: RolesRef): Part {
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
