export {
  type BuildServiceOptions,
  buildService,
  type ConsumeOptions,
  type DatabaseOptions,
  type RedisSetting,
  type ServiceConfig,
  type ServiceContext,
} from './build-service.ts';
