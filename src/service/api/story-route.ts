import { DEFAULT_STORY_BOUNDS } from '../../engine/story/story.js';
import { StoriesBusy } from '../detect/live-stories.js';
import { RequestError } from '../http/read-body.js';
import { sendJson } from '../http/reply.js';
import type { StoredAlert } from '../store/alert-store.js';
import type { AlertStoreApi } from '../store/alert-store-api.js';
import type { ApiCall, ApiRoute } from './api-route.js';
import { ALERT_ID } from './triage-routes.js';

/** Stored alerts of the host read for a story's timeline, at most (pages of 1,000, newest first). */
export const TIMELINE_ALERTS = 2_000;

/** The host's stored alerts within the timeline's window of the alert's event time. */
async function around(store: AlertStoreApi, alert: StoredAlert): Promise<StoredAlert[]> {
  const at = alert.eventTime ?? alert.created;
  const w = DEFAULT_STORY_BOUNDS.timelineWindowMs;
  const out: StoredAlert[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.list({ host: alert.host, from: at - w, to: at + w, limit: 1000, ...(cursor !== undefined ? { cursor } : {}) });
    out.push(...page.alerts);
    cursor = page.next ?? undefined;
  } while (cursor !== undefined && out.length < TIMELINE_ALERTS);
  return out;
}

/** `GET /api/alerts/{id}/story`: the alert's story, as the HTML report draws it (see liveStories). */
async function alertStory({ params, res, ctx }: ApiCall): Promise<void> {
  const id = params[0] as string;
  const alert = await ctx.store.get(id);
  if (alert === undefined) throw new RequestError(404, `no alert with id ${id}`);
  let story;
  try {
    story = await ctx.stories.story(alert, await around(ctx.store, alert));
  } catch (e) {
    if (e instanceof StoriesBusy) throw new RequestError(503, e.message);
    throw e;
  }
  if (story === undefined) throw new RequestError(410, `the events of alert ${id} are not in this instance's journal (pruned by retention, or journaled by the instance that detected it, with --bus): its story cannot be built here; the alert itself is still at /api/alerts/${id}`);
  sendJson(res, 200, { id, story });
}

/** The story endpoint. */
export const STORY_ROUTES: readonly ApiRoute[] = [{ method: 'GET', path: new RegExp(`^/api/alerts/${ALERT_ID}/story$`), name: '/api/alerts/{id}/story', scope: 'read', handle: alertStory }];
