export * from './actor';
export * from './errors';
export * from './events';
export * from './rules';
export * from './asset-ids';
export * from './workspace-asset';
export * from './library-item';
export * from './collection';
