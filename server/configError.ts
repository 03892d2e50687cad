/** A configuration value that cannot be used; the message names the variable. Startup exits with code 2. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}
