// Where the status server binds, shared by `instance run` (listen, port check) and `instance status` (connect).
import type { Config } from '../config/config.js';
import { bindHosts } from '../config/bind-hosts.js';

/** The first local listen address in the embedded default; every address in a container (CNPG binds :8000). */
export function statusListenHost(config: Pick<Config, 'source' | 'listenAddresses'>): string | undefined {
  return config.source === 'file' ? (bindHosts(config.listenAddresses)[0] ?? '127.0.0.1') : undefined;
}
