export * from './actor';
export * from './errors';
export * from './post.commands';
export * from './post.events';
export * from './post.rules';
export * from './post.state';
export * from './post.decider';
export * from './template';
