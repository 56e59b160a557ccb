import { flushPromises, mount } from '@vue/test-utils'
import { vi } from 'vitest'
import { createMemoryHistory } from 'vue-router'
import App from '../App.vue'
import { createAuthStore, REFRESH_TOKEN_KEY, type Role } from '../auth/store'
import { fakeServer, jsonResponse, sampleMeta, sampleUser, tokenPair } from './fixtures'
import { createMetaStore } from '../composables/meta'
import { createPluginStore } from '../plugins/store'
import { createAppRouter } from '../router'

/**
 * Waits for pending promises and for lazily loaded route components (every screen but sign-in is
 * its own chunk), then for what they started.
 */
export async function settle() {
  for (let i = 0; i < 3; i++) {
    await flushPromises()
    await vi.dynamicImportSettled()
  }
  await flushPromises()
}

/** Mounts the whole app (auth store, guarded router, meta store) at `path`. */
export async function mountApp(path: string) {
  const auth = createAuthStore()
  const router = createAppRouter(auth, createMemoryHistory())
  await router.push(path)
  const wrapper = mount(App, { global: { plugins: [auth, router, createMetaStore(), createPluginStore()] } })
  await settle()
  return { wrapper, router, auth }
}

/** A fake server with a stored session for a user with `role`, restored when the app loads. */
export function signedInAs(role: Role = 'editor') {
  localStorage.setItem(REFRESH_TOKEN_KEY, 'stored-refresh')
  return fakeServer()
    .on('GET /api/v1/meta', jsonResponse(sampleMeta))
    .on('POST /api/v1/auth/refresh', jsonResponse(tokenPair({ user: { ...sampleUser, role } })))
}
