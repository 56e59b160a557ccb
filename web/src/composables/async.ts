import { onScopeDispose, shallowRef, type Ref, type ShallowRef } from 'vue'
import { ApiError } from '../api/client'

/** Any thrown value as an ApiError, so views show one kind of error. */
export function toApiError(err: unknown): ApiError {
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

/** The text a user sees for an error: the problem's `detail`, else its title. */
export function errorText(err: unknown): string {
  const e = toApiError(err)
  return e.detail ?? e.title
}

export function isAbort(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { name?: unknown }).name === 'AbortError'
}

export interface AsyncState<T> {
  readonly data: ShallowRef<T | null>
  readonly error: Ref<ApiError | null>
  readonly loading: Ref<boolean>
  /** Runs the loader; a newer run aborts the older one (its result is dropped). Never rejects. */
  run(): Promise<void>
}

/**
 * Loads data for a view: `loading` while in flight, `error` on failure (data is kept, so a failed
 * refresh does not blank the page), and the in-flight request aborted when a newer run starts or
 * the component goes away.
 */
export function useAsync<T>(loader: (signal: AbortSignal) => Promise<T>): AsyncState<T> {
  const data = shallowRef<T | null>(null)
  const error = shallowRef<ApiError | null>(null)
  const loading = shallowRef(false)
  let controller: AbortController | null = null

  async function run() {
    controller?.abort()
    const mine = new AbortController()
    controller = mine
    loading.value = true
    error.value = null
    try {
      const result = await loader(mine.signal)
      if (controller === mine) data.value = result
    } catch (err) {
      if (controller === mine && !isAbort(err)) error.value = toApiError(err)
    } finally {
      if (controller === mine) {
        loading.value = false
        controller = null
      }
    }
  }

  onScopeDispose(() => controller?.abort())
  return { data, error, loading, run }
}

/** Calls `fn` once no call came for `ms` milliseconds. */
export function debounce<A extends unknown[]>(fn: (...args: A) => void, ms: number) {
  let timer: ReturnType<typeof setTimeout> | undefined
  const wrapped = (...args: A) => {
    clearTimeout(timer)
    timer = setTimeout(() => fn(...args), ms)
  }
  wrapped.cancel = () => clearTimeout(timer)
  return wrapped
}
