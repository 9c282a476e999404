import type { TimedEvent } from './history.js';

/**
 * Splits time-ordered events into sessions: a gap longer than `gapMs` starts a new one, and so does
 * a change of the client's session_id when both events carry one.
 */
export function splitSessions<E extends Pick<TimedEvent, 'at' | 'event'>>(events: readonly E[], gapMs: number): E[][] {
  const sessions: E[][] = [];
  let current: E[] = [];
  for (const e of events) {
    const last = current[current.length - 1];
    const newSession =
      last !== undefined &&
      (e.at - last.at > gapMs || (e.event.session_id !== undefined && last.event.session_id !== undefined && e.event.session_id !== last.event.session_id));
    if (newSession) {
      sessions.push(current);
      current = [];
    }
    current.push(e);
  }
  if (current.length > 0) sessions.push(current);
  return sessions;
}
