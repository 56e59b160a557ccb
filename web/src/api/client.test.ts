import { describe, expect, expectTypeOf, it, vi } from 'vitest'
import { api, ApiError, createApiClient, retryAfterSeconds, type AuthHandler, type Meta } from './client'
import {
  bearer,
  fakeServer,
  jsonResponse,
  problem,
  problemResponse,
  sampleMeta,
  sampleUser,
  serviceUnavailable,
  stubFetch,
} from '../test/fixtures'

describe('api client', () => {
  it('returns the typed JSON body of a 200 response', async () => {
    const fetchMock = stubFetch(jsonResponse(sampleMeta))

    const meta = await api.get('/api/v1/meta')

    expectTypeOf(meta).toEqualTypeOf<Meta>()
    expect(meta).toEqual(sampleMeta)
    expect(fetchMock).toHaveBeenCalledTimes(1)
    const [url, init] = fetchMock.mock.calls[0]!
    expect(url).toBe('/api/v1/meta')
    expect(init?.method).toBe('GET')
    expect(new Headers(init?.headers).get('Accept')).toContain('application/problem+json')
  })

  it('prefixes the base URL and uses an injected fetch', async () => {
    const fetchMock = stubFetch(jsonResponse(sampleMeta))
    const client = createApiClient({ baseUrl: 'http://shopdb.test', fetch: fetchMock })

    await client.get('/api/v1/meta')

    expect(fetchMock.mock.calls[0]![0]).toBe('http://shopdb.test/api/v1/meta')
  })

  it('only accepts paths of the spec', () => {
    // Compile-time check, verified by `npm run typecheck`; never executed.
    const unknownPath = () =>
      // @ts-expect-error: not a GET path of the OpenAPI spec
      api.get('/api/v1/does-not-exist')
    expect(typeof unknownPath).toBe('function')
  })

  it('throws an ApiError with the problem+json fields on an error status', async () => {
    stubFetch(
      problemResponse({
        ...serviceUnavailable,
        instance: '/api/v1/meta',
        errors: [{ field: 'site.code', message: 'must not be empty' }],
      }),
    )

    const error = await api.get('/api/v1/meta').catch((e: unknown) => e)

    expect(error).toBeInstanceOf(ApiError)
    expect(error).toMatchObject({
      name: 'ApiError',
      status: 503,
      code: 'database_unavailable',
      title: 'Service Unavailable',
      detail: 'The database is not reachable: connection refused.',
      instance: '/api/v1/meta',
      errors: [{ field: 'site.code', message: 'must not be empty' }],
      message: 'The database is not reachable: connection refused.',
    })
  })

  it('throws a generic ApiError when the error body is not a problem', async () => {
    stubFetch(
      new Response('<html>Bad Gateway</html>', {
        status: 502,
        statusText: 'Bad Gateway',
        headers: { 'Content-Type': 'text/html' },
      }),
    )

    const error = await api.get('/api/v1/meta').catch((e: unknown) => e)

    expect(error).toBeInstanceOf(ApiError)
    expect(error).toMatchObject({
      status: 502,
      code: 'http_error',
      title: 'Bad Gateway',
      detail: 'The request failed with HTTP status 502.',
    })
  })

  it('throws an ApiError with status 0 when the server cannot be reached', async () => {
    stubFetch(new TypeError('fetch failed'))

    const error = await api.get('/api/v1/meta').catch((e: unknown) => e)

    expect(error).toBeInstanceOf(ApiError)
    expect(error).toMatchObject({ status: 0, code: 'network_error' })
    expect((error as ApiError).cause).toBeInstanceOf(TypeError)
  })

  it('lets an abort through unchanged', async () => {
    const abort = new DOMException('The operation was aborted.', 'AbortError')
    stubFetch(abort)

    await expect(api.get('/api/v1/meta', { signal: AbortSignal.abort() })).rejects.toBe(abort)
  })

  it('sends JSON bodies with the spec content type and returns nothing for 204', async () => {
    const server = fakeServer()
      .on('PATCH /api/v1/users/7', jsonResponse(sampleUser))
      .on('DELETE /api/v1/tokens/a%2Fb', new Response(null, { status: 204 }))
    const client = createApiClient()

    const user = await client.patch('/api/v1/users/{id}', { display_name: 'Jane Doe' }, { params: { id: 7 } })
    const none = await client.del('/api/v1/tokens/{id}', { params: { id: 'a/b' as unknown as number } })

    expectTypeOf(user.username).toEqualTypeOf<string>()
    expect(user).toEqual(sampleUser)
    expect(none).toBeUndefined()
    const [patch, del] = server.requests
    expect(patch!.method).toBe('PATCH')
    expect(patch!.headers.get('Content-Type')).toBe('application/json; charset=utf-8')
    expect(patch!.body).toEqual({ display_name: 'Jane Doe' })
    expect(del!.method).toBe('DELETE')
    expect(del!.headers.has('Content-Type')).toBe(false)
  })

  it('appends the defined query parameters', async () => {
    const server = fakeServer().on('GET /api/v1/audit', jsonResponse({ items: [], total: 0 }))

    await createApiClient().get('/api/v1/audit', { query: { actor: 'j doe', limit: 5, since: undefined } })

    expect(server.requests[0]!.path).toBe('/api/v1/audit?actor=j+doe&limit=5')
  })

  it('carries request_id and Retry-After of a problem', async () => {
    stubFetch(
      new Response(JSON.stringify(problem(429, 'rate_limited', 'slow down', { request_id: 'req-1' })), {
        status: 429,
        headers: { 'Content-Type': 'application/problem+json', 'Retry-After': '30' },
      }),
    )

    await expect(api.post('/api/v1/auth/login', { username: 'a', password: 'b' })).rejects.toMatchObject({
      status: 429,
      code: 'rate_limited',
      request_id: 'req-1',
      retryAfter: 30,
    })
  })

  it('reads Retry-After as seconds or as an HTTP date', () => {
    const now = Date.parse('2026-01-01T00:00:00Z')
    expect(retryAfterSeconds('12', now)).toBe(12)
    expect(retryAfterSeconds('Thu, 01 Jan 2026 00:00:09 GMT', now)).toBe(9)
    expect(retryAfterSeconds('Wed, 31 Dec 2025 23:00:00 GMT', now)).toBe(0)
    expect(retryAfterSeconds('soon', now)).toBeUndefined()
    expect(retryAfterSeconds(null, now)).toBeUndefined()
  })

  it('sends the bearer token of the auth handler, renews it once after a 401 and retries', async () => {
    const server = fakeServer().on(
      'GET /api/v1/auth/me',
      problemResponse(problem(401, 'unauthenticated', 'expired')),
      jsonResponse(sampleUser),
    )
    let token = 'old'
    const handler: AuthHandler = {
      accessToken: () => token,
      renew: vi.fn(async () => ((token = 'new'), true)),
    }
    const client = createApiClient()
    client.setAuth(handler)

    expect(await client.get('/api/v1/auth/me')).toEqual(sampleUser)
    expect(handler.renew).toHaveBeenCalledExactlyOnceWith('old')
    expect(server.requests.map(bearer)).toEqual(['old', 'new'])
  })

  it('throws the 401 when the token cannot be renewed, and skips auth when asked to', async () => {
    const server = fakeServer().on('POST /api/v1/auth/login', problemResponse(problem(401, 'unauthenticated', 'no')))
    const handler: AuthHandler = { accessToken: () => 'tok', renew: vi.fn(async () => false) }
    const client = createApiClient()
    client.setAuth(handler)

    await expect(client.post('/api/v1/auth/login', { username: 'a', password: 'b' })).rejects.toMatchObject({
      status: 401,
    })
    expect(handler.renew).toHaveBeenCalledTimes(1)
    await expect(
      client.post('/api/v1/auth/login', { username: 'a', password: 'b' }, { auth: false }),
    ).rejects.toMatchObject({ status: 401 })
    expect(handler.renew).toHaveBeenCalledTimes(1)
    expect(server.requests.map(bearer)).toEqual(['tok', null])
  })
})
