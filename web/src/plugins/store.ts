import { computed, inject, shallowReadonly, shallowRef, type App, type ComputedRef, type InjectionKey, type Ref } from 'vue'
import { api, type ApiClient, type ApiError, type GetResponse } from '../api/client'
import { roleAtLeast } from '../auth/roles'
import type { Role } from '../auth/store'
import { toApiError } from '../composables/async'
import { pluginComponents } from './components'

export type PluginInfo = GetResponse<'/api/v1/plugins'>['items'][number]
type Manifest = PluginInfo['ui']
export type MenuEntry = Manifest['menu'][number]
export type PluginRoute = Manifest['routes'][number]
export type AssetPanel = Manifest['asset_panels'][number]
export type DashboardWidget = Manifest['dashboard_widgets'][number]
export type BulkAction = Manifest['asset_bulk_actions'][number]

/**
 * The enabled plugins and their UI manifests (`GET /api/v1/plugins`), loaded once per session.
 * Only entries whose component this UI knows (`./components.ts`) are offered, so a newer plugin
 * never breaks an older UI; entries above the user's role are left out.
 */
export interface PluginStore {
  readonly plugins: Readonly<Ref<PluginInfo[]>>
  readonly error: Readonly<Ref<ApiError | null>>
  readonly loaded: Readonly<Ref<boolean>>
  /** Loads the manifests unless loaded; concurrent calls share one request. Never rejects. */
  load(): Promise<void>
  /** Forgets them (sign-out). */
  reset(): void
  install(app: App): void
}

export const pluginStoreKey: InjectionKey<PluginStore> = Symbol('shopdb.plugins')

export function createPluginStore(client: ApiClient = api): PluginStore {
  const plugins = shallowRef<PluginInfo[]>([])
  const error = shallowRef<ApiError | null>(null)
  const loaded = shallowRef(false)
  let pending: Promise<void> | null = null

  function load(): Promise<void> {
    if (loaded.value) return Promise.resolve()
    pending ??= client
      .get('/api/v1/plugins')
      .then(
        (list) => {
          plugins.value = list.items
          loaded.value = true
          error.value = null
        },
        (err: unknown) => {
          error.value = toApiError(err)
        },
      )
      .finally(() => {
        pending = null
      })
    return pending
  }

  const store: PluginStore = {
    plugins: shallowReadonly(plugins),
    error: shallowReadonly(error),
    loaded: shallowReadonly(loaded),
    load,
    reset() {
      plugins.value = []
      loaded.value = false
    },
    install(app) {
      app.provide(pluginStoreKey, store)
    },
  }
  return store
}

export function usePluginStore(): PluginStore {
  const store = inject(pluginStoreKey, null)
  if (!store) throw new Error('usePluginStore(): no plugin store installed; call app.use(createPluginStore()) first')
  return store
}

/** What the enabled plugins add to the UI, for a user with `role`. */
export function pluginUi(
  plugins: Ref<readonly PluginInfo[]>,
  role: Ref<Role | undefined>,
): {
  menu: ComputedRef<MenuEntry[]>
  routes: ComputedRef<PluginRoute[]>
  assetPanels: ComputedRef<AssetPanel[]>
  widgets: ComputedRef<DashboardWidget[]>
  bulkActions: ComputedRef<BulkAction[]>
} {
  const allowed = <T extends { min_role: Role; component?: string }>(items: T[]) =>
    items.filter((x) => roleAtLeast(role.value, x.min_role) && (x.component === undefined || x.component in pluginComponents))
  const routes = computed(() => allowed(plugins.value.flatMap((p) => p.ui.routes)))
  return {
    routes,
    menu: computed(() =>
      plugins.value
        .flatMap((p) => p.ui.menu)
        .filter((m) => roleAtLeast(role.value, m.min_role) && routes.value.some((r) => r.path === m.route)),
    ),
    assetPanels: computed(() => allowed(plugins.value.flatMap((p) => p.ui.asset_panels)).sort((a, b) => a.order - b.order)),
    widgets: computed(() => allowed(plugins.value.flatMap((p) => p.ui.dashboard_widgets)).sort((a, b) => a.order - b.order)),
    bulkActions: computed(() => allowed(plugins.value.flatMap((p) => p.ui.asset_bulk_actions))),
  }
}
