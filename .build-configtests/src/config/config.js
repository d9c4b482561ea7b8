// env + flags -> one frozen, validated Config. Flags win over env, env over defaults; errors name the flag or variable.
import { resolve } from 'node:path';
import { ManagerError } from '../errors.js';
import { LOG_LEVELS } from '../log/logger.js';
import { CONTAINER_PATHS, DEFAULT_PG_BIN, PORTS, controllerPaths } from './constants.js';
function pick(flags, flag, env, variable) {
    // eslint-disable-next-line security/detect-object-injection -- flag is a FlagName literal type
    const value = flags[flag];
    if (typeof value === 'string') {
        if (value === '')
            throw new ManagerError('USAGE', `--${flag}: empty value`);
        return value;
    }
    if (variable !== undefined) {
        // eslint-disable-next-line security/detect-object-injection -- variable is one of our fixed env names
        const fromEnv = env[variable];
        if (fromEnv !== undefined && fromEnv !== '')
            return fromEnv;
    }
    return undefined;
}
function port(flags, flag, env, variable, fallback) {
    const text = pick(flags, flag, env, variable);
    if (text === undefined)
        return fallback;
    const n = Number(text);
    if (!/^\d+$/.test(text) || n < 1 || n > 65535) {
        throw new ManagerError('USAGE', `--${flag}${variable ? `/${variable}` : ''}: not a TCP port: '${text}'`);
    }
    return n;
}
function logLevel(flags, env) {
    const text = pick(flags, 'log-level', env, 'LOG_LEVEL') ?? 'info';
    const level = LOG_LEVELS.find((l) => l === text);
    if (!level)
        throw new ManagerError('USAGE', `--log-level: '${text}' is not one of ${LOG_LEVELS.join(', ')}`);
    return level;
}
/** Builds the frozen Config of one invocation. `cwd` anchors relative paths. */
export function buildConfig(command, flags, env, cwd) {
    const manifest = pick(flags, 'cluster-manifest', env);
    const source = manifest ? 'file' : 'kube';
    const local = source === 'file';
    const stateDir = local ? resolve(cwd, pick(flags, 'state-dir', env) ?? '.state') : undefined;
    const under = (p) => resolve(stateDir ?? cwd, p);
    const pgData = pick(flags, 'pg-data', env, 'PGDATA') ?? (local ? under('pgdata') : CONTAINER_PATHS.pgData);
    const controllerRoot = pick(flags, 'controller-dir', env) ?? (local ? under('controller') : CONTAINER_PATHS.controller);
    const exitPolicy = pick(flags, 'on-postmaster-exit', env) ?? (local ? 'restart' : 'exit');
    if (exitPolicy !== 'restart' && exitPolicy !== 'exit') {
        throw new ManagerError('USAGE', `--on-postmaster-exit: '${exitPolicy}' is not one of restart, exit`);
    }
    const config = {
        command,
        source,
        pgData: resolve(cwd, pgData),
        podName: pick(flags, 'pod-name', env, 'POD_NAME'),
        clusterName: pick(flags, 'cluster-name', env, 'CLUSTER_NAME'),
        namespace: pick(flags, 'namespace', env, 'NAMESPACE'),
        logLevel: logLevel(flags, env),
        statusPortTls: flags['status-port-tls'] === true || local,
        metricsPortTls: flags['metrics-port-tls'] === true,
        clusterManifest: manifest ? resolve(cwd, manifest) : undefined,
        secretsDir: local ? resolve(cwd, pick(flags, 'secrets-dir', env) ?? under('secrets')) : undefined,
        stateDir,
        statusFile: local ? resolve(cwd, pick(flags, 'status-file', env) ?? under('status.json')) : undefined,
        controller: controllerPaths(resolve(cwd, controllerRoot)),
        runAs: pick(flags, 'run-as', env) ?? 'postgres',
        pgBin: pick(flags, 'pg-bin', env, 'PG_BIN') ?? DEFAULT_PG_BIN,
        port: port(flags, 'port', env, 'PGPORT', PORTS.postgres),
        listenAddresses: pick(flags, 'listen-addresses', env) ?? (local ? '127.0.0.1' : '*'),
        statusPort: port(flags, 'status-port', env, undefined, PORTS.status),
        metricsPort: port(flags, 'metrics-port', env, undefined, PORTS.metrics),
        onPostmasterExit: exitPolicy,
    };
    if (config.controller.run.length > 90) {
        // sun_path is 108 bytes; postgres appends "/.s.PGSQL.NNNNN.lock".
        throw new ManagerError('USAGE', `--controller-dir: socket directory ${config.controller.run} is too long for a Unix socket`);
    }
    return Object.freeze(config);
}
//# sourceMappingURL=config.js.map