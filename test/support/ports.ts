import { createServer } from 'node:net';

/**
 * A port of 127.0.0.1 free at the time of asking, for a program that must be told its port
 * (rather than taking port 0 and saying which one it got).
 */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}
