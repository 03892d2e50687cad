/** JSON-lines logger: one object per line on stdout, so operators can ship logs without parsing prose. */
export const LogLevel = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 } as const;
export type LogLevelName = keyof typeof LogLevel;

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

export function isLogLevelName(value: string): value is LogLevelName {
  return Object.hasOwn(LogLevel, value);
}

export function createLogger(level: LogLevelName, write: (line: string) => void = (line) => process.stdout.write(line)): Logger {
  const threshold = LogLevel[level];
  const emit = (name: Exclude<LogLevelName, 'silent'>, msg: string, fields?: Record<string, unknown>): void => {
    if (LogLevel[name] < threshold) return;
    write(`${JSON.stringify({ time: new Date().toISOString(), level: name, msg, ...fields })}\n`);
  };
  return {
    debug: (msg, fields) => emit('debug', msg, fields),
    info: (msg, fields) => emit('info', msg, fields),
    warn: (msg, fields) => emit('warn', msg, fields),
    error: (msg, fields) => emit('error', msg, fields),
  };
}

export function errorFields(error: unknown): Record<string, unknown> {
  return error instanceof Error ? { error: error.message, stack: error.stack } : { error: String(error) };
}
