export { defaultMaxPollAgeMs, type HealthInput, type HealthReport, healthOf } from './health.js';
export { type HttpServer, type HttpServerOptions, startHttpServer } from './server.js';
