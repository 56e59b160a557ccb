import { shallowRef } from 'vue'
import { api, type ApiError } from '../api/client'
import type { Change } from '../api/types'
import { toApiError } from './async'

/**
 * Reverting one change after a confirmation (an asset's history, the Changes page): the change
 * being confirmed, whether the request runs, and the server's refusal. `onDone` runs after a
 * revert with the change it undid and the change that did it; an error there shows like a refusal.
 */
export function useRevert(onDone: (reverted: Change, done: Change) => void | Promise<void>) {
  const reverting = shallowRef<Change | null>(null)
  const pending = shallowRef(false)
  const error = shallowRef<ApiError | null>(null)

  function ask(c: Change) {
    reverting.value = c
    error.value = null
  }

  async function confirm() {
    const c = reverting.value
    if (!c || pending.value) return
    pending.value = true
    error.value = null
    try {
      const done = await api.post('/api/v1/changes/{id}/revert', undefined as never, { params: { id: c.id } })
      reverting.value = null
      await onDone(c, done)
    } catch (err) {
      error.value = toApiError(err)
    } finally {
      pending.value = false
    }
  }

  return { reverting, pending, error, ask, confirm }
}
