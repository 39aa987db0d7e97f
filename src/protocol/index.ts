export { handleOrderHook } from './handle-order-hook.ts';
export type { HookDeps, HookOutcome } from './handle-order-hook.ts';
export { loadServiceDefinitions, toDiscovery, SUPPORTED_HOOKS } from './service-definitions.ts';
export type { ServiceDefinition, ServicesResult } from './service-definitions.ts';
export { parseOrderHookRequest } from './parse-order-hook-request.ts';
export type * from './types.ts';
