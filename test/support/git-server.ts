// A Git server on loopback for the GitOps tests: Git's own smart HTTP server, `git http-backend`
// (Debian's git package), run as a CGI program by a small Node HTTP server. Clients (Flux's
// source-controller, git, benchctl through simple-git) fetch and push over http://127.0.0.1 as
// they would from a hosted repository.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { simpleGit } from 'simple-git';

export interface GitServer {
  /** The repository's URL, http://127.0.0.1:<port>/<name>.git. */
  url: string;
  /** The bare repository on disk, for assertions on what was pushed. */
  dir: string;
  close(): Promise<void>;
}

/** Where `git --exec-path` keeps http-backend. */
async function httpBackend(): Promise<string> {
  const execPath = (await simpleGit().raw(['--exec-path'])).trim();
  return path.join(execPath, 'git-http-backend');
}

/**
 * Runs one request through git http-backend (CGI/1.1: the request in environment variables and
 * on stdin, the response as CGI headers and body on stdout).
 */
function serveCgi(
  backend: string,
  projectRoot: string,
  request: IncomingMessage,
  response: ServerResponse,
): void {
  const url = new URL(request.url ?? '/', 'http://127.0.0.1');
  const header = (name: string) => request.headers[name] as string | undefined;
  const child = spawn(backend, [], {
    env: {
      PATH: process.env.PATH,
      GIT_PROJECT_ROOT: projectRoot,
      GIT_HTTP_EXPORT_ALL: '1',
      REQUEST_METHOD: request.method ?? 'GET',
      PATH_INFO: decodeURIComponent(url.pathname),
      QUERY_STRING: url.search.slice(1),
      REMOTE_ADDR: request.socket.remoteAddress ?? '127.0.0.1',
      ...(header('content-type') ? { CONTENT_TYPE: header('content-type') } : {}),
      ...(header('content-length') ? { CONTENT_LENGTH: header('content-length') } : {}),
      // Clients gzip large fetch negotiations; protocol v2 is asked for in this header.
      ...(header('content-encoding') ? { HTTP_CONTENT_ENCODING: header('content-encoding') } : {}),
      ...(header('git-protocol') ? { GIT_PROTOCOL: header('git-protocol') } : {}),
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  request.pipe(child.stdin);
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  let head = Buffer.alloc(0);
  let headersSent = false;
  child.stdout.on('data', (chunk: Buffer) => {
    if (headersSent) {
      response.write(chunk);
      return;
    }
    head = Buffer.concat([head, chunk]);
    const end = head.indexOf('\r\n\r\n');
    if (end < 0) return;
    let status = 200;
    for (const line of head.subarray(0, end).toString('latin1').split('\r\n')) {
      const colon = line.indexOf(':');
      const name = line.slice(0, colon).trim();
      const value = line.slice(colon + 1).trim();
      if (name.toLowerCase() === 'status') status = Number.parseInt(value, 10);
      else response.setHeader(name, value);
    }
    response.writeHead(status);
    headersSent = true;
    response.write(head.subarray(end + 4));
  });
  child.on('error', (error) => {
    if (!headersSent) response.writeHead(500).end(`git http-backend: ${error.message}`);
  });
  child.on('close', (code) => {
    if (headersSent) response.end();
    else response.writeHead(500).end(`git http-backend exited ${code}: ${stderr}`);
  });
}

/**
 * A bare repository `<name>.git` with pushes allowed, served on a free port of 127.0.0.1 until
 * close(), which also deletes it.
 */
export async function startGitServer(name = 'gitops'): Promise<GitServer> {
  const root = await mkdtemp(path.join(tmpdir(), 'bench-git-'));
  const dir = path.join(root, `${name}.git`);
  await simpleGit().init(true, [dir, '--initial-branch=main']);
  // http-backend refuses pushes from unauthenticated clients unless the repository allows them.
  await simpleGit(dir).addConfig('http.receivepack', 'true');
  const backend = await httpBackend();
  const server = createServer((request, response) => serveCgi(backend, root, request, response));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/${name}.git`,
    dir,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await rm(root, { recursive: true, force: true });
    },
  };
}
