// The QA scripting library: import everything from here.
export * from './token.mjs';
export * from './events.mjs';
export * from './client.mjs';
export * from './api.mjs';
export * from './process.mjs';
export * from './conformance.mjs';
export * from './toasts.mjs';
export * from './orders.mjs';
export * from './flow.mjs';
export * from './recovery.mjs';
export * from './cluster.mjs';
