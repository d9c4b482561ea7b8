// A TCP forwarder on 127.0.0.1 for the multi-instance Kubernetes tests: as the `<cluster>-rw` Service it
// forwards to whichever instance the test (playing the operator) names primary; in front of the API server
// it is one instance's network link, which `cut()` severs (a partition: open connections dropped, new ones
// refused) and `restore()` mends.
import { connect, createServer, type Server, type Socket } from 'node:net';

export interface TcpProxy {
  port: number;
  /** Where new connections go; `dropOpen` also ends the ones open (the Service's endpoints changed). */
  setTarget(port: number, dropOpen?: boolean): void;
  cut(): void;
  restore(): void;
  close(): Promise<void>;
}

/** Starts a forwarder to 127.0.0.1:`target` on a free port. */
export async function startTcpProxy(target: number): Promise<TcpProxy> {
  let to = target;
  let severed = false;
  const open = new Set<Socket>();
  const track = (s: Socket): void => {
    open.add(s);
    s.on('close', () => open.delete(s));
  };
  const dropAll = (): void => {
    for (const s of open) s.destroy();
  };
  const server: Server = createServer((client) => {
    track(client);
    if (severed) return void client.destroy();
    const upstream = connect({ host: '127.0.0.1', port: to });
    track(upstream);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : 0,
    setTarget(port, dropOpen = false) {
      to = port;
      if (dropOpen) dropAll();
    },
    cut() {
      severed = true;
      dropAll();
    },
    restore() {
      severed = false;
    },
    close() {
      dropAll();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
