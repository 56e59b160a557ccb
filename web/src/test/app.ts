import { flushPromises, mount } from '@vue/test-utils'
import { createMemoryHistory } from 'vue-router'
import App from '../App.vue'
import { createAuthStore } from '../auth/store'
import { createMetaStore } from '../composables/meta'
import { createAppRouter } from '../router'

/** Mounts the whole app (auth store, guarded router, meta store) at `path`. */
export async function mountApp(path: string) {
  const auth = createAuthStore()
  const router = createAppRouter(auth, createMemoryHistory())
  await router.push(path)
  const wrapper = mount(App, { global: { plugins: [auth, router, createMetaStore()] } })
  await flushPromises()
  return { wrapper, router, auth }
}
