// benchctl: the command-line companion of bench-operator (bin/benchctl runs this with Node 24).
import type { CliContext } from './context.ts';
import { createIo } from './output.ts';
import { run } from './program.ts';
import { pushWithGit } from './publish.ts';
import { openPullRequestOnGitHub } from './pull-request.ts';

const ctx: CliContext = {
  io: createIo(process.stdout, process.stderr, process.env),
  env: process.env,
  now: () => new Date(),
  publisher: {
    push: pushWithGit,
    openPullRequest: openPullRequestOnGitHub(process.env),
  },
};

const code = await run(process.argv.slice(2), ctx);
// Exit once stdout has taken everything (a pipe is written asynchronously); idle keep-alive
// connections to the API server must not keep the process around.
process.stdout.write('', () => process.exit(code));
