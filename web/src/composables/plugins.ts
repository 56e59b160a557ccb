import { computed, type ComputedRef } from 'vue'
import { useMeta } from './meta'

/**
 * Which plugins the site enabled, from `GET /api/v1/meta` (`plugins`). Screens show plugin
 * features (labels, …) only when their plugin is on; the server answers 404 otherwise.
 */
export function usePlugins(): { enabled: ComputedRef<string[]>; has: (id: string) => boolean; labels: ComputedRef<boolean> } {
  const { meta, load } = useMeta()
  void load()
  const enabled = computed(() => meta.value?.plugins ?? [])
  return {
    enabled,
    has: (id) => enabled.value.includes(id),
    labels: computed(() => enabled.value.includes('labels')),
  }
}
