import type { ApiRoute } from './api-route.js';

/** Suppressions made from alerts: being built. */
export const SUPPRESS_ROUTES: readonly ApiRoute[] = [];
