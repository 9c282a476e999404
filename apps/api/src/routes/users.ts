import type { UserPreferences } from '@recsys/core';
import type { App, RouteDependencies } from '../app-types.js';
import { ApiError } from '../errors/api-error.js';
import { errors } from '../schemas/common.js';
import { ErasureReport, Preferences, PreferencesInput, UserExport, UserParams } from '../schemas/user.js';

export function userRoutes(app: App, { engine }: RouteDependencies): void {
  app.put(
    '/v1/users/:user_id/preferences',
    {
      schema: {
        tags: ['users'],
        summary: 'Set onboarding preferences and settings (replaces the previous ones)',
        params: UserParams,
        body: PreferencesInput,
        response: { 200: Preferences, ...errors(400) },
      },
    },
    async (request) => {
      const body = request.body;
      const preferences: UserPreferences = {
        ...body,
        genres: body.genres ?? [],
        languages: body.languages ?? [],
        content_types: body.content_types ?? [],
        liked_item_ids: body.liked_item_ids ?? [],
        disliked_item_ids: body.disliked_item_ids ?? [],
        friends: body.friends ?? [],
        updated_at: new Date().toISOString(),
      };
      await engine.setPreferences(request.params.user_id, preferences);
      return preferences;
    },
  );

  app.get(
    '/v1/users/:user_id/preferences',
    {
      schema: {
        tags: ['users'],
        summary: 'Read the stored preferences',
        params: UserParams,
        response: { 200: Preferences, ...errors(404) },
      },
    },
    async (request) => {
      const preferences = await engine.getPreferences(request.params.user_id);
      if (!preferences) throw new ApiError('USER_NOT_FOUND', `no preferences stored for user ${request.params.user_id}`);
      return preferences;
    },
  );

  app.delete(
    '/v1/users/:user_id',
    {
      schema: {
        tags: ['users'],
        summary: 'Erase everything stored about the user (GDPR); safe to retry',
        params: UserParams,
        response: { 200: ErasureReport },
      },
    },
    async (request) => engine.eraseUser(request.params.user_id),
  );

  app.get(
    '/v1/users/:user_id/export',
    {
      schema: {
        tags: ['users'],
        summary: 'Everything stored about the user: preferences, events and derived interactions',
        params: UserParams,
        response: { 200: UserExport, ...errors(404) },
      },
    },
    async (request) => {
      const data = await engine.exportUser(request.params.user_id);
      if (!data) throw new ApiError('USER_NOT_FOUND', `nothing is stored about user ${request.params.user_id}`);
      return data;
    },
  );
}
