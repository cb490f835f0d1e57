// Order of the alert queue: open alerts first, then by severity (critical
// first), then by age (oldest first, the one waiting longest on top).

import type { Alert, Severity } from './types';
import { isOpen } from './state';

export const SEVERITY_RANK: Record<Severity, number> = { critical: 0, high: 1, medium: 2, low: 3, info: 4 };

export function compareAlerts(a: Alert, b: Alert): number {
  const oa = isOpen(a) ? 0 : 1;
  const ob = isOpen(b) ? 0 : 1;
  if (oa !== ob) return oa - ob;
  const sa = SEVERITY_RANK[a.severity] ?? 9;
  const sb = SEVERITY_RANK[b.severity] ?? 9;
  if (sa !== sb) return sa - sb;
  const ta = Date.parse(a.raised);
  const tb = Date.parse(b.raised);
  if (ta !== tb) return ta - tb;
  return a.id - b.id;
}

export function sortQueue(alerts: Iterable<Alert>): Alert[] {
  return [...alerts].sort(compareAlerts);
}
