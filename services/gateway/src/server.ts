import { configFromEnvOrExit, runService } from '@mercato/kit';
import { buildApp } from './app.ts';
import { gatewayConfigSchema } from './config.ts';

const config = configFromEnvOrExit(gatewayConfigSchema);
const app = await buildApp(config);
await runService(app, { host: config.HOST, port: config.PORT });
