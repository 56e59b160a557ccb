import { vi } from 'vitest'
import type { ApiResponse, Meta, Problem } from '../api/client'

export const sampleMeta: Meta = {
  product: 'ShopDB',
  version: '0.1.0',
  git_commit: 'abc1234',
  site: { code: 'PLANT1', name: 'Plant 1', timezone: 'Europe/Berlin' },
  plugins: ['labels'],
  database_backend: 'sqlite',
}

export function jsonResponse(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json' },
  })
}

export function problemResponse(problem: Problem): Response {
  return new Response(JSON.stringify(problem), {
    status: problem.status,
    headers: { 'Content-Type': 'application/problem+json' },
  })
}

export const serviceUnavailable: Problem = {
  type: 'about:blank',
  title: 'Service Unavailable',
  status: 503,
  code: 'database_unavailable',
  detail: 'The database is not reachable: connection refused.',
}

/**
 * Replaces the global fetch with a mock answering each call with the next
 * response; anything that is not a Response is thrown (rejected) instead.
 */
export function stubFetch(...responses: unknown[]) {
  const fetchMock = vi.fn<typeof fetch>()
  for (const response of responses) {
    if (response instanceof Response) fetchMock.mockResolvedValueOnce(response)
    else fetchMock.mockRejectedValueOnce(response)
  }
  vi.stubGlobal('fetch', fetchMock)
  return fetchMock
}

export type TokenPair = ApiResponse<'/api/v1/auth/login', 'post'>
export type User = TokenPair['user']

export const sampleUser: User = {
  id: 7,
  username: 'jdoe',
  display_name: 'Jane Doe',
  role: 'editor',
  source: 'local',
  disabled: false,
  must_change_password: false,
  created_at: '2026-01-02T03:04:05Z',
  updated_at: '2026-01-02T03:04:05Z',
}

let pairCounter = 0

/** A token pair with fresh, distinct tokens (`access-N`, `refresh-N`). */
export function tokenPair(overrides: Partial<TokenPair> = {}): TokenPair {
  pairCounter += 1
  const must = overrides.must_change_password ?? false
  return {
    access_token: `access-${pairCounter}`,
    token_type: 'Bearer',
    expires_in: 900,
    refresh_token: `refresh-${pairCounter}`,
    refresh_expires_in: 1_209_600,
    must_change_password: must,
    user: { ...sampleUser, must_change_password: must },
    ...overrides,
  }
}

export function problem(status: number, code: string, detail: string, extra: Partial<Problem> = {}): Problem {
  return { type: `urn:shopdb:problem:${code}`, title: code, status, code, detail, ...extra }
}

export interface FakeRequest {
  method: string
  /** Path and query, e.g. `/api/v1/auth/me`. */
  path: string
  headers: Headers
  /** The parsed JSON body, if any. */
  body: unknown
}

type Reply = Response | ((request: FakeRequest) => Response | Promise<Response>)

/**
 * A stubbed global fetch that answers by route (`'POST /api/v1/auth/login'`). Each route answers
 * with its replies in order; the last one repeats. An unknown route rejects, which the client
 * turns into a network error. Every request is recorded in `requests`.
 */
export function fakeServer() {
  const routes = new Map<string, Reply[]>()
  const requests: FakeRequest[] = []
  const fetchMock = vi.fn<typeof fetch>(async (input, init) => {
    const url = new URL(String(input), 'http://localhost')
    const request: FakeRequest = {
      method: init?.method ?? 'GET',
      path: url.pathname + url.search,
      headers: new Headers(init?.headers),
      body: typeof init?.body === 'string' ? JSON.parse(init.body) : undefined,
    }
    requests.push(request)
    const key = `${request.method} ${url.pathname}`
    const replies = routes.get(key)
    const reply = replies && (replies.length > 1 ? replies.shift() : replies[0])
    if (!reply) throw new TypeError(`fake server: no route for ${key}`)
    return typeof reply === 'function' ? reply(request) : reply.clone()
  })
  vi.stubGlobal('fetch', fetchMock)
  const server = {
    fetchMock,
    requests,
    on(route: string, ...replies: Reply[]) {
      routes.set(route, replies)
      return server
    },
    /** The recorded requests of one route. */
    calls(route: string) {
      return requests.filter((r) => `${r.method} ${r.path.split('?')[0]}` === route)
    },
  }
  return server
}

/** The bearer token a request carried, or null. */
export function bearer(request: FakeRequest | undefined): string | null {
  return request?.headers.get('Authorization')?.replace(/^Bearer /, '') ?? null
}
