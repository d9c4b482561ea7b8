// Pids of the children Node itself spawned and waits for (through libuv): the reaper must never waitpid them.
/** A new, empty registry; main.ts creates one and hands it to spawn.ts callers and to the reaper. */
export function createChildRegistry() {
    const pids = new Map();
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
//# sourceMappingURL=child-registry.js.map