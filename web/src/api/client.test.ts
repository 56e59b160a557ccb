import { describe, expect, expectTypeOf, it } from 'vitest'
import { api, ApiError, createApiClient, type Meta } from './client'
import {
  jsonResponse,
  problemResponse,
  sampleMeta,
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
})
