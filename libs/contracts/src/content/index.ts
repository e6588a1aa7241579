export * from './platforms';
export * from './post-events';
export * from './template-events';
export * from './schema-versions';
export * from './upcasters';
