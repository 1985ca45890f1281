import type { ApiRoute } from './api-route.js';

/** The story endpoints (`GET /api/alerts/{id}/story`): being built. */
export const STORY_ROUTES: readonly ApiRoute[] = [];
