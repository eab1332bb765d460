// A group of optional features' settings, given as flags `--<prefix>-<name>` or as keys of a
// ConfigMap in the operator's namespace named by `--<prefix>-config` (flags win over it). The audit
// trail (`--audit-*`) and the GitOps integrations (`--gitops-*`) are each one group.
import { parseArgs } from 'node:util';

export interface FlagGroup<S extends object> {
  /** `audit` for `--audit-*`. */
  prefix: string;
  /** What the group is called in messages ("audit"). */
  what: string;
  /** Each setting's flag (without `--`) and its ConfigMap key. */
  settings: ReadonlyArray<{ flag: string; key: keyof S & string }>;
  /** ConfigMap keys that have no flag (e.g. an inline CA bundle). */
  configMapOnly?: ReadonlyArray<keyof S & string>;
}

export interface GroupFlags<S> {
  settings: S;
  /** A ConfigMap in the operator's namespace with settings; flags win over it. */
  configMap?: string;
}

/** Splits the command line into the group's flags and the rest. */
export function splitGroupArgs(argv: string[], prefix: string): { group: string[]; rest: string[] } {
  const group: string[] = [];
  const rest: string[] = [];
  const start = `--${prefix}-`;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith(start)) {
      rest.push(arg);
      continue;
    }
    group.push(arg);
    // `--x-y value` as well as `--x-y=value`.
    if (!arg.includes('=') && i + 1 < argv.length && !argv[i + 1]!.startsWith('--')) group.push(argv[++i]!);
  }
  return { group, rest };
}

/** The group's flags; an unknown `--<prefix>-` flag is an error. */
export function parseGroupArgs<S extends object>(group: FlagGroup<S>, args: string[]): GroupFlags<S> {
  const configFlag = `${group.prefix}-config`;
  const { values } = parseArgs({
    args,
    strict: true,
    options: Object.fromEntries(
      [...group.settings.map((s) => s.flag), configFlag].map((flag) => [flag, { type: 'string' as const }]),
    ),
  });
  const settings: Record<string, string> = {};
  for (const { flag, key } of group.settings) {
    const value = values[flag];
    if (typeof value === 'string') settings[key] = value;
  }
  const configMap = values[configFlag];
  return typeof configMap === 'string'
    ? { settings: settings as S, configMap }
    : { settings: settings as S };
}

/** Settings from a ConfigMap's data; an unknown key is an error (a typo would switch a setting off). */
export function groupSettingsFromConfigMap<S extends object>(
  group: FlagGroup<S>,
  name: string,
  data: Record<string, string> | undefined,
): S {
  const known = new Set<string>([...group.settings.map((s) => s.key), ...(group.configMapOnly ?? [])]);
  const settings: Record<string, string> = {};
  for (const [key, value] of Object.entries(data ?? {})) {
    if (!known.has(key))
      throw new Error(
        `ConfigMap ${name}: unknown ${group.what} setting "${key}" (known: ${[...known].join(', ')})`,
      );
    settings[key] = value.trim();
  }
  return settings as S;
}
