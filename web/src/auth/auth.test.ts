import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { api, ApiError } from '../api/client'
import { mountApp, settle } from '../test/app'
import {
  bearer,
  fakeServer,
  jsonResponse,
  problem,
  problemResponse,
  sampleMeta,
  sampleUser,
  tokenPair,
  type FakeRequest,
} from '../test/fixtures'
import { createAuthStore, REFRESH_TOKEN_KEY } from './store'

const meta = () => jsonResponse(sampleMeta)
const noContent = () => new Response(null, { status: 204 })
const unauthenticated = (detail = 'missing or invalid access token') =>
  problemResponse(problem(401, 'unauthenticated', detail))

/** A server where the app restores the stored session `pair` on load. */
function signedIn(pair = tokenPair()) {
  localStorage.setItem(REFRESH_TOKEN_KEY, 'stored-refresh')
  const server = fakeServer().on('GET /api/v1/meta', meta()).on('POST /api/v1/auth/refresh', jsonResponse(pair))
  return { server, pair }
}

/** A reply that waits until `release()` is called. */
function deferred(response: Response) {
  let release!: () => void
  const gate = new Promise<void>((resolve) => (release = resolve))
  return { reply: async (_: FakeRequest) => (await gate, response), release: () => release() }
}

async function signIn(wrapper: Awaited<ReturnType<typeof mountApp>>['wrapper'], username = 'jdoe', password = 'secret') {
  await wrapper.get('#login-username').setValue(username)
  await wrapper.get('#login-password').setValue(password)
  await wrapper.get('form').trigger('submit')
  await settle()
}

beforeEach(() => localStorage.clear())
afterEach(() => vi.useRealTimers())

describe('sign-in page', () => {
  it('is where every other page sends a visitor without a session', async () => {
    fakeServer().on('GET /api/v1/meta', meta())
    const { wrapper, router } = await mountApp('/account')

    expect(router.currentRoute.value.fullPath).toBe('/login?next=/account')
    expect(wrapper.get('main h1').text()).toBe('Sign in')
    expect(wrapper.find('[data-testid="header-session"]').exists()).toBe(false)
    const username = wrapper.get('#login-username')
    const password = wrapper.get('#login-password')
    expect(wrapper.get('label[for="login-username"]').text()).toBe('Username')
    expect(wrapper.get('label[for="login-password"]').text()).toBe('Password')
    expect(username.attributes('autocomplete')).toBe('username')
    expect(password.attributes('autocomplete')).toBe('current-password')
    expect(password.attributes('type')).toBe('password')
    expect(wrapper.get('form button').attributes('type')).toBe('submit')
  })

  it('signs in, keeps the refresh token, and goes to `next`', async () => {
    const pair = tokenPair()
    const login = deferred(jsonResponse(pair))
    const server = fakeServer().on('GET /api/v1/meta', meta()).on('POST /api/v1/auth/login', login.reply)
    const { wrapper, router } = await mountApp('/login?next=/account')

    await wrapper.get('#login-username').setValue(' jdoe ')
    await wrapper.get('#login-password').setValue('correct horse')
    await wrapper.get('form').trigger('submit')
    await settle()
    expect(wrapper.get('form button').attributes('disabled')).toBeDefined()
    expect(wrapper.get('form button').text()).toBe('Signing in…')

    login.release()
    await settle()

    const [request] = server.calls('POST /api/v1/auth/login')
    expect(request!.body).toEqual({ username: 'jdoe', password: 'correct horse' })
    expect(request!.headers.get('Content-Type')).toBe('application/json; charset=utf-8')
    expect(bearer(request)).toBeNull()
    expect(localStorage.getItem(REFRESH_TOKEN_KEY)).toBe(pair.refresh_token)
    expect(router.currentRoute.value.fullPath).toBe('/account')
    expect(wrapper.get('[data-testid="account-username"]').text()).toBe('jdoe')
    expect(wrapper.get('header .session__name').text()).toBe('Jane Doe')
  })

  it('shows the problem detail for a wrong password', async () => {
    fakeServer()
      .on('GET /api/v1/meta', meta())
      .on('POST /api/v1/auth/login', unauthenticated('invalid username or password'))
    const { wrapper, router } = await mountApp('/login')

    await signIn(wrapper, 'jdoe', 'wrong')

    expect(wrapper.get('[role="alert"]').text()).toBe('invalid username or password')
    expect(router.currentRoute.value.path).toBe('/login')
    expect(localStorage.getItem(REFRESH_TOKEN_KEY)).toBeNull()
    expect(wrapper.get('form button').attributes('disabled')).toBeUndefined()
  })

  it('shows the Retry-After seconds when rate limited', async () => {
    const body = problem(429, 'rate_limited', 'too many failed sign-ins; try again later')
    fakeServer()
      .on('GET /api/v1/meta', meta())
      .on(
        'POST /api/v1/auth/login',
        new Response(JSON.stringify(body), {
          status: 429,
          headers: { 'Content-Type': 'application/problem+json', 'Retry-After': '42' },
        }),
      )
    const { wrapper } = await mountApp('/login')

    await signIn(wrapper)

    expect(wrapper.get('[role="alert"]').text()).toBe('Too many attempts — try again in 42 s.')
  })

  it.each(['//evil.example', 'https://evil.example', '/\\evil.example', '/login'])(
    'ignores next=%s and goes to /',
    async (next) => {
      fakeServer().on('GET /api/v1/meta', meta()).on('POST /api/v1/auth/login', jsonResponse(tokenPair()))
      const { wrapper, router } = await mountApp(`/login?next=${encodeURIComponent(next)}`)

      await signIn(wrapper)

      expect(router.currentRoute.value.fullPath).toBe('/')
      expect(wrapper.get('main h1').text()).toBe('Dashboard')
    },
  )

  it('sends a signed-in user on to `next`', async () => {
    signedIn()
    const { router } = await mountApp('/login?next=/account')

    expect(router.currentRoute.value.fullPath).toBe('/account')
  })
})

