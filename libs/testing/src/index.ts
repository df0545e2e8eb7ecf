export * from './auth.ts';
export * from './events.ts';
export * from './infra.ts';
export { pdfText } from './pdf.ts';
export { freeTcpPort, onProcessExit } from './private-common.ts';
export * from './private-postgres.ts';
export * from './private-rabbitmq.ts';
export * from './private-redis.ts';
export { type ReceivedMail, type SinkMode, type SmtpSink, startSmtpSink } from './smtp-sink.ts';
