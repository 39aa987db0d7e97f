export { createApp } from './create-app.ts';
export type { AppDeps } from './create-app.ts';
