export * from './auth.ts';
export * from './infra.ts';
