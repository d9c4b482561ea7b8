// Pids of the children Node itself spawned and waits for (through libuv): the reaper must never waitpid them.

/** The live children Node is waiting for. Created by a factory and passed around, never a module singleton. */
export interface ChildRegistry {
  add(pid: number, name: string): void;
  delete(pid: number): void;
  has(pid: number): boolean;
  /** The program name a pid was registered with, for log lines. */
  nameOf(pid: number): string | undefined;
  size(): number;
}

/** A new, empty registry; main.ts creates one and hands it to spawn.ts callers and to the reaper. */
export function createChildRegistry(): ChildRegistry {
  const pids = new Map<number, string>();
  return {
    add(pid, name) {
      pids.set(pid, name);
    },
    delete(pid) {
      pids.delete(pid);
    },
    has(pid) {
      return pids.has(pid);
    },
    nameOf(pid) {
      return pids.get(pid);
    },
    size() {
      return pids.size;
    },
  };
}
