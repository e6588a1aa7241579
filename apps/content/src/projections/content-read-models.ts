import type { Projection } from '@lib/event-store';
import { postSummariesProjection } from './post-summaries.projection';
import { templatesProjection } from './templates.projection';

/**
 * The content service's read models: disposable, rebuilt from the events at will. The
 * publishing process manager (publicationJobsProjection) is not one of them and runs in a
 * ProjectionRunner of its own, so a rebuild of "everything" cannot reach it.
 */
export const contentReadModels: readonly Projection[] = [postSummariesProjection, templatesProjection];
