import { beforeEach, describe, expect, it } from 'vitest'
import type { LocationNode } from '../api/types'
import { mountApp, settle, signedInAs } from '../test/app'
import { jsonResponse, problem, problemResponse } from '../test/fixtures'

const node = (id: number, name: string, path: string, children: LocationNode[] = [], counts = [0, 0], parent_id?: number): LocationNode => ({
  id,
  name,
  path,
  kind: 'hall',
  depth: path.split(' / ').length - 1,
  parent_id,
  version: 1,
  asset_count: counts[0]!,
  total_asset_count: counts[1]!,
  children,
})
const cell = node(3, 'Cell 4', 'Plant 1 / Hall B / Cell 4', [], [2, 2], 2)
const hallB = node(2, 'Hall B', 'Plant 1 / Hall B', [cell], [1, 3], 1)
const hallC = node(4, 'Hall C', 'Plant 1 / Hall C', [], [0, 0], 1)
const plant = node(1, 'Plant 1', 'Plant 1', [hallB, hallC], [0, 3])
const tree = { roots: [plant], location_count: 4 }

beforeEach(() => localStorage.clear())

describe('locations', () => {
  it('shows the tree with counts, top level open', async () => {
    signedInAs('editor').on('GET /api/v1/locations/tree', jsonResponse(tree))
    const { wrapper } = await mountApp('/locations')
    const rows = wrapper.findAll('[data-location]').map((li) => li.attributes('data-location'))
    expect(rows).toEqual(['Plant 1', 'Plant 1 / Hall B', 'Plant 1 / Hall C'])
    expect(wrapper.get('[data-location="Plant 1 / Hall B"] .loc__count').text()).toContain('3')
    expect(wrapper.get('[data-location="Plant 1 / Hall B"] .loc__count').text()).toContain('(1 here)')
    await wrapper.get('button[aria-label="Expand Hall B"]').trigger('click')
    expect(wrapper.find('[data-location="Plant 1 / Hall B / Cell 4"]').exists()).toBe(true)
  })

  it('moves a subtree under a new parent, never under itself', async () => {
    const s = signedInAs('editor')
      .on('GET /api/v1/locations/tree', jsonResponse(tree))
      .on('PATCH /api/v1/locations/2', jsonResponse({}))
    const { wrapper } = await mountApp('/locations')
    await wrapper.get('button[aria-label="Move Hall B"]').trigger('click')
    await settle()
    const options = wrapper.findAll('#move-parent option').map((o) => o.text())
    expect(options).toEqual(['— Top level —', 'Plant 1', 'Plant 1 / Hall C'])
    await wrapper.get('#move-parent').setValue('4')
    await wrapper.get('[data-testid="confirm-move"]').trigger('submit')
    await settle()
    expect(s.calls('PATCH /api/v1/locations/2')[0]?.body).toEqual({ version: 1, parent_id: 4 })
  })

  it('shows the server’s reason when a delete is refused', async () => {
    const detail = 'Hall B still holds 1 location (Cell 4) and 1 asset (CNC-1); move or delete them first'
    signedInAs('editor')
      .on('GET /api/v1/locations/tree', jsonResponse(tree))
      .on('DELETE /api/v1/locations/2', problemResponse(problem(409, 'conflict', detail)))
    const { wrapper } = await mountApp('/locations')
    await wrapper.get('button[aria-label="Delete Hall B"]').trigger('click')
    await settle()
    await wrapper.get('dialog [data-testid="confirm"]').trigger('click')
    await settle()
    expect(wrapper.get('dialog [role="alert"]').text()).toBe(detail)
  })

  it('has no edit controls for viewers', async () => {
    signedInAs('viewer').on('GET /api/v1/locations/tree', jsonResponse(tree))
    const { wrapper } = await mountApp('/locations')
    expect(wrapper.find('[data-testid="new-location"]').exists()).toBe(false)
    expect(wrapper.find('button[aria-label="Move Hall B"]').exists()).toBe(false)
  })
})
