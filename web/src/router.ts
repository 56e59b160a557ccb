import { createRouter, createWebHistory, type RouteRecordRaw, type RouterHistory } from 'vue-router'
import { installAuthGuards } from './auth/guards'
import type { AuthStore } from './auth/store'
import AccountView from './views/AccountView.vue'
import ChangePasswordView from './views/ChangePasswordView.vue'
import HomeView from './views/HomeView.vue'
import LoginView from './views/LoginView.vue'
import NotFoundView from './views/NotFoundView.vue'

declare module 'vue-router' {
  interface RouteMeta {
    /** Reachable without a session (everything else redirects to /login). */
    public?: boolean
  }
}

export const routes: RouteRecordRaw[] = [
  { path: '/', name: 'home', component: HomeView },
  { path: '/login', name: 'login', component: LoginView, meta: { public: true } },
  { path: '/change-password', name: 'change-password', component: ChangePasswordView },
  { path: '/account', name: 'account', component: AccountView },
  // Anything else (the server answers unknown non-API paths with index.html).
  { path: '/:pathMatch(.*)*', name: 'not-found', component: NotFoundView },
]

export function createAppRouter(
  auth: AuthStore,
  history: RouterHistory = createWebHistory(import.meta.env.BASE_URL),
) {
  const router = createRouter({ history, routes })
  installAuthGuards(router, auth)
  return router
}
