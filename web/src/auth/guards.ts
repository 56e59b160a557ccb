import type { RouteLocationRaw, Router } from 'vue-router'
import { nextQuery, safeNext } from './redirect'
import { roleAtLeast } from './roles'
import type { AuthStore } from './store'

const toLogin = (path: string): RouteLocationRaw => ({ name: 'login', query: nextQuery(path) })
const toChangePassword = (path: string): RouteLocationRaw => ({ name: 'change-password', query: nextQuery(path) })

/**
 * Every route needs a session except those with `meta.public` (the sign-in page). A user who
 * must change the password is confined to /change-password. A page whose `meta.role` is above the
 * user's role shows the "not allowed" page instead. Session events from the auth store
 * (expiry, a forced password change) move the current page accordingly.
 */
export function installAuthGuards(router: Router, auth: AuthStore): void {
  router.beforeEach(async (to) => {
    await auth.ready()
    const signedIn = auth.signedIn.value
    if (to.meta.public) return signedIn ? safeNext(to.query.next) : true
    if (!signedIn) return toLogin(to.fullPath)
    if (auth.mustChangePassword.value) return to.name === 'change-password' || toChangePassword(to.fullPath)
    // The forced page is only for forced changes; the account page has the same form.
    if (to.name === 'change-password') return { name: 'account' }
    const needed = to.matched.map((r) => r.meta.role).filter((r) => r !== undefined)
    if (needed.some((role) => !roleAtLeast(auth.user.value?.role, role))) {
      return { name: 'forbidden', query: { from: to.fullPath } }
    }
    return true
  })

  auth.on((event) => {
    const current = router.currentRoute.value
    if (event === 'expired') {
      if (!current.meta.public) void router.replace(toLogin(current.fullPath))
    } else if (current.name !== 'change-password') {
      void router.replace(toChangePassword(current.fullPath))
    }
  })
}
