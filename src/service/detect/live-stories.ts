import type { StorySource } from '../api/api-route.js';
import type { Journal } from '../journal/journal.js';

export interface LiveStoryOptions {
  readonly contextCapacity: number;
}

/** Stories of stored alerts, from the journal's events: being built (refuses until then). */
export function liveStories(_journal: Journal, _options: LiveStoryOptions): StorySource {
  return {
    story: () => Promise.reject(new Error('alert stories are not built yet')),
  };
}
