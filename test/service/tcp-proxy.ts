import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP relay on 127.0.0.1 in front of a real server, to take the network away and give it back: `down()` drops every
 * connection and stops listening (connects are refused), `up()` listens again on the same port.
 */
export interface TcpProxy {
  readonly port: number;
  down(): Promise<void>;
  up(): Promise<void>;
  close(): Promise<void>;
}

export async function startTcpProxy(targetPort: number, port = 0): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let at = port;
  const listen = () =>
    new Promise<void>((done, fail) => {
      const s = createServer((client) => {
        const upstream = connect(targetPort, '127.0.0.1');
        for (const x of [client, upstream]) {
          sockets.add(x);
          x.on('close', () => sockets.delete(x));
          x.on('error', () => {
            client.destroy();
            upstream.destroy();
          });
        }
        client.pipe(upstream);
        upstream.pipe(client);
      });
      s.once('error', fail);
      s.listen(at, '127.0.0.1', () => {
        at = (s.address() as { port: number }).port;
        server = s;
        done();
      });
    });
  const down = async () => {
    const s = server;
    server = undefined;
    for (const x of sockets) x.destroy();
    if (s !== undefined) await new Promise<void>((done) => s.close(() => done()));
  };
  await listen();
  return { port: at, down, up: listen, close: down };
}
