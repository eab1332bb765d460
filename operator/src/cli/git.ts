// The Git work of benchctl, through simple-git (the git CLI underneath): read manifests at a
// revision, follow a file's history, commit a change to a working copy.
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { simpleGit, type SimpleGit } from 'simple-git';
import { failureError } from './errors.ts';
import { parseManifests, type Manifest, type ParseProblem } from './manifests.ts';

export interface Commit {
  sha: string;
  date: string;
  author: string;
  subject: string;
}

const MANIFEST_FILE = /\.(ya?ml|json)$/;

/** A Git working copy; paths given to it are relative to its top folder. */
export class Repo {
  readonly root: string;
  readonly git: SimpleGit;

  private constructor(root: string) {
    this.root = root;
    this.git = simpleGit(root);
  }

  /** The repository `dir` is in; a failure when it is in none. */
  static async open(dir: string): Promise<Repo> {
    let root: string;
    try {
      root = (await simpleGit(dir).revparse(['--show-toplevel'])).trim();
    } catch {
      throw failureError(`${dir} is not in a Git working copy`);
    }
    return new Repo(root);
  }

  /** The repository holding a path the user gave (a file, or a folder). */
  static containing(userPath: string): Promise<Repo> {
    const folder =
      existsSync(userPath) && statSync(userPath).isDirectory() ? userPath : path.dirname(userPath);
    return Repo.open(folder);
  }

  /** Whether a file differs from HEAD in the working copy or the index. */
  async hasChanges(file: string): Promise<boolean> {
    return (await this.git.raw(['status', '--porcelain', '--', file])).trim() !== '';
  }

  /** A path the user gave (relative to the current folder) as Git names it. */
  relative(userPath: string): string {
    const relative = path.relative(this.root, path.resolve(userPath));
    if (relative.startsWith('..'))
      throw failureError(`${userPath} is outside the Git working copy ${this.root}`);
    return relative === '' ? '.' : relative.split(path.sep).join('/');
  }

  /** The full commit id of a revision; a failure when Git does not know it. */
  async resolve(rev: string): Promise<string> {
    const sha = await this.git.revparse(['--verify', '--quiet', `${rev}^{commit}`]).catch(() => '');
    if (sha.trim() === '') throw failureError(`unknown revision ${rev}`);
    return sha.trim();
  }

  /** Manifest files at a revision under a path. */
  async filesAt(rev: string, under: string): Promise<string[]> {
    const out = await this.git.raw(['ls-tree', '-r', '--name-only', rev, '--', under]);
    return out.split('\n').filter((f) => MANIFEST_FILE.test(f));
  }

  /** Manifest files tracked in the working copy under a path. */
  async trackedFiles(under: string): Promise<string[]> {
    const out = await this.git.raw(['ls-files', '--', under]);
    return out.split('\n').filter((f) => MANIFEST_FILE.test(f));
  }

  async show(rev: string, file: string): Promise<string> {
    return this.git.show([`${rev}:${file}`]);
  }

  /** Every manifest under a path at a revision. */
  async manifestsAt(
    rev: string,
    under: string,
  ): Promise<{ manifests: Manifest[]; problems: ParseProblem[] }> {
    const files = await this.filesAt(rev, under);
    const parsed = await Promise.all(
      files.map(async (file) => parseManifests(file, await this.show(rev, file))),
    );
    return { manifests: parsed.flatMap((p) => p.manifests), problems: parsed.flatMap((p) => p.problems) };
  }

  /** The commits that changed a file, newest first, across renames. */
  async history(file: string): Promise<Commit[]> {
    const log = await this.git.log(['--follow', '--', file]);
    return log.all.map((c) => ({ sha: c.hash, date: c.date, author: c.author_name, subject: c.message }));
  }

  /**
   * The commit that last changed a file as of a revision (which may be a later commit that did not
   * touch it); undefined when the revision is not in this repository.
   */
  async lastChangeAsOf(rev: string, file: string): Promise<string | undefined> {
    try {
      const out = await this.git.raw(['log', '--follow', '-1', '--format=%H', rev, '--', file]);
      return out.trim() || undefined;
    } catch {
      return undefined;
    }
  }

  /** Commits one file (and nothing else staged) and returns the new commit's id. */
  async commitFile(file: string, message: string): Promise<string> {
    await this.git.add([file]);
    await this.git.commit(message, [file]);
    return (await this.git.revparse(['HEAD'])).trim();
  }

  async currentBranch(): Promise<string> {
    return (await this.git.revparse(['--abbrev-ref', 'HEAD'])).trim();
  }
}
