/** Every migration, oldest first. Add new ones at the end with the next version number. */
import { migration0001 } from './0001-initial.ts';
import { migration0002 } from './0002-audit-without-foreign-keys.ts';
import { migration0003 } from './0003-rule-change-ids.ts';
import { migration0004 } from './0004-feedback-reasons-from-rules.ts';
import { migration0005 } from './0005-feedback-comment-keys.ts';
import { migration0006 } from './0006-invocation-client-tenant.ts';
import { migration0007 } from './0007-one-snooze-per-card.ts';
import { migration0008 } from './0008-undelivered-invocations.ts';
import { migration0009 } from './0009-last-good-rules.ts';
import { migration0010 } from './0010-rule-change-acknowledgements.ts';
import type { Migration } from './types.ts';

export type { Migration } from './types.ts';

export const MIGRATIONS: readonly Migration[] = [migration0001, migration0002, migration0003, migration0004, migration0005, migration0006, migration0007, migration0008, migration0009, migration0010];
