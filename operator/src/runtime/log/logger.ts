import pino, { type Logger } from 'pino';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export interface LoggerOptions {
  level: string;
  /** The replica (pod name): on every line, so logs of several replicas can be told apart. */
  identity: string;
  /** Human-readable lines (pino-pretty); default: when stdout is a terminal. */
  pretty?: boolean;
}

/**
 * The operator's logger: JSON lines (one object per line, for log pipelines), or colored text
 * when a person watches a terminal. Fields are controller-runtime's where it has them
 * (controller, namespace, name, reconcileID), plus run, job and decisionId.
 */
export function createLogger(options: LoggerOptions): Logger {
  const pretty = options.pretty ?? process.stdout.isTTY === true;
  return pino({
    level: options.level,
    base: { identity: options.identity },
    ...(pretty
      ? {
          transport: {
            target: 'pino-pretty',
            options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'identity' },
          },
        }
      : {}),
  });
}
