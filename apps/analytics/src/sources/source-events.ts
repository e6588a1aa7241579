import type { ServiceName } from '@lib/contracts';
import { SOURCE_RULE_TABLES } from '../rules';

/** The services analytics consumes: those it has rules for, so a new rule table is a new subscription. */
export const SOURCE_SERVICES: readonly ServiceName[] = SOURCE_RULE_TABLES.map((table) => table.service);

/** The one durable consumer of every source stream (one per source stream, under this name). */
export const SOURCES_DURABLE = 'analytics-sources';
