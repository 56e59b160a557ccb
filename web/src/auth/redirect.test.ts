import { describe, expect, it } from 'vitest'
import { nextQuery, safeNext } from './redirect'

describe('safeNext', () => {
  it.each([
    ['/account', '/account'],
    ['/assets?q=pump%201#top', '/assets?q=pump%201#top'],
    ['/a/../b', '/b'],
  ])('keeps the same-origin path %s', (next, expected) => {
    expect(safeNext(next)).toBe(expected)
  })

  it.each([
    '//evil.example',
    '///evil.example',
    'https://evil.example',
    'javascript:alert(1)',
    '/\\evil.example',
    '\\\\evil.example',
    '/\t/evil.example',
    '/\n/evil.example',
    'account',
    '',
    '/login',
    '/login?next=/x',
  ])('turns %j into /', (next) => {
    expect(safeNext(next)).toBe('/')
  })

  it('takes the first of repeated values and treats a missing one as /', () => {
    expect(safeNext(['/account', '//evil.example'])).toBe('/account')
    expect(safeNext(undefined)).toBe('/')
    expect(safeNext(null)).toBe('/')
  })
})

describe('nextQuery', () => {
  it('omits the home page', () => {
    expect(nextQuery('/')).toEqual({})
    expect(nextQuery('/account?x=1')).toEqual({ next: '/account?x=1' })
  })
})
