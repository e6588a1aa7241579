export * from './postgres';
export * from './ports';
export * from './nats-server';
export * from './eventually';
export * from './decider-spec';
export * from './postgres-server';
export * from './http-test-app';
export * from './service-process';
