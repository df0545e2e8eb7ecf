export * from './auth.ts';
export * from './events.ts';
export * from './infra.ts';
