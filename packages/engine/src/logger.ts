/** The slice of a pino-style logger the engine writes to. */
export interface EngineLogger {
  info(details: object, message: string): void;
  warn(details: object, message: string): void;
  error(details: object, message: string): void;
}

export const silentLogger: EngineLogger = { info() {}, warn() {}, error() {} };
