// A throwaway Git repository in a temporary folder, made with simple-git like benchctl's own Git work.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { simpleGit, type SimpleGit } from 'simple-git';

export interface TempRepo {
  dir: string;
  git: SimpleGit;
  /** Writes a file (folders made as needed), relative to the repository. */
  write(file: string, text: string): void;
  /** Commits everything and returns the commit id. */
  commit(message: string): Promise<string>;
  remove(): void;
}

export async function createRepo(prefix = 'benchctl-'): Promise<TempRepo> {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  const git = simpleGit(dir);
  await git.init(['--initial-branch=main']);
  await git.addConfig('user.name', 'Test Author');
  await git.addConfig('user.email', 'test@example.com');
  await git.addConfig('commit.gpgsign', 'false');
  return {
    dir,
    git,
    write(file, text) {
      mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      writeFileSync(path.join(dir, file), text);
    },
    async commit(message) {
      await git.add(['-A']);
      await git.commit(message);
      return (await git.revparse(['HEAD'])).trim();
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
