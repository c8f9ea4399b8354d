/**
 * Where wasyncio reports (Python's `logging.getLogger("asyncio")`). Replace the methods to route
 * reports elsewhere: `asyncio.logger.error = (...args) => myLog(args)`.
 * @module
 */
export interface Logger {
  error(message: string, ...details: unknown[]): void;
  warn(message: string, ...details: unknown[]): void;
  debug(message: string, ...details: unknown[]): void;
}

export const logger: Logger = {
  error: (message, ...details) => console.error(message, ...details),
  warn: (message, ...details) => console.warn(message, ...details),
  debug: (message, ...details) => console.debug(message, ...details),
};
