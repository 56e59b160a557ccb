import { flushPromises, mount } from '@vue/test-utils'
import { vi } from 'vitest'
import { createMemoryHistory } from 'vue-router'
import App from '../App.vue'
import { createAuthStore } from '../auth/store'
import { createMetaStore } from '../composables/meta'
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
  const wrapper = mount(App, { global: { plugins: [auth, router, createMetaStore()] } })
  await settle()
  return { wrapper, router, auth }
}
