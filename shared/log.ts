import { LOG_LEVELS } from './settings';

/** The logging surface the domain uses; the Functions adapter backs it with InvocationContext. */
export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** Where log lines go: the console (which the Functions host collects) or a test's capture. */
export type LogSink = Logger;

/** Filters by LOG_LEVEL before the sink, so DEBUG detail costs nothing when it is off. */
export function createLogger(minLevel: number, sink: LogSink = console): Logger {
  return {
    debug: (m) => minLevel <= LOG_LEVELS.DEBUG && sink.debug(m),
    info: (m) => minLevel <= LOG_LEVELS.INFO && sink.info(m),
    warn: (m) => minLevel <= LOG_LEVELS.WARNING && sink.warn(m),
    error: (m) => minLevel <= LOG_LEVELS.ERROR && sink.error(m),
  };
}
