/** The frozen answers of a closed period's snapshot (the columns of `period_snapshots`, migration 012). */
export const SNAPSHOT_PARTS = ['kpi_inputs', 'targets', 'ratings', 'weight_profile'] as const;
export type SnapshotPart = (typeof SNAPSHOT_PARTS)[number];
