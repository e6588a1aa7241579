export * from './envelope';
export * from './subjects';
export * from './source-events';
export * from './instants';
export * from './content';
export * from './analytics';
export * from './assets';
