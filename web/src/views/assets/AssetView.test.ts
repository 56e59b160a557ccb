import { beforeEach, describe, expect, it } from 'vitest'
import type { Change } from '../../api/types'
import { mountApp, settle, signedInAs } from '../../test/app'
import { jsonResponse, problem, problemResponse } from '../../test/fixtures'
import { cncType, labelsPlugins, sampleAsset } from '../../test/inventory'

const rename: Change = {
  id: 77,
  at: '2026-11-03T08:00:00Z',
  actor: 'jdoe',
  entity: 'asset',
  entity_id: 42,
  asset_id: 42,
  action: 'update',
  summary: 'CNC-0042',
  changes: { name: { before: 'Old mill', after: 'DMU 50' } },
}

function server(role: 'viewer' | 'editor' = 'editor') {
  return signedInAs(role)
    .on('GET /api/v1/assets/42', jsonResponse(sampleAsset))
    .on('GET /api/v1/asset-types/10', jsonResponse(cncType))
    .on('GET /api/v1/assets/42/history', jsonResponse({ items: [rename], total: 1, limit: 25, offset: 0 }))
    .on('GET /api/v1/assets/42/relations', jsonResponse({ items: [] }))
    .on('GET /api/v1/plugins', jsonResponse(labelsPlugins))
}

beforeEach(() => localStorage.clear())

