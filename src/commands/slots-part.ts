// The replication-slot keeper as a part of `instance run` (CNPG runs its slot Replicator as a runnable of the
// instance manager: internal/management/controller/slots/runner). Stops first, with the spec watch: no slot
// is created while postgres shuts down.
import { EXIT } from '../config/constants.js';
import type { SlotKeeper } from '../reconcile/slot-keeper.js';
import type { Part } from './part-group.js';

/** Keeps the slots until stopped; ready at once (a round needs postgres, which may still be starting). */
export function slotsPart(keeper: SlotKeeper): Part {
  return {
    name: 'replication-slots',
    stopOrder: 0,
    exitCode: EXIT.parts.specWatch,
    async start(signal, ready) {
      ready();
      await keeper.run(signal);
    },
  };
}
