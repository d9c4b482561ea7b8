// postgres's listen_addresses as the host addresses that bind (for the port checks and the local servers).

/** The addresses postgres will bind, for the port check ('*' means every address). */
export function bindHosts(listenAddresses: string): string[] {
  return listenAddresses
    .split(',')
    .map((a) => a.trim())
    .filter((a) => a !== '')
    .map((a) => (a === '*' ? '0.0.0.0' : a === 'localhost' ? '127.0.0.1' : a));
}
