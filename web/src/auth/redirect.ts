import type { LocationQueryValue } from 'vue-router'

/** Any placeholder origin: only used to check that a path stays on the same origin. */
const BASE = 'http://same-origin.invalid'

/**
 * The in-app path to go to after sign-in, from an untrusted `?next=` value: only a same-origin
 * path starting with a single `/`. Anything else (`//host`, `/\host`, `https://…`, control
 * characters, the sign-in page itself) gives `/`.
 */
export function safeNext(raw: LocationQueryValue | LocationQueryValue[] | undefined): string {
  const value = Array.isArray(raw) ? raw[0] : raw
  // Browsers read `\` as `/` and drop tabs and newlines, so `/\evil` or `/\t/evil` mean `//evil`.
  if (typeof value !== 'string' || !value.startsWith('/') || /^\/\/|[\\\u0000-\u001f\u007f]/.test(value)) {
    return '/'
  }
  let url: URL
  try {
    url = new URL(value, BASE)
  } catch {
    return '/'
  }
  if (url.origin !== BASE || url.pathname === '/login') return '/'
  return url.pathname + url.search + url.hash
}

/** The query that carries `path` as `next` (omitted for the home page). */
export function nextQuery(path: string): { next?: string } {
  return path === '/' ? {} : { next: path }
}
