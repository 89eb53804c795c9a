/**
 * Backups through the running service (issue 16): on PGlite a consistent copy of the data directory
 * (src/db/backup.ts), audited (`backup.create`, with its size, SHA-256 and table counts); on
 * PostgreSQL a ConflictError naming pg_dump (README "Backups").
 */
import { recordAudit } from '../audit/store.js';
import { type Backup, backupDb } from '../db/backup.js';
import type { Db } from '../db/types.js';

export interface BackupService {
  /** A consistent copy of the PGlite database while it runs; 409 (conflict) on PostgreSQL. */
  create(actor: string | null): Promise<Backup & { filename: string }>;
}

export function createBackupService({ db }: { db: Db }): BackupService {
  return {
    async create(actor) {
      const b = await backupDb(db);
      const filename = `kpi-backup-${new Date().toISOString().replace(/[:.]/g, '-')}.tar.gz`;
      await recordAudit(db, {
        actor,
        action: 'backup.create',
        subject: { type: 'backup', id: filename },
        detail: { bytes: b.bytes, sha256: b.sha256, counts: b.counts },
      });
      return { ...b, filename };
    },
  };
}