describe('forced password change', () => {
  it('confines the user to /change-password and maps field errors to their fields', async () => {
    const first = tokenPair({ must_change_password: true })
    const fresh = tokenPair()
    const server = fakeServer()
      .on('GET /api/v1/meta', meta())
      .on('POST /api/v1/auth/login', jsonResponse(first))
      .on(
        'POST /api/v1/auth/password',
        problemResponse(
          problem(422, 'validation_failed', 'the input is not valid', {
            errors: [
              { field: 'current_password', message: 'is not your current password' },
              { field: 'new_password', message: 'must be at least 12 characters' },
            ],
          }),
        ),
        jsonResponse(fresh),
      )
    const { wrapper, router } = await mountApp('/login?next=/account')

    await signIn(wrapper)
    expect(router.currentRoute.value.fullPath).toBe('/change-password?next=/account')
    expect(wrapper.get('header').find('a[href="/account"]').exists()).toBe(false)
    expect(wrapper.get('header .session__name').element.tagName).toBe('SPAN')

    await router.push('/')
    expect(router.currentRoute.value.fullPath).toBe('/change-password')
    await router.push('/account')
    expect(router.currentRoute.value.fullPath).toBe('/change-password?next=/account')

    const current = wrapper.get('input[name="current_password"]')
    const next = wrapper.get('input[name="new_password"]')
    const repeat = wrapper.get('input[name="repeat_password"]')
    expect(current.attributes('autocomplete')).toBe('current-password')
    expect(next.attributes('autocomplete')).toBe('new-password')
    expect(repeat.attributes('autocomplete')).toBe('new-password')
    for (const input of [current, next, repeat]) {
      expect(wrapper.get(`label[for="${input.attributes('id')}"]`).text()).not.toBe('')
    }

    // Client-side: the repeat must match; nothing is sent.
    await current.setValue('wrong')
    await next.setValue('short')
    await repeat.setValue('shorter')
    await wrapper.get('form').trigger('submit')
    await settle()
    const errorOf = (input: typeof current) =>
      wrapper.get(`#${input.attributes('aria-describedby')!.split(' ').find((id) => id.endsWith('-error'))}`).text()
    expect(repeat.attributes('aria-invalid')).toBe('true')
    expect(errorOf(repeat)).toBe('The passwords do not match.')
    expect(server.calls('POST /api/v1/auth/password')).toHaveLength(0)

    // Server-side: each 422 field error under its field.
    await repeat.setValue('short')
    await wrapper.get('form').trigger('submit')
    await settle()
    expect(errorOf(current)).toBe('is not your current password')
    expect(errorOf(next)).toBe('must be at least 12 characters')
    expect(repeat.attributes('aria-invalid')).toBe('false')
    expect(wrapper.find('[data-testid="form-error"]').exists()).toBe(false)
    const [request] = server.calls('POST /api/v1/auth/password')
    expect(request!.body).toEqual({ current_password: 'wrong', new_password: 'short' })
    expect(bearer(request)).toBe(first.access_token)

    await current.setValue('secret')
    await next.setValue('a much longer passphrase')
    await repeat.setValue('a much longer passphrase')
    await wrapper.get('form').trigger('submit')
    await settle()

    expect(router.currentRoute.value.fullPath).toBe('/account')
    expect(localStorage.getItem(REFRESH_TOKEN_KEY)).toBe(fresh.refresh_token)
    expect(wrapper.get('header').find('a[href="/account"]').exists()).toBe(true)
  })

  it('sends the user to /change-password when any call answers password_change_required', async () => {
    const { server } = signedIn()
    server.on(
      'GET /api/v1/auth/me',
      problemResponse(problem(403, 'password_change_required', 'change your password first')),
    )
    const { router } = await mountApp('/account')

    await expect(api.get('/api/v1/auth/me')).rejects.toMatchObject({ code: 'password_change_required' })
    await settle()

    expect(router.currentRoute.value.fullPath).toBe('/change-password?next=/account')
  })
})

