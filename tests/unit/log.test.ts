import { describe, expect, it } from 'vitest';
import { createLogger } from '../../server/log.js';

function captured(level: Parameters<typeof createLogger>[0] = 'debug') {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger(level, (line) => void lines.push(JSON.parse(line) as Record<string, unknown>));
  return { logger, lines };
}

describe('logger', () => {
  it('writes one JSON object per line with the level, message and fields', () => {
    const { logger, lines } = captured();
    logger.info('listening', { url: 'http://x' });
    expect(lines).toEqual([{ time: expect.any(String), level: 'info', msg: 'listening', url: 'http://x' }]);
  });

  it('a child adds its fields to every line, nests, and lets a line’s own field win', () => {
    const { logger, lines } = captured();
    const doc = logger.child({ doc: 'notes' });
    const user = doc.child({ user: 'ada' });
    doc.warn('slow');
    user.info('restored', { seq: 3 });
    user.error('overridden', { doc: 'other' });
    logger.info('parent');
    expect(lines.map(({ time: _, ...rest }) => rest)).toEqual([
      { level: 'warn', msg: 'slow', doc: 'notes' },
      { level: 'info', msg: 'restored', doc: 'notes', user: 'ada', seq: 3 },
      { level: 'error', msg: 'overridden', doc: 'other', user: 'ada' },
      { level: 'info', msg: 'parent' },
    ]);
  });

  it('a child keeps its parent’s level', () => {
    const { logger, lines } = captured('warn');
    logger.child({ doc: 'notes' }).info('dropped');
    expect(lines).toEqual([]);
  });
});
