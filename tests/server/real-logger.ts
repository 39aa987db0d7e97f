/** The service's own logger (createLogger: its serializers and scrubbing), writing its JSON lines to memory. */
import { createLogger } from '../../src/shared/logger.ts';
import type { Logger } from '../../src/shared/logger.ts';

export function realLogger(): { logger: Logger; text: () => string; lines: () => Record<string, unknown>[] } {
  const chunks: string[] = [];
  const logger = createLogger('info', { destination: { write: (chunk: string) => void chunks.push(chunk) } });
  const text = (): string => chunks.join('');
  return {
    logger,
    text,
    lines: () =>
      text()
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}
