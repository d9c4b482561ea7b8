// Command-line parsing with CNPG-compatible argv (`instance run --pg-data ...`); env fallbacks live in config.ts.
import { parseArgs } from 'node:util';
import { ManagerError } from '../errors.js';
/** Every flag the manager accepts, with its type. Unknown flags are a usage error. */
export const FLAG_SPEC = {
    'pg-data': { type: 'string' },
    'pod-name': { type: 'string' },
    'cluster-name': { type: 'string' },
    namespace: { type: 'string' },
    'log-level': { type: 'string' },
    'status-port-tls': { type: 'boolean' },
    'metrics-port-tls': { type: 'boolean' },
    'cluster-manifest': { type: 'string' },
    'secrets-dir': { type: 'string' },
    'state-dir': { type: 'string' },
    'status-file': { type: 'string' },
    'controller-dir': { type: 'string' },
    'run-as': { type: 'string' },
    'pg-bin': { type: 'string' },
    port: { type: 'string' },
    'listen-addresses': { type: 'string' },
    'status-port': { type: 'string' },
    'metrics-port': { type: 'string' },
    'on-postmaster-exit': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
};
export const COMMANDS = ['instance init', 'instance run', 'instance status'];
/** Parses argv (without node and script); throws a USAGE ManagerError naming the bad flag or value. */
export function parseArgv(argv) {
    let parsed;
    try {
        parsed = parseArgs({ args: [...argv], options: FLAG_SPEC, allowPositionals: true, strict: true });
    }
    catch (err) {
        // node:util messages already name the flag ("Unknown option '--foo'", "Option '--pg-data <value>' argument missing").
        throw new ManagerError('USAGE', err.message.replace(/\. To specify a positional.*$/s, ''));
    }
    const flags = parsed.values;
    const words = parsed.positionals.join(' ');
    if (flags.help === true || words === '' || words === 'help')
        return { command: 'help', flags };
    const command = COMMANDS.find((c) => c === words);
    if (!command) {
        throw new ManagerError('USAGE', `unknown command '${words}' (expected one of: ${COMMANDS.join(', ')})`);
    }
    return { command, flags };
}
/** The text printed by --help. */
export function usageText() {
    return [
        'usage: pg-instance-manager instance <init|run|status> [flags]',
        '',
        'CloudNativePG-compatible flags (env fallback):',
        '  --pg-data DIR (PGDATA)  --pod-name NAME (POD_NAME)  --cluster-name NAME (CLUSTER_NAME)',
        '  --namespace NS (NAMESPACE)  --log-level error|warning|info|debug|trace',
        '  --status-port-tls  --metrics-port-tls',
        '',
        'Embedded default (a manifest and a secrets folder stand in for the Kubernetes API):',
        '  --cluster-manifest FILE   a postgresql.cnpg.io/v1 Cluster YAML',
        '  --state-dir DIR           where PGDATA, sockets, logs, secrets and status live (default .state)',
        '  --secrets-dir DIR         one folder per Secret, one file per key (default STATE/secrets)',
        '  --status-file FILE        the Cluster status, as patched by the manager (default STATE/status.json)',
        '  --port N  --listen-addresses ADDRS  --status-port N  --metrics-port N',
        '  --on-postmaster-exit restart|exit   (default: restart locally, exit in a container)',
        '',
        'Process:',
        '  --run-as USER (when started as root; default postgres)  --pg-bin DIR (PG_BIN)  --controller-dir DIR',
    ].join('\n');
}
//# sourceMappingURL=flags.js.map