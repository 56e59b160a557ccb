import { beforeEach, describe, expect, it } from 'vitest'
import { mountApp, signedInAs } from '../test/app'
import { jsonResponse, problem, problemResponse } from '../test/fixtures'

const summary = {
  generated_at: '2026-11-28T08:00:00Z',
  total: 14,
  by_status: [
    { status: 'planned', count: 0 },
    { status: 'in_service', count: 10 },
    { status: 'maintenance', count: 4 },
    { status: 'spare', count: 0 },
    { status: 'retired', count: 0 },
    { status: 'disposed', count: 0 },
  ],
  by_type: [
    { type_id: 1, key: 'machine', name: 'Machine', count: 4 },
    { type_id: 2, key: 'computer', name: 'Computer', count: 0 },
    { type_id: 3, key: 'printer', name: 'Printer', count: 10 },
  ],
  by_location: [
    { location_id: 1, name: 'Plant 1', count: 9 },
    { location_id: null, count: 5 },
  ],
  recent_changes: [{ id: 9, at: '2026-11-28T07:59:00Z', actor: 'jdoe', entity: 'asset', action: 'update', summary: 'CNC-1', asset_id: 42 }],
}

beforeEach(() => localStorage.clear())

describe('dashboard', () => {
  it('charts the counts, each bar linking to the filtered list, and lists recent changes', async () => {
    signedInAs('viewer').on('GET /api/v1/summary', jsonResponse(summary))
    const { wrapper } = await mountApp('/')
    expect(wrapper.get('[data-testid="total-assets"]').text()).toContain('14')
    const status = wrapper.get('ul[aria-label="Assets by status"]')
    expect(status.findAll('li').map((li) => li.text())).toContain('Maintenance4')
    expect(status.get('a[href="/assets?status=maintenance"]').text()).toBe('Maintenance')
    // Types without assets are left out; the no-location entry has no link.
    expect(wrapper.get('ul[aria-label="Assets by type"]').findAll('li')).toHaveLength(2)
    expect(wrapper.get('ul[aria-label="Assets by top-level location"]').text()).toContain('No location')
    expect(wrapper.get('[data-testid="recent-changes"] a').attributes('href')).toBe('/assets/42?tab=history')
    expect(wrapper.get('[data-testid="all-changes"]').attributes('href')).toBe('/changes')
  })

  it('shows the problem detail and a retry when the summary fails', async () => {
    signedInAs('viewer').on('GET /api/v1/summary', problemResponse(problem(503, 'database_unavailable', 'The database is not reachable.')))
    const { wrapper } = await mountApp('/')
    expect(wrapper.get('[data-testid="load-error"]').text()).toContain('The database is not reachable.')
    expect(wrapper.get('[data-testid="load-error"] button').text()).toBe('Try again')
  })
})
