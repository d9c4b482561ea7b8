// An HTTPS proxy (HTTP CONNECT, RFC 9110 section 9.3.6) on 127.0.0.1 that tunnels every CONNECT to one local
// port, whatever host it names: with HTTPS_PROXY pointing at it, clients reach `https://ACCOUNT.blob.core.windows.net`
// (the only form of destinationPath barman-cloud takes a SAS token or an account key for) on a local Azurite,
// with TLS end to end (the proxy only copies bytes). Both barman's Python (requests) and the manager's Azure
// SDK honour HTTPS_PROXY. `connects` records the targets asked for.
import { createServer, type Server } from 'node:http';
import { connect, type Socket } from 'node:net';

export interface ConnectProxy {
  url: string;
  connects: string[];
  stop(): Promise<void>;
}

/** Starts the proxy on a free port, tunnelling to 127.0.0.1:`targetPort`. */
export async function startConnectProxy(targetPort: number): Promise<ConnectProxy> {
  const sockets = new Set<Socket>();
  const connects: string[] = [];
  const server: Server = createServer((_req, res) => res.writeHead(405).end('CONNECT only\n'));
  server.on('connect', (req, client: Socket, head: Buffer) => {
    connects.push(req.url ?? '');
    const upstream = connect(targetPort, '127.0.0.1', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => (s === client ? upstream : client).destroy());
      s.on('close', () => sockets.delete(s));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    connects,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
