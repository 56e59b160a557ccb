import { computed, inject, shallowReadonly, shallowRef, type App, type ComputedRef, type InjectionKey, type Ref } from 'vue'
import { api, ApiError, type ApiClient, type ApiResponse, type AuthHandler } from '../api/client'

/** A new session: `POST /api/v1/auth/login`, `/refresh` and `/password` all answer with one. */
export type TokenPair = ApiResponse<'/api/v1/auth/login', 'post'>
export type User = TokenPair['user']
export type Role = User['role']
export type UserSource = User['source']

/** localStorage key of the refresh token; it survives a reload, the access token lives in memory only. */
export const REFRESH_TOKEN_KEY = 'shopdb.refresh_token'
/** Web Locks name: tabs share the refresh token and a refresh token works once, so tabs refresh one at a time. */
const REFRESH_LOCK = 'shopdb.auth.refresh'
/** Renew the access token this many seconds before it expires. */
const REFRESH_EARLY_S = 60

/**
 * `expired`: the session ended without the user signing out (refresh rejected, signed out in
 * another tab). `password-change-required`: the server demands a password change first.
 */
export type AuthEvent = 'expired' | 'password-change-required'

export interface AuthStore {
  readonly user: Readonly<Ref<User | null>>
  readonly signedIn: ComputedRef<boolean>
  readonly mustChangePassword: Readonly<Ref<boolean>>
  /** Why the stored session could not be restored on load (server unreachable, …); null otherwise. */
  readonly restoreError: Readonly<Ref<ApiError | null>>
  /** Restores the session kept in localStorage, once per page load. Never rejects. */
  ready(): Promise<void>
  /** Signs in; rejects with the ApiError of a failed attempt. */
  login(username: string, password: string): Promise<void>
  /** Changes the signed-in user's password and takes the fresh session; rejects with the ApiError. */
  changePassword(currentPassword: string, newPassword: string): Promise<void>
  /** Ends the session on the server (best effort) and forgets it locally. Never rejects. */
  logout(): Promise<void>
  /**
   * Exchanges the refresh token for a new pair; concurrent calls share one request. With `sent`
   * (the access token a request failed with), resolves true at once if a newer token exists.
   */
  refresh(sent?: string | null): Promise<boolean>
  /** Subscribes to session events; returns the unsubscribe function. */
  on(listener: (event: AuthEvent) => void): () => void
  install(app: App): void
}

export const authStoreKey: InjectionKey<AuthStore> = Symbol('shopdb.auth')

export interface AuthStoreOptions {
  client?: ApiClient
  /** Defaults to window.localStorage. */
  storage?: Storage
}

