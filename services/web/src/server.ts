import { configFromEnvOrExit, runService } from '@mercato/kit';
import { buildApp } from './app.ts';
import { configSchema } from './config.ts';

const config = configFromEnvOrExit(configSchema);
const app = await buildApp(config);
await runService(app, { host: config.HOST, port: config.PORT });
