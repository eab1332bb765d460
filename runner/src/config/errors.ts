/**
 * A benchmark or configuration the runner cannot work with (bad arguments, environment or
 * dataset): the contract's exit code 2, because running again cannot help. Messages name what is
 * wrong and where, never a secret's value.
 */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}
