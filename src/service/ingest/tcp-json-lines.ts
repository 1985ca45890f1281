import { createServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { accept, isRefusal, type IngestContext } from './ingest-protocol.js';
import { prepareText, type Prepared } from './prepare-document.js';

export interface TcpListener {
  readonly address: { readonly host: string; readonly port: number };
  close(): Promise<void>;
}

/**
 * TCP JSON lines (NXLog om_tcp + to_json, Fluent Bit tcp, Vector socket, rsyslog): one JSON object per LF.
 * TCP has no acknowledgement: a shipper counts data as sent once the kernel took it, so this is at-most-once
 * across a crash of the service. Back-pressure is by not reading: the socket is paused while its lines are
 * being journaled, and while the backlog is full. A line that is not a JSON object is quarantined.
 */
export async function startTcpJsonLines(at: { host: string; port: number }, ctx: IngestContext, log: { error: (m: string) => void }): Promise<TcpListener> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    const source = { protocol: 'tcp', client: socket.remoteAddress ?? 'unknown' };
    let carry = '';
    let queue: Promise<void> = Promise.resolve();
    const flush = async (docs: Prepared[]) => {
      for (;;) {
        const r = await accept(ctx, docs, source);
        if (!isRefusal(r)) return;
        if (socket.destroyed) return;
        // Nothing to answer over TCP: hold the socket and retry the same lines.
        await new Promise((done) => setTimeout(done, (r.retryAfter ?? 1) * 1000));
      }
    };
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      const text = carry + chunk;
      const end = text.lastIndexOf('\n');
      carry = end < 0 ? text : text.slice(end + 1);
      if (carry.length > ctx.limits.maxBytes) {
        log.error(`tcp ${socket.remoteAddress}: a line is over ${ctx.limits.maxBytes} bytes; connection closed`);
        socket.destroy();
        return;
      }
      if (end < 0) return;
      const docs = text.slice(0, end).split('\n').map((l) => l.trim()).filter((l) => l !== '').map((l) => prepareText(l, 'tcp'));
      if (docs.length === 0) return;
      socket.pause();
      queue = queue.then(() => flush(docs)).then(() => {
        socket.resume();
      });
    });
    socket.on('end', () => {
      const last = carry.trim();
      if (last !== '') queue = queue.then(() => flush([prepareText(last, 'tcp')]));
      void queue.then(() => socket.end());
    });
  });
  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(at.port, at.host, () => done());
  });
  const a = server.address() as AddressInfo;
  return {
    address: { host: a.address, port: a.port },
    close: () =>
      new Promise<void>((done) => {
        server.close(() => done());
        for (const s of sockets) s.end();
        setTimeout(() => {
          for (const s of sockets) s.destroy();
        }, 2000).unref();
      }),
  };
}
