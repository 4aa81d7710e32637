/**
 * What the annotator page does as the browser comes and goes: every input counts as active
 * time (activeTime.ts); leaving with unsaved edits writes the local backup and asks first
 * (a drawing refused for good is kept in this browser instead, kept.ts, so leaving loses
 * nothing); a page hidden writes the backup; the network back, or the tab shown or focused
 * again, retries a waiting save at once (the annotator who comes back after a server restart
 * finds the edits saved, not a countdown).
 */

import type { ActiveTime } from './activeTime';
import type { AnnotationSync } from './sync';

export function bindLifecycle(sync: AnnotationSync, activeTime: ActiveTime): void {
  const touch = () => activeTime.touch(Date.now());
  for (const t of ['pointerdown', 'pointermove', 'keydown', 'wheel'] as const) {
    document.addEventListener(t, touch, { passive: true, capture: true });
  }
  window.addEventListener('beforeunload', (ev) => {
    const st = sync.state();
    if ((st.dirty && !sync.refusedAndKept) || sync.busy || st.pendingSubmit) {
      sync.writeBackup();
      ev.preventDefault();
      ev.returnValue = '';
    }
  });
  window.addEventListener('pagehide', () => sync.writeBackup());
  window.addEventListener('online', () => sync.retryNow());
  window.addEventListener('focus', () => sync.retryNow());
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') sync.retryNow();
  });
}