describe('asset page', () => {
  it('shows tag, name, status, type, location and the custom fields with their labels', async () => {
    server()
    const { wrapper } = await mountApp('/assets/42')
    expect(wrapper.get('[data-testid="asset-tag"]').text()).toBe('CNC-0042')
    expect(wrapper.get('main h1').text()).toBe('DMU 50')
    expect(wrapper.get('[data-testid="status-badge"]').text()).toBe('In service')
    expect(wrapper.get('[data-testid="asset-type"]').text()).toBe('CNC machine')
    expect(wrapper.get('[data-testid="asset-location"]').text()).toContain('Plant 1 / Hall B')
    const custom = wrapper.findAll('[data-testid="custom-values"] .facts__row').map((r) => r.text())
    expect(custom).toEqual(['Spindle rpm12000', 'ControllerSinumerik', 'Coolant—'])
    expect(wrapper.find('[data-testid="edit-asset"]').exists()).toBe(true)
  })

  it('moves between tabs with the arrow keys and keeps the tab in the URL', async () => {
    server()
    const { wrapper, router } = await mountApp('/assets/42')
    const tabs = wrapper.findAll('[role="tab"]')
    expect(tabs.map((t) => t.text())).toEqual(['Details', 'Relations', 'Contents', 'History', 'Label'])
    expect(tabs[0]!.attributes('aria-selected')).toBe('true')
    expect(tabs[1]!.attributes('tabindex')).toBe('-1')
    await tabs[0]!.trigger('keydown', { key: 'ArrowRight' })
    await settle()
    expect(router.currentRoute.value.query.tab).toBe('relations')
    expect(wrapper.get('[role="tab"][aria-selected="true"]').text()).toBe('Relations')
    expect(wrapper.get('[data-testid="empty-state"]').text()).toContain('no relations yet')
  })

  it('reverts a change after a confirmation, and shows why when the server refuses', async () => {
    const s = server().on(
      'POST /api/v1/changes/77/revert',
      problemResponse(
        problem(409, 'conflict', 'The asset changed again since change #77; revert the later change first, or edit by hand.', {
          errors: [{ field: 'name', message: 'is now `DMU 50 eVo`' }],
        }),
      ),
    )
    const { wrapper } = await mountApp('/assets/42?tab=history')
    const diff = wrapper.findAll('[data-testid="history"] tbody tr').map((r) => r.findAll('th, td').map((c) => c.text()))
    expect(diff).toEqual([['Name', 'Old mill', 'DMU 50']])

    await wrapper.get('[data-testid="history"] button').trigger('click')
    await settle()
    const dialog = wrapper.get('dialog')
    expect(dialog.text()).toContain('Revert change #77?')
    expect(s.calls('POST /api/v1/changes/77/revert')).toHaveLength(0)

    await dialog.get('[data-testid="confirm"]').trigger('click')
    await settle()
    expect(s.calls('POST /api/v1/changes/77/revert')).toHaveLength(1)
    expect(dialog.get('[role="alert"]').text()).toContain('revert the later change first')
    expect(dialog.get('[role="alert"]').text()).toContain('is now `DMU 50 eVo`')
  })

  it('adds a relation read from the other end ("controlled by") by posting from the other asset', async () => {
    const s = server()
      .on('GET /api/v1/assets/by-tag/PC-7', jsonResponse({ ...sampleAsset, id: 7, tag: 'PC-7' }))
      .on('POST /api/v1/assets/7/relations', jsonResponse({}))
    const { wrapper } = await mountApp('/assets/42?tab=relations')
    await wrapper.get('#rel-kind').setValue('controls:in')
    await wrapper.get('#rel-other').setValue('PC-7')
    await wrapper.get('form.add-relation').trigger('submit')
    await settle()
    expect(s.calls('POST /api/v1/assets/7/relations')[0]?.body).toEqual({ kind: 'controls', target_id: 42 })
  })

  it('shows viewers no edit, delete, revert or relation controls', async () => {
    server('viewer')
    const { wrapper } = await mountApp('/assets/42?tab=history')
    expect(wrapper.find('[data-testid="edit-asset"]').exists()).toBe(false)
    expect(wrapper.findAll('main button').map((b) => b.text())).not.toContain('Revert…')
    expect(wrapper.findAll('main button').map((b) => b.text())).not.toContain('Delete')
  })

  it('/a/<id> (what a QR label encodes) and /a/<tag> open the asset page', async () => {
    server().on('GET /api/v1/assets/by-tag/cnc-0042', jsonResponse(sampleAsset))
    const { router } = await mountApp('/a/42')
    expect(router.currentRoute.value.fullPath).toBe('/assets/42')
    await router.push('/a/cnc-0042')
    await settle()
    expect(router.currentRoute.value.fullPath).toBe('/assets/42')
  })

  it('shows the labels plugin’s panel: preview, the URL the QR code opens, queue state', async () => {
    const s = server()
      .on(
        'GET /api/v1/plugins/labels/assets/42',
        jsonResponse({ asset_id: 42, tag: 'CNC-0042', url: 'https://shopdb.plant1/a/42', up_to_date: false }),
      )
      .on('GET /api/v1/plugins/labels/templates', jsonResponse({ items: [{ id: 1, key: '50x25', name: '50 × 25', builtin: true, width_mm: 50, height_mm: 25, labels_per_page: 1, show_tag: true, show_name: true, show_location: true, show_qr: true, version: 1 }] }))
      .on('GET /api/v1/plugins/labels/assets/42/label.svg', new Response('<svg xmlns="http://www.w3.org/2000/svg"/>', { headers: { 'Content-Type': 'image/svg+xml' } }))
      .on('POST /api/v1/plugins/labels/queue', jsonResponse({ count: 1 }))
    URL.createObjectURL = () => 'blob:label'
    URL.revokeObjectURL = () => {}
    const { wrapper } = await mountApp('/assets/42?tab=labels.label')
    expect(wrapper.findAll('[role="tab"]').map((t) => t.text())).toEqual(['Details', 'Relations', 'Contents', 'History', 'Label'])
    await settle()
    expect(wrapper.get('[data-testid="label-preview"]').attributes('alt')).toBe('Label of CNC-0042 (50 × 25)')
    expect(s.calls('GET /api/v1/plugins/labels/assets/42/label.svg')[0]?.path).toContain('template=50x25')
    expect(wrapper.text()).toContain('https://shopdb.plant1/a/42')
    const add = wrapper.findAll('button').find((b) => b.text() === 'add')!
    await add.trigger('click')
    await settle()
    expect(s.calls('POST /api/v1/plugins/labels/queue')[0]?.body).toEqual({ asset_ids: [42] })
  })
})
