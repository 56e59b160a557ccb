import { vi } from 'vitest'
import type { Meta, Problem } from '../api/client'

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
