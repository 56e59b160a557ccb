import { inject, shallowReadonly, shallowRef, type App, type InjectionKey, type Ref } from 'vue'
import { api, ApiError, type ApiClient, type Meta } from '../api/client'

/**
 * Shared state of `GET /api/v1/meta`: the app shell (header, page title) and
 * the home view read the same data, fetched once per page load.
 */
export interface MetaStore {
  readonly meta: Readonly<Ref<Meta | null>>
  readonly error: Readonly<Ref<ApiError | null>>
  readonly loading: Readonly<Ref<boolean>>
  /** Fetches the metadata unless it is already loaded; concurrent calls share one request. Never rejects. */
  load(): Promise<void>
  /** Fetches the metadata again (e.g. "Try again" after an error). Never rejects. */
  reload(): Promise<void>
  /** Vue plugin hook: `app.use(createMetaStore())` makes the store available to `useMeta()`. */
  install(app: App): void
}

export const metaStoreKey: InjectionKey<MetaStore> = Symbol('shopdb.meta')

export function createMetaStore(client: ApiClient = api): MetaStore {
  const meta = shallowRef<Meta | null>(null)
  const error = shallowRef<ApiError | null>(null)
  const loading = shallowRef(false)
  let pending: Promise<void> | null = null

  function reload(): Promise<void> {
    if (pending) return pending
    loading.value = true
    error.value = null
    pending = client
      .get('/api/v1/meta')
      .then(
        (data) => {
          meta.value = data
        },
        (err: unknown) => {
          error.value = toApiError(err)
        },
      )
      .finally(() => {
        loading.value = false
        pending = null
      })
    return pending
  }

  function load(): Promise<void> {
    return meta.value ? Promise.resolve() : reload()
  }

  const store: MetaStore = {
    meta: shallowReadonly(meta),
    error: shallowReadonly(error),
    loading: shallowReadonly(loading),
    load,
    reload,
    install(app) {
      app.provide(metaStoreKey, store)
    },
  }
  return store
}

export function useMeta(): MetaStore {
  const store = inject(metaStoreKey, null)
  if (!store) throw new Error('useMeta(): no meta store installed; call app.use(createMetaStore()) first')
  return store
}

function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err
  return new ApiError(
    {
      status: 0,
      code: 'client_error',
      title: 'Unexpected error',
      detail: err instanceof Error ? err.message : String(err),
    },
    { cause: err },
  )
}