export function createAuthStore(options: AuthStoreOptions = {}): AuthStore {
  const client = options.client ?? api
  const storage = options.storage ?? safeLocalStorage()
  const user = shallowRef<User | null>(null)
  const mustChangePassword = shallowRef(false)
  const restoreError = shallowRef<ApiError | null>(null)
  const listeners = new Set<(event: AuthEvent) => void>()
  let accessToken: string | null = null
  let refreshTimer: ReturnType<typeof setTimeout> | undefined
  let refreshing: Promise<boolean> | null = null
  let restoring: Promise<void> | null = null
  let signingOut = false
  // Fallback when storage is unavailable: the session then lasts for this page only.
  let memoryRefreshToken: string | null = null

  function readRefreshToken(): string | null {
    const stored = tryStorage(() => storage?.getItem(REFRESH_TOKEN_KEY))
    return storage && stored !== undefined ? stored : memoryRefreshToken
  }

  function writeRefreshToken(token: string | null) {
    memoryRefreshToken = token
    tryStorage(() => (token === null ? storage?.removeItem(REFRESH_TOKEN_KEY) : storage?.setItem(REFRESH_TOKEN_KEY, token)))
  }

  function emit(event: AuthEvent) {
    for (const listener of listeners) listener(event)
  }

  function setSession(pair: TokenPair) {
    accessToken = pair.access_token
    writeRefreshToken(pair.refresh_token)
    user.value = pair.user
    mustChangePassword.value = pair.must_change_password
    restoreError.value = null
    clearTimeout(refreshTimer)
    // Silent renewal shortly before expiry; a failure here is retried by the next 401.
    const delayS = Math.max(pair.expires_in - REFRESH_EARLY_S, pair.expires_in / 2)
    refreshTimer = setTimeout(() => void refresh().catch(() => {}), Math.min(delayS * 1000, 2 ** 31 - 1))
  }

  function clearSession() {
    accessToken = null
    clearTimeout(refreshTimer)
    writeRefreshToken(null)
    user.value = null
    mustChangePassword.value = false
  }

  /** The session ended on its own: forget it and tell the app (which sends the user to /login). */
  function expire() {
    const wasSignedIn = user.value !== null
    clearSession()
    if (wasSignedIn && !signingOut) emit('expired')
  }

  async function rotate(): Promise<boolean> {
    // Read the token inside the lock: another tab may have rotated it meanwhile.
    const refreshToken = readRefreshToken()
    if (!refreshToken) {
      expire()
      return false
    }
    let pair: TokenPair
    try {
      pair = await client.post('/api/v1/auth/refresh', { refresh_token: refreshToken }, { auth: false })
    } catch (error) {
      if (error instanceof ApiError && (error.status === 401 || error.status === 403)) {
        expire()
        return false
      }
      throw error // transient (network, 5xx, 429): keep the session, let the caller report it
    }
    setSession(pair)
    return true
  }

  function refresh(sent?: string | null): Promise<boolean> {
    if (sent !== undefined && accessToken !== null && accessToken !== sent) return Promise.resolve(true)
    refreshing ??= withLock(REFRESH_LOCK, rotate).finally(() => {
      refreshing = null
    })
    return refreshing
  }

  function ready(): Promise<void> {
    restoring ??= readRefreshToken()
      ? refresh().then(
          () => {},
          (error: unknown) => {
            restoreError.value = error instanceof ApiError ? error : null
          },
        )
      : Promise.resolve()
    return restoring
  }

  async function login(username: string, password: string) {
    setSession(await client.post('/api/v1/auth/login', { username, password }, { auth: false }))
  }

  async function changePassword(currentPassword: string, newPassword: string) {
    setSession(
      await client.post('/api/v1/auth/password', { current_password: currentPassword, new_password: newPassword }),
    )
  }

  async function logout() {
    const refreshToken = readRefreshToken()
    signingOut = true
    try {
      // Ends this session only (without a refresh token the server would end all of them).
      if (refreshToken) await client.post('/api/v1/auth/logout', { refresh_token: refreshToken })
    } catch {
      // Signed out locally either way; the refresh token expires on its own.
    } finally {
      clearSession()
      signingOut = false
    }
  }

  const handler: AuthHandler = {
    accessToken: () => accessToken,
    renew: (sent) => refresh(sent),
    passwordChangeRequired() {
      if (!user.value) return
      mustChangePassword.value = true
      emit('password-change-required')
    },
  }
  client.setAuth(handler)

  // Another tab signed out (removed the shared refresh token): end this tab's session too.
  if (typeof window !== 'undefined') {
    window.addEventListener('storage', (event) => {
      if ((event.key === REFRESH_TOKEN_KEY || event.key === null) && event.newValue === null && !readRefreshToken()) {
        expire()
      }
    })
  }

  const store: AuthStore = {
    user: shallowReadonly(user),
    signedIn: computed(() => user.value !== null),
    mustChangePassword: shallowReadonly(mustChangePassword),
    restoreError: shallowReadonly(restoreError),
    ready,
    login,
    changePassword,
    logout,
    refresh,
    on(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    install(app) {
      app.provide(authStoreKey, store)
    },
  }
  return store
}

export function useAuth(): AuthStore {
  const store = inject(authStoreKey, null)
  if (!store) throw new Error('useAuth(): no auth store installed; call app.use(createAuthStore()) first')
  return store
}

/** Runs `fn` under a cross-tab Web Lock where the browser has them, else directly. */
function withLock<T>(name: string, fn: () => Promise<T>): Promise<T> {
  const locks = (globalThis.navigator as { locks?: LockManager } | undefined)?.locks
  // request() resolves with the callback's awaited result; the DOM typings nest the promise.
  return locks ? (locks.request(name, fn) as unknown as Promise<T>) : fn()
}

function safeLocalStorage(): Storage | undefined {
  return tryStorage(() => globalThis.localStorage)
}

/** Storage can throw (storage disabled, quota): undefined then. */
function tryStorage<T>(fn: () => T): T | undefined {
  try {
    return fn()
  } catch {
    return undefined
  }
}
