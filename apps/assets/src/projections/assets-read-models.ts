import type { Projection } from '@lib/event-store';
import { libraryViewsProjection } from './library-views.projection';
import { stagingProjection } from './staging.projection';

/** The assets service's read models: disposable, rebuilt from the events at will. */
export const assetsReadModels: readonly Projection[] = [stagingProjection, libraryViewsProjection];
