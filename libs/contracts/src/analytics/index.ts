export * from './metrics';
export * from './events';
