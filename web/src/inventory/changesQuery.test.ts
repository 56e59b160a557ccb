import { describe, expect, it } from 'vitest'
import type { Change } from '../api/types'
import {
  EMPTY_FILTER,
  assetStatesFrom,
  changesApiQuery,
  describeChange,
  hasChangeFilters,
  localMidnight,
  parseChangesQuery,
  revertEffect,
  toChangesRouteQuery,
  validDay,
} from './changesQuery'

const change = (id: number, entity: string, action: string, entity_id: number): Change => ({
  id,
  at: '2026-11-28T08:00:00Z',
  entity,
  entity_id,
  action,
  summary: `X-${entity_id}`,
  changes: {},
})

describe('changes page query', () => {
  it('reads no filters from an empty URL and writes nothing back', () => {
    const f = parseChangesQuery({})
    expect(f).toEqual(EMPTY_FILTER)
    expect(toChangesRouteQuery(f)).toEqual({})
    expect(changesApiQuery(f)).toEqual({})
    expect(hasChangeFilters(f)).toBe(false)
  })

  it('round-trips every filter through the URL', () => {
    const query = { entity: 'asset', entity_id: '42', asset_id: '42', action: 'delete', actor: 'jdoe', since: '2026-11-01', until: '2026-11-30' }
    const f = parseChangesQuery(query)
    expect(f).toEqual({ entity: 'asset', entityId: 42, assetId: 42, action: 'delete', actor: 'jdoe', since: '2026-11-01', until: '2026-11-30' })
    expect(toChangesRouteQuery(f)).toEqual(query)
    expect(hasChangeFilters(f)).toBe(true)
  })

  it('drops what the API would refuse: unknown entities and actions, impossible days, an id without its entity', () => {
    const f = parseChangesQuery({ entity: 'user', entity_id: '3', action: 'revert', since: '2026-02-30', until: 'yesterday', asset_id: 'x' })
    expect(f).toEqual(EMPTY_FILTER)
    expect(validDay('2024-02-29')).toBe('2024-02-29')
    expect(validDay('2026-13-01')).toBe('')
  })

  it('asks for days from local midnight to the midnight after the last day', () => {
    const p = changesApiQuery({ ...EMPTY_FILTER, actor: ' jdoe ', since: '2026-11-01', until: '2026-11-30' })
    expect(p).toEqual({ actor: 'jdoe', since: new Date(2026, 10, 1).toISOString(), until: new Date(2026, 11, 1).toISOString() })
    // Across a month end and a daylight-saving change alike: the next calendar day at 00:00 local time.
    expect(new Date(localMidnight('2026-10-25', 1)).getDate()).toBe(26)
    expect(new Date(localMidnight('2026-10-25', 1)).getHours()).toBe(0)
  })

  it('reads whether assets exist from their newest change in the feed', () => {
    const items = [change(9, 'asset', 'create', 1), change(8, 'asset', 'delete', 1), change(7, 'asset', 'delete', 2), change(6, 'asset', 'update', 2), change(5, 'relation', 'delete', 3), change(4, 'asset', 'update', 4)]
    expect([...assetStatesFrom(items)]).toEqual([
      [1, true],
      [2, false],
      [4, true],
    ])
  })

  it('says what a change was and what reverting it does', () => {
    expect(describeChange(change(1, 'asset_type_field', 'create', 1))).toBe('Created asset type field')
    expect(revertEffect(change(1, 'asset', 'delete', 42))).toContain('Restore the deleted asset “X-42” under its old id (#42)')
    expect(revertEffect(change(1, 'location', 'create', 5))).toContain('Delete the location “X-5”')
    expect(revertEffect(change(1, 'relation', 'create', 5))).toContain('Remove the relation')
  })
})
