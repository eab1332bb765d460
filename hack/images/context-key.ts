// The cache key of an image build: a SHA-256 over the Dockerfile, its ignore file, every file of
// the build context the ignore file admits (path, executable bit, content) and any extra strings
// (the base image's key, the build flags). Same key, same image: hack/images/build.sh rebuilds an
// archive only when its key changes.
//
//   node hack/images/context-key.ts <context> <Dockerfile> <ignorefile> [extra...]   # prints the key
//   node hack/images/context-key.ts --list <context> <Dockerfile> <ignorefile>      # the admitted files
//
// The ignore file is read as Docker (BuildKit) and buildah read one: the moby patternmatcher rules,
// re-implemented here so that a warm `make images` needs neither tool to find out nothing changed.
import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import path from 'node:path';

interface Pattern {
  /** The cleaned pattern, as written after the `!`. */
  text: string;
  /** `!pattern`: admits again what an earlier pattern excluded. */
  negated: boolean;
  regexp: RegExp;
}

/** Escaped because they mean something to a RegExp and nothing to filepath.Match. */
const regexpSpecial = new Set(['.', '+', '(', ')', '|', '{', '}', '$', '^']);

/** moby/patternmatcher's Pattern.compile: `**` any number of folders, `*` and `?` within one. */
function compile(text: string): RegExp {
  let source = '^';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '*') {
      if (text[i + 1] === '*') {
        i++;
        if (text[i + 1] === '/') i++; // `**/` is `**`
        source += i + 1 >= text.length ? '.*' : '(.*/)?';
      } else {
        source += '[^/]*';
      }
    } else if (ch === '?') {
      source += '[^/]';
    } else if (ch === '\\') {
      i++;
      source += i < text.length ? `\\${text[i]}` : '\\\\';
    } else if (regexpSpecial.has(ch)) {
      source += `\\${ch}`;
    } else {
      source += ch; // `[...]` classes pass through, as in patternmatcher
    }
  }
  return new RegExp(`${source}$`, 's');
}

/** dockerignore.ReadAll: comments and blank lines dropped, each pattern cleaned, no leading `/`. */
export function parseIgnore(content: string): Pattern[] {
  const patterns: Pattern[] = [];
  for (const raw of content.split('\n')) {
    let line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const negated = line.startsWith('!');
    if (negated) line = line.slice(1).trim();
    let text = path.posix.normalize(line);
    if (text.length > 1 && text.startsWith('/')) text = text.slice(1);
    if (text.endsWith('/') && text.length > 1) text = text.slice(0, -1);
    patterns.push({ text, negated, regexp: compile(text) });
  }
  return patterns;
}

/** patternmatcher.MatchesOrParentMatches: the last pattern matching the path or a parent wins. */
export function excluded(patterns: Pattern[], file: string): boolean {
  const parts = file.split('/');
  const parents = parts.slice(0, -1).map((_, i) => parts.slice(0, i + 1).join('/'));
  let matched = false;
  for (const pattern of patterns) {
    // An exclusion cannot change an excluded path, nor a negation an admitted one.
    if (pattern.negated !== matched) continue;
    if (pattern.regexp.test(file) || parents.some((parent) => pattern.regexp.test(parent))) {
      matched = !pattern.negated;
    }
  }
  return matched;
}

/**
 * Whether a negation could admit something under an excluded folder: only then is it walked
 * (node_modules and .git are not). Conservative: a pattern with a wildcard before the folder's
 * depth counts as one that could.
 */
function mayAdmitUnder(patterns: Pattern[], dir: string): boolean {
  const prefix = `${dir}/`;
  return patterns.some((pattern) => {
    if (!pattern.negated) return false;
    const literal = pattern.text.split(/[*?[\\]/)[0]!;
    return literal.startsWith(prefix) || prefix.startsWith(literal);
  });
}

/** The context's files the ignore file admits, sorted, as slash-separated relative paths. */
export function admittedFiles(context: string, patterns: Pattern[]): string[] {
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(path.join(context, dir), { withFileTypes: true })) {
      const rel = dir === '' ? entry.name : `${dir}/${entry.name}`;
      if (entry.isDirectory()) {
        if (!excluded(patterns, rel) || mayAdmitUnder(patterns, rel)) walk(rel);
      } else if (!excluded(patterns, rel)) {
        files.push(rel);
      }
    }
  };
  walk('');
  return files.sort();
}

export function contextKey(context: string, dockerfile: string, ignorefile: string, extra: string[]): string {
  const hash = createHash('sha256');
  const field = (value: string | Buffer): void => {
    hash.update(`${value.length}:`);
    hash.update(value);
  };
  field(readFileSync(dockerfile));
  const ignore = readFileSync(ignorefile, 'utf8');
  field(ignore);
  for (const file of admittedFiles(context, parseIgnore(ignore))) {
    const full = path.join(context, file);
    const stat = lstatSync(full);
    field(file);
    if (stat.isSymbolicLink()) {
      field(`symlink:${readlinkSync(full)}`);
    } else {
      field(stat.mode & 0o111 ? 'executable' : 'regular');
      field(createHash('sha256').update(readFileSync(full)).digest('hex'));
    }
  }
  for (const value of extra) field(value);
  return hash.digest('hex');
}

function main(argv: string[]): void {
  const list = argv[0] === '--list';
  const [context, dockerfile, ignorefile, ...extra] = list ? argv.slice(1) : argv;
  if (!context || !dockerfile || !ignorefile) {
    process.stderr.write('usage: context-key.ts [--list] <context> <Dockerfile> <ignorefile> [extra...]\n');
    process.exit(2);
  }
  if (list) {
    const files = admittedFiles(context, parseIgnore(readFileSync(ignorefile, 'utf8')));
    process.stdout.write(files.map((file) => `${file}\n`).join(''));
  } else {
    process.stdout.write(`${contextKey(context, dockerfile, ignorefile, extra)}\n`);
  }
}

if (import.meta.main) main(process.argv.slice(2));