describe('session renewal', () => {
  it('restores the session from the stored refresh token on load', async () => {
    const { server, pair } = signedIn()
    const { wrapper, router } = await mountApp('/account')

    expect(server.calls('POST /api/v1/auth/refresh')[0]!.body).toEqual({ refresh_token: 'stored-refresh' })
    expect(localStorage.getItem(REFRESH_TOKEN_KEY)).toBe(pair.refresh_token)
    expect(router.currentRoute.value.fullPath).toBe('/account')
    expect(wrapper.get('[data-testid="account-display-name"]').text()).toBe('Jane Doe')
  })

  it('sends the user to /login?next=… when the stored session is no longer valid', async () => {
    localStorage.setItem(REFRESH_TOKEN_KEY, 'revoked')
    fakeServer().on('GET /api/v1/meta', meta()).on('POST /api/v1/auth/refresh', unauthenticated())
    const { router } = await mountApp('/account')

    expect(router.currentRoute.value.fullPath).toBe('/login?next=/account')
    expect(localStorage.getItem(REFRESH_TOKEN_KEY)).toBeNull()
  })

  it('keeps the stored session and says why when it cannot be restored right now', async () => {
    localStorage.setItem(REFRESH_TOKEN_KEY, 'stored-refresh')
    fakeServer()
      .on('GET /api/v1/meta', meta())
      .on('POST /api/v1/auth/refresh', () => Promise.reject(new TypeError('offline')))
    const { wrapper, router } = await mountApp('/account')

    expect(router.currentRoute.value.fullPath).toBe('/login?next=/account')
    expect(wrapper.get('[data-testid="restore-error"]').text()).toContain('could not be reached')
    expect(localStorage.getItem(REFRESH_TOKEN_KEY)).toBe('stored-refresh')
  })

  it('refreshes once for concurrent 401s and retries each request with the new token', async () => {
    const { server, pair } = signedIn()
    await mountApp('/')
    const renewed = tokenPair()
    const refresh = deferred(jsonResponse(renewed))
    server
      .on('POST /api/v1/auth/refresh', refresh.reply)
      .on('GET /api/v1/auth/me', unauthenticated(), unauthenticated(), jsonResponse(sampleUser))

    const both = Promise.all([api.get('/api/v1/auth/me'), api.get('/api/v1/auth/me')])
    await settle()
    refresh.release()

    expect(await both).toEqual([sampleUser, sampleUser])
    const refreshes = server.calls('POST /api/v1/auth/refresh')
    expect(refreshes).toHaveLength(2) // one on load, one for both 401s
    expect(refreshes[1]!.body).toEqual({ refresh_token: pair.refresh_token })
    expect(server.calls('GET /api/v1/auth/me').map(bearer)).toEqual([
      pair.access_token,
      pair.access_token,
      renewed.access_token,
      renewed.access_token,
    ])
    expect(localStorage.getItem(REFRESH_TOKEN_KEY)).toBe(renewed.refresh_token)
  })

  it('signs out and goes to /login?next=… when the refresh is rejected', async () => {
    const { server } = signedIn()
    const { wrapper, router } = await mountApp('/account')
    server.on('GET /api/v1/auth/me', unauthenticated()).on('POST /api/v1/auth/refresh', unauthenticated())

    const error = await api.get('/api/v1/auth/me').catch((e: unknown) => e)
    await settle()

    expect(error).toBeInstanceOf(ApiError)
    expect((error as ApiError).status).toBe(401)
    expect(server.calls('GET /api/v1/auth/me')).toHaveLength(1) // not retried
    expect(router.currentRoute.value.fullPath).toBe('/login?next=/account')
    expect(localStorage.getItem(REFRESH_TOKEN_KEY)).toBeNull()
    expect(wrapper.find('[data-testid="header-session"]').exists()).toBe(false)
  })

  it('keeps the session when the refresh fails for a transient reason', async () => {
    const { server, pair } = signedIn()
    const { router } = await mountApp('/account')
    server
      .on('GET /api/v1/auth/me', unauthenticated())
      .on('POST /api/v1/auth/refresh', problemResponse(problem(503, 'database_unavailable', 'down')))

    await expect(api.get('/api/v1/auth/me')).rejects.toMatchObject({ status: 503 })
    await settle()

    expect(router.currentRoute.value.fullPath).toBe('/account')
    expect(localStorage.getItem(REFRESH_TOKEN_KEY)).toBe(pair.refresh_token)
  })

  it('renews the access token silently about 60 s before it expires', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    const server = fakeServer()
      .on('POST /api/v1/auth/login', jsonResponse(tokenPair({ expires_in: 300 })))
      .on('POST /api/v1/auth/refresh', jsonResponse(tokenPair()))
    const auth = createAuthStore()
    await auth.login('jdoe', 'secret')

    await vi.advanceTimersByTimeAsync(239_000)
    expect(server.calls('POST /api/v1/auth/refresh')).toHaveLength(0)
    await vi.advanceTimersByTimeAsync(1_000)
    expect(server.calls('POST /api/v1/auth/refresh')).toHaveLength(1)
  })
})

