import { runService } from '@mercato/kit';
import { buildApp } from './app.ts';
import { configFromEnvOrExitOnError } from './config.ts';

const config = configFromEnvOrExitOnError();
const app = await buildApp(config);
await runService(app, { host: config.HOST, port: config.PORT });
