import { createRouter, createWebHistory, type RouteRecordRaw, type RouterHistory } from 'vue-router'
import { installAuthGuards } from './auth/guards'
import type { AuthStore, Role } from './auth/store'
import LoginView from './views/LoginView.vue'
import NotFoundView from './views/NotFoundView.vue'

declare module 'vue-router' {
  interface RouteMeta {
    /** Reachable without a session (everything else redirects to /login). */
    public?: boolean
    /** The least role that may open the page; others see the "not allowed" page. */
    role?: Role
  }
}

// Every screen but sign-in is its own chunk, loaded when first visited: the initial download stays small.
export const routes: RouteRecordRaw[] = [
  { path: '/', name: 'dashboard', component: () => import('./views/DashboardView.vue') },
  { path: '/login', name: 'login', component: LoginView, meta: { public: true } },
  { path: '/change-password', name: 'change-password', component: () => import('./views/ChangePasswordView.vue') },
  { path: '/account', name: 'account', component: () => import('./views/AccountView.vue') },
  { path: '/assets', name: 'assets', component: () => import('./views/assets/AssetListView.vue') },
  {
    path: '/assets/new',
    name: 'asset-new',
    component: () => import('./views/assets/AssetFormView.vue'),
    meta: { role: 'editor' },
  },
  {
    path: '/assets/:id(\\d+)',
    name: 'asset',
    component: () => import('./views/assets/AssetView.vue'),
    props: (route) => ({ id: Number(route.params.id) }),
  },
  {
    path: '/assets/:id(\\d+)/edit',
    name: 'asset-edit',
    component: () => import('./views/assets/AssetFormView.vue'),
    props: (route) => ({ id: Number(route.params.id) }),
    meta: { role: 'editor' },
  },
  // What a QR label encodes (`/a/<asset id>`, or a tag): goes on to the asset's page.
  {
    path: '/a/:tag',
    name: 'asset-by-tag',
    component: () => import('./views/assets/AssetByTagView.vue'),
    props: true,
  },
  { path: '/locations', name: 'locations', component: () => import('./views/LocationsView.vue') },
  { path: '/changes', name: 'changes', component: () => import('./views/ChangesView.vue') },
  { path: '/import', name: 'import', component: () => import('./views/ImportView.vue'), meta: { role: 'editor' } },
  {
    path: '/admin',
    component: () => import('./views/admin/AdminLayout.vue'),
    meta: { role: 'admin' },
    children: [
      { path: '', redirect: { name: 'admin-users' } },
      { path: 'users', name: 'admin-users', component: () => import('./views/admin/UsersView.vue') },
      { path: 'tokens', name: 'admin-tokens', component: () => import('./views/admin/TokensView.vue') },
      { path: 'types', name: 'admin-types', component: () => import('./views/admin/TypesView.vue') },
      { path: 'plugins', name: 'admin-plugins', component: () => import('./views/admin/PluginsView.vue') },
      { path: 'site', name: 'admin-site', component: () => import('./views/admin/SiteView.vue') },
    ],
  },
  // Pages from plugin manifests; the view finds the component by path.
  { path: '/plugins/:plugin/:page(.*)*', name: 'plugin-page', component: () => import('./views/PluginPageView.vue') },
  { path: '/forbidden', name: 'forbidden', component: () => import('./views/ForbiddenView.vue') },
  // Anything else (the server answers unknown non-API paths with index.html).
  { path: '/:pathMatch(.*)*', name: 'not-found', component: NotFoundView },
]

export function createAppRouter(
  auth: AuthStore,
  history: RouterHistory = createWebHistory(import.meta.env.BASE_URL),
) {
  const router = createRouter({
    history,
    routes,
    scrollBehavior: (to, from, saved) => saved ?? (to.path !== from.path ? { top: 0 } : undefined),
  })
  installAuthGuards(router, auth)
  return router
}
