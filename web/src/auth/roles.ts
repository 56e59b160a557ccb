import { computed, type ComputedRef } from 'vue'
import { useAuth, type Role } from './store'

const rank: Record<Role, number> = { viewer: 0, editor: 1, admin: 2 }

/** True when `role` is at least `needed` (admin ⊇ editor ⊇ viewer). */
export function roleAtLeast(role: Role | undefined | null, needed: Role): boolean {
  return role != null && rank[role] >= rank[needed]
}

/**
 * What the signed-in user may do, for showing or hiding controls. The server checks every write
 * anyway; this only keeps viewers from seeing buttons that would fail.
 */
export function usePermissions(): { canEdit: ComputedRef<boolean>; isAdmin: ComputedRef<boolean> } {
  const { user } = useAuth()
  return {
    canEdit: computed(() => roleAtLeast(user.value?.role, 'editor')),
    isAdmin: computed(() => roleAtLeast(user.value?.role, 'admin')),
  }
}
