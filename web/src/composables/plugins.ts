import { computed } from 'vue'
import { useAuth } from '../auth/store'
import { pluginUi, usePluginStore } from '../plugins/store'
import { useMeta } from './meta'

/**
 * The site's enabled plugins (`GET /api/v1/meta`) and what their UI manifests add for the
 * signed-in user (`GET /api/v1/plugins`): menu entries, pages, asset panels, dashboard widgets,
 * bulk actions. The server answers 404 for a disabled plugin's routes anyway.
 */
export function usePlugins() {
  const { meta, load } = useMeta()
  const store = usePluginStore()
  const { user } = useAuth()
  void load()
  if (user.value) void store.load()
  const enabled = computed(() => meta.value?.plugins ?? [])
  return {
    enabled,
    has: (id: string) => enabled.value.includes(id),
    labels: computed(() => enabled.value.includes('labels')),
    ...pluginUi(store.plugins, computed(() => user.value?.role)),
  }
}
