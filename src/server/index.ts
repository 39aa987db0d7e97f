export { createApp } from './create-app.ts';
export type { AppDeps } from './create-app.ts';
export { HTTP_TIMEOUTS, closeHttpServer, createHttpServer } from './http-server.ts';
export type { HttpServerTimeouts } from './http-server.ts';
