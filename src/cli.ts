// The CLI, wiring only: argv + env -> Config, root logger, run the command, map errors to exit codes.
// Loaded by main.ts once the compile cache is on.
import { buildConfig } from './config/config.js';
import { EXIT } from './config/constants.js';
import { parseArgv, usageText } from './config/flags.js';
import { ManagerError, PartFailedError, describeError } from './errors.js';
import { createRootLogger, child, type Logger } from './log/logger.js';
import { refuseInspectorSignal } from './supervisor/signals.js';

const EXIT_BY_CODE: Partial<Record<ManagerError['code'], number>> = { USAGE: EXIT.usage, NO_WAL_SPACE: EXIT.noWalSpace };

/** Runs one command line (argv without node and the script) and resolves with the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  let parsed;
  let root: Logger | undefined;
  refuseInspectorSignal(() => {
    if (root) child(root, 'main').warn({ signal: 'SIGUSR1' }, 'SIGUSR1 ignored: the Node.js inspector is disabled');
  });
  try {
    parsed = parseArgv(argv);
    if (parsed.command === 'help') {
      process.stdout.write(`${usageText()}\n`);
      return EXIT.ok;
    }
    const config = buildConfig(parsed.command, parsed.flags, process.env, process.cwd());
    root = createRootLogger({ level: config.logLevel, podName: config.podName });
    const logger = root;
    const emergency: { stopPostgres?: () => void } = {};
    const fatal = (what: string) => (reason: unknown): void => {
      child(logger, 'main').fatal({ err: describeError(reason) }, `${what}: stopping postgres (fast)`);
      emergency.stopPostgres?.();
      process.exit(EXIT.failure);
    };
    process.on('unhandledRejection', fatal('unhandled promise rejection'));
    process.on('uncaughtException', fatal('uncaught exception'));
    switch (parsed.command) {
      case 'instance run':
        return await (await import('./commands/instance-run.js')).instanceRun(config, root, emergency);
      case 'instance init':
        return await (await import('./commands/instance-init.js')).instanceInit(config, root, emergency);
      case 'instance join':
        return await (await import('./commands/instance-join.js')).instanceJoin(config, root);
      case 'instance status':
        return await (await import('./commands/instance-status.js')).instanceStatus(config, (t) => process.stdout.write(t));
      case 'local-cluster up':
      case 'local-cluster switchover':
      case 'local-cluster status':
        return await (await import('./commands/local-cluster.js')).localClusterCommand(parsed.command, parsed.args, parsed.flags, process.env, process.cwd(), root, (t) => process.stdout.write(t));
      case 'backup':
      case 'backups': {
        const { backupCommand, backupsCommand, backupSocketPath } = await import('./commands/backup-request.js');
        const socket = backupSocketPath(config, parsed.flags, process.cwd());
        const out = (t: string): void => void process.stdout.write(t);
        return parsed.command === 'backup' ? await backupCommand(socket, parsed.args[0] ?? '', out, parsed.flags) : await backupsCommand(socket, out);
      }
      case 'instance restore':
        return await (await import('./commands/instance-restore.js')).instanceRestore(config, root);
      case 'instance restoresnapshot':
        return await (await import('./commands/instance-restoresnapshot.js')).instanceRestoreSnapshot(config, parsed.flags, root);
      case 'instance pgbasebackup':
        return await (await import('./commands/instance-pgbasebackup.js')).instancePgBasebackup(config, root);
      case 'rbac':
        return await (await import('./commands/rbac.js')).rbacCommand(parsed.flags, process.env, process.cwd(), (t) => process.stdout.write(t));
    }
  } catch (err) {
    const code = err instanceof ManagerError ? err.code : 'INTERNAL';
    // An error code of its own (usage 2, no WAL space 4) wins over the failed part's exit code.
    const byCode = err instanceof ManagerError ? EXIT_BY_CODE[err.code] : undefined;
    const exit = byCode ?? (err instanceof PartFailedError ? err.exitCode : EXIT.failure);
    if (root) child(root, 'main').error({ code, err: describeError(err) }, describeError(err));
    // One clear line on stderr too, for a human at a terminal and for kubectl describe.
    process.stderr.write(`pg-instance-manager: ${describeError(err)}\n`);
    if (exit === EXIT.usage) process.stderr.write('see pg-instance-manager --help\n');
    return exit;
  }
}
