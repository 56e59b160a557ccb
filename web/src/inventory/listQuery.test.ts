import { describe, expect, it } from 'vitest'
import {
  COLUMNS_KEY,
  DEFAULT_COLUMNS,
  fieldsFor,
  filterParams,
  hasFilters,
  loadColumns,
  nextSort,
  parseListQuery,
  saveColumns,
  sortDirection,
  toRouteQuery,
} from './listQuery'

describe('assets list query', () => {
  it('reads the defaults from an empty URL and writes nothing back for them', () => {
    const s = parseListQuery({})
    expect(s).toEqual({ q: '', status: [], type: [], location: null, descendants: true, sort: 'tag', limit: 50, offset: 0 })
    expect(toRouteQuery(s)).toEqual({})
    expect(hasFilters(s)).toBe(false)
  })

  it('round-trips every filter through the URL', () => {
    const query = { q: 'cnc', status: 'in_service,spare', type: 'machine', location: '7', descendants: 'false', sort: '-updated_at', limit: '100', offset: '200' }
    const s = parseListQuery(query)
    expect(s).toEqual({ q: 'cnc', status: ['in_service', 'spare'], type: ['machine'], location: 7, descendants: false, sort: '-updated_at', limit: 100, offset: 200 })
    expect(toRouteQuery(s)).toEqual(query)
    expect(hasFilters(s)).toBe(true)
  })

  it('ignores values that cannot be right instead of sending them to the API', () => {
    const s = parseListQuery({ limit: '5000', offset: '-3', location: 'abc', status: ',,' })
    expect(s.limit).toBe(50)
    expect(s.offset).toBe(0)
    expect(s.location).toBeNull()
    expect(s.status).toEqual([])
  })

  it('maps filters to the listAssets parameters', () => {
    const s = parseListQuery({ q: ' pc ', status: 'spare', location: '3', descendants: 'false' })
    expect(filterParams(s)).toEqual({ q: 'pc', status: 'spare', location: 3, include_descendants: false })
    expect(filterParams(parseListQuery({ location: '3' }))).toEqual({ location: 3 })
  })

  it('asks only for the properties the visible columns need', () => {
    expect(fieldsFor(['tag', 'location']).split(',').sort()).toEqual(['location_id', 'location_path', 'tag', 'version'])
  })

  it('sorts ascending first, then descending', () => {
    expect(nextSort('tag', 'name')).toBe('name')
    expect(nextSort('name', 'name')).toBe('-name')
    expect(nextSort('-name', 'name')).toBe('name')
    expect(sortDirection('-name', 'name')).toBe('descending')
    expect(sortDirection('name', 'name')).toBe('ascending')
    expect(sortDirection('tag', 'name')).toBeUndefined()
  })

  it('remembers the column choice and survives garbage in storage', () => {
    localStorage.clear()
    expect(loadColumns(localStorage)).toEqual(DEFAULT_COLUMNS)
    saveColumns(localStorage, ['tag', 'hostname'])
    expect(loadColumns(localStorage)).toEqual(['tag', 'hostname'])
    localStorage.setItem(COLUMNS_KEY, '["gone", "ip"]')
    expect(loadColumns(localStorage)).toEqual(['ip'])
    localStorage.setItem(COLUMNS_KEY, '{not json')
    expect(loadColumns(localStorage)).toEqual(DEFAULT_COLUMNS)
    expect(loadColumns(undefined)).toEqual(DEFAULT_COLUMNS)
  })
})
