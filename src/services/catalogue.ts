/** The catalogue HR and admins edit: roles, the metric catalogue and the business calendar. */
import type { Db } from '../db/types.js';
import {
  listMetrics,
  listRoles,
  type MetricRow,
  type RoleRow,
  upsertMetric,
  upsertRole,
} from '../history/catalogue-store.js';
import { type CalendarEvent, deleteEvent, listEvents, upsertEvent } from '../kpi/calendar.js';

export interface CatalogueService {
  roles(): Promise<RoleRow[]>;
  saveRole(r: RoleRow): Promise<RoleRow>;
  metrics(): Promise<MetricRow[]>;
  saveMetric(m: MetricRow): Promise<MetricRow>;
  /** Events overlapping [from, to] (inclusive dates); all when unbounded. */
  events(range: { from?: string | undefined; to?: string | undefined }): Promise<CalendarEvent[]>;
  saveEvent(e: CalendarEvent): Promise<CalendarEvent>;
  /** @throws NotFoundError */
  deleteEvent(id: string): Promise<void>;
}

export function createCatalogueService({ db }: { db: Db }): CatalogueService {
  return {
    roles: () => listRoles(db),
    saveRole: (r) => upsertRole(db, r),
    metrics: () => listMetrics(db),
    saveMetric: (m) => upsertMetric(db, m),
    events: (range) => listEvents(db, range),
    saveEvent: (e) => upsertEvent(db, e),
    deleteEvent: (id) => deleteEvent(db, id),
  };
}
