/**
 * JSON-lines logger: one object per line on stdout, so operators can ship logs without parsing prose.
 * Dependency-free on purpose rather than pino: the server logs per event (a connection, a refusal, a
 * restore), never per keystroke, so pino's speed buys nothing here, while its transports and child-logger
 * bindings are what this file already does in a few lines that tests can replace with a sink.
 */
export const LogLevel = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 } as const;
export type LogLevelName = keyof typeof LogLevel;
type LineLevel = Exclude<LogLevelName, 'silent'>;
type Fields = Record<string, unknown>;

export interface Logger {
  debug(msg: string, fields?: Fields): void;
  info(msg: string, fields?: Fields): void;
  warn(msg: string, fields?: Fields): void;
  error(msg: string, fields?: Fields): void;
  /** A logger that adds `fields` to every line (a line's own fields win over them). */
  child(fields: Fields): Logger;
}

/** Where a logger's lines go: every call, with the bound fields already merged in. */
export type LogSink = (level: LineLevel, msg: string, fields: Fields) => void;

export function isLogLevelName(value: string): value is LogLevelName {
  return Object.hasOwn(LogLevel, value);
}

export function createLogger(level: LogLevelName, write: (line: string) => void = (line) => process.stdout.write(line)): Logger {
  const threshold = LogLevel[level];
  return loggerOver((name, msg, fields) => {
    if (LogLevel[name] < threshold) return;
    write(`${JSON.stringify({ time: new Date().toISOString(), level: name, msg, ...fields })}\n`);
  });
}

/** A Logger that hands each line to `sink` (createLogger's JSON lines, or a test's capture). */
export function loggerOver(sink: LogSink, bound: Fields = {}): Logger {
  const at = (level: LineLevel) => (msg: string, fields?: Fields) => sink(level, msg, fields ? { ...bound, ...fields } : bound);
  return {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: (fields) => loggerOver(sink, { ...bound, ...fields }),
  };
}

export function errorFields(error: unknown): Fields {
  return error instanceof Error ? { error: error.message, stack: error.stack } : { error: String(error) };
}