describe('sign-out', () => {
  it('ends the session on the server, clears storage and goes to /login', async () => {
    const { server, pair } = signedIn()
    server.on('POST /api/v1/auth/logout', noContent())
    const { wrapper, router } = await mountApp('/account')

    await wrapper.get('header [data-testid="sign-out"]').trigger('click')
    await settle()

    const [request] = server.calls('POST /api/v1/auth/logout')
    expect(bearer(request)).toBe(pair.access_token)
    expect(request!.body).toEqual({ refresh_token: pair.refresh_token })
    expect(localStorage.getItem(REFRESH_TOKEN_KEY)).toBeNull()
    expect(router.currentRoute.value.fullPath).toBe('/login')
    expect(wrapper.find('[data-testid="header-session"]').exists()).toBe(false)
  })

  it('signs out locally even when the server cannot be reached', async () => {
    const { server } = signedIn()
    server.on('POST /api/v1/auth/logout', () => Promise.reject(new TypeError('offline')))
    const { wrapper, router } = await mountApp('/')

    await wrapper.get('header [data-testid="sign-out"]').trigger('click')
    await settle()

    expect(localStorage.getItem(REFRESH_TOKEN_KEY)).toBeNull()
    expect(router.currentRoute.value.fullPath).toBe('/login')
  })

  it('follows a sign-out in another tab', async () => {
    signedIn()
    const { router } = await mountApp('/account')

    localStorage.removeItem(REFRESH_TOKEN_KEY)
    window.dispatchEvent(new StorageEvent('storage', { key: REFRESH_TOKEN_KEY, newValue: null }))
    await settle()

    expect(router.currentRoute.value.fullPath).toBe('/login?next=/account')
  })
})

describe('account page', () => {
  it('shows the user and changes the password of a local account', async () => {
    const { server } = signedIn()
    server.on('POST /api/v1/auth/password', jsonResponse(tokenPair()))
    const { wrapper } = await mountApp('/account')

    expect(wrapper.get('[data-testid="account-username"]').text()).toBe('jdoe')
    expect(wrapper.get('[data-testid="account-display-name"]').text()).toBe('Jane Doe')
    expect(wrapper.get('[data-testid="account-role"]').text()).toBe('Editor')
    expect(wrapper.get('[data-testid="account-source"]').text()).toBe('Local account')

    await wrapper.get('input[name="current_password"]').setValue('old password!')
    await wrapper.get('input[name="new_password"]').setValue('a much longer passphrase')
    await wrapper.get('input[name="repeat_password"]').setValue('a much longer passphrase')
    await wrapper.get('main form[aria-busy]').trigger('submit')
    await settle()

    expect(wrapper.get('[data-testid="password-changed"]').text()).toContain('Your password was changed')
    expect((wrapper.get('input[name="new_password"]').element as HTMLInputElement).value).toBe('')
  })

  it('has no password form for a directory account', async () => {
    signedIn(tokenPair({ user: { ...sampleUser, source: 'ldap', role: 'admin' } }))
    const { wrapper } = await mountApp('/account')

    expect(wrapper.get('[data-testid="account-source"]').text()).toBe('Company directory (LDAP)')
    expect(wrapper.get('[data-testid="account-role"]').text()).toBe('Administrator')
    expect(wrapper.find('main input[type="password"]').exists()).toBe(false)
    expect(wrapper.get('[data-testid="password-external"]').text()).toContain('company directory')
  })

  it('is not the forced page: /change-password leads to /account', async () => {
    signedIn()
    const { router } = await mountApp('/change-password')

    expect(router.currentRoute.value.fullPath).toBe('/account')
  })
})
