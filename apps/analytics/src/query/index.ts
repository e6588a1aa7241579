export * from './query.types';
export { TimeseriesQueries } from './timeseries-queries';
