import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseBindAddress } from './options.ts';

export type Route = (
  request: IncomingMessage,
) => Promise<{ status: number; body: string; contentType?: string }>;

export interface RunningServer {
  port: number;
  close(): Promise<void>;
}

/** A tiny node:http server for probes and metrics: GET routes only, everything else 404. */
export async function serve(bindAddress: string, routes: Record<string, Route>): Promise<RunningServer> {
  const { host, port } = parseBindAddress(bindAddress);
  const server: Server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const path = (request.url ?? '/').split('?')[0] ?? '/';
    const route = request.method === 'GET' ? routes[path] : undefined;
    if (!route) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    route(request).then(
      (answer) =>
        response
          .writeHead(answer.status, { 'content-type': answer.contentType ?? 'text/plain' })
          .end(answer.body),
      (error: Error) => response.writeHead(500, { 'content-type': 'text/plain' }).end(`${error.message}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
