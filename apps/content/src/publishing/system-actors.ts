import type { Actor } from '../domain';

/** The content service's own workers, as the domain and the events' `actorId` name them. */
export const SCHEDULER_ACTOR: Actor = Object.freeze({ id: 'content-scheduler', role: 'system' });
export const PUBLISHER_ACTOR: Actor = Object.freeze({ id: 'content-publisher', role: 'system' });
