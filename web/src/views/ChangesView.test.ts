import { beforeEach, describe, expect, it } from 'vitest'
import type { Change } from '../api/types'
import { mountApp, settle, signedInAs } from '../test/app'
import { jsonResponse, problem, problemResponse, type FakeRequest } from '../test/fixtures'

const at = '2026-11-28T08:00:00Z'
const deleted: Change = {
  id: 90,
  at,
  actor: 'jdoe',
  entity: 'asset',
  entity_id: 42,
  asset_id: 42,
  action: 'delete',
  summary: 'CNC-0042',
  changes: { tag: { before: 'CNC-0042', after: null }, name: { before: 'DMU 50', after: null } },
}
const rename: Change = {
  id: 89,
  at,
  actor: 'jdoe',
  entity: 'asset',
  entity_id: 7,
  asset_id: 7,
  action: 'update',
  summary: 'PC-7',
  changes: { name: { before: 'Old PC', after: 'Controller PC' } },
  reverts_id: 12,
}
const relation: Change = {
  id: 88,
  at,
  actor: 'admin',
  entity: 'relation',
  entity_id: 3,
  asset_id: 7,
  related_asset_id: 42,
  action: 'create',
  summary: 'PC-7 controls CNC-0042',
  changes: {},
}
const moved: Change = {
  id: 87,
  at,
  actor: 'admin',
  entity: 'location',
  entity_id: 5,
  action: 'update',
  summary: 'Plant 1 / Hall C',
  changes: { parent_id: { before: 1, after: 2 } },
}
const typeField: Change = {
  id: 86,
  at,
  actor: 'admin',
  entity: 'asset_type_field',
  entity_id: 2,
  action: 'create',
  summary: 'cnc.rpm',
  changes: {},
}
const created: Change = { ...rename, id: 85, action: 'create', changes: {}, reverts_id: undefined }
const feed = [deleted, rename, relation, moved, typeField, created]
const page = (items: Change[], total = items.length, offset = 0) => jsonResponse({ items, total, limit: 50, offset })

/** The query of a recorded request, as an object. */
const query = (r: FakeRequest | undefined) => Object.fromEntries(new URL(r?.path ?? '/', 'http://localhost').searchParams)
const rows = (w: Awaited<ReturnType<typeof mountApp>>['wrapper']) => w.findAll('[data-testid="changes"] > li')
/** A row's headline as read out (runs of white space are one space on screen). */
const headline = (li: ReturnType<typeof rows>[number]) => li.get('.change__what').text().replace(/\s+/g, ' ')

beforeEach(() => localStorage.clear())

describe('changes', () => {
  it('lists every change newest first: what, who, the diff, "reverts", links to assets that still exist', async () => {
    const s = signedInAs('viewer').on('GET /api/v1/changes', page(feed, 120))
    const { wrapper } = await mountApp('/changes')
    expect(wrapper.get('main h1').text()).toBe('Changes')
    expect(wrapper.get('[data-testid="changes-total"]').text()).toBe('120 changes')
    expect(query(s.calls('GET /api/v1/changes')[0])).toEqual({ limit: '50' })
    const items = rows(wrapper)
    expect(items.map(headline)).toEqual([
      'Deleted asset CNC-0042',
      'Changed asset PC-7 (reverts #12)',
      'Created relation PC-7 controls CNC-0042',
      'Changed location Plant 1 / Hall C',
      'Created asset type field cnc.rpm',
      'Created asset PC-7',
    ])
    // The deleted asset has no page to go to; the renamed one has; a relation is its summary.
    expect(items[0]!.find('.change__what a').exists()).toBe(false)
    expect(items[1]!.get('.change__what a').attributes('href')).toBe('/assets/7')
    expect(items[2]!.find('.change__what a').exists()).toBe(false)
    expect(items[1]!.get('.change__meta').text()).toContain('jdoe')
    expect(items[1]!.findAll('tbody tr').map((r) => r.findAll('th, td').map((c) => c.text()))).toEqual([['Name', 'Old PC', 'Controller PC']])
    // A creation's or deletion's fields are folded away.
    expect(items[0]!.get('details summary').text()).toBe('Fields (2)')
    expect(wrapper.get('[data-testid="load-more"]').text()).toContain('114 more')
  })

  it('puts the filters into the URL and the request, and back goes to the previous filters', async () => {
    const s = signedInAs('viewer').on('GET /api/v1/changes', page(feed))
    const { wrapper, router } = await mountApp('/changes')
    await wrapper.get('#changes-entity').setValue('asset')
    await settle()
    await wrapper.get('#changes-action').setValue('delete')
    await settle()
    const actor = wrapper.get('#changes-actor')
    await actor.setValue('jdoe')
    await actor.trigger('keydown', { key: 'Enter' })
    await settle()
    const since = wrapper.get('#changes-since')
    ;(since.element as HTMLInputElement).value = '2026-11-01'
    await since.trigger('change')
    await settle()
    const until = wrapper.get('#changes-until')
    ;(until.element as HTMLInputElement).value = '2026-11-30'
    await until.trigger('change')
    await settle()

    expect(router.currentRoute.value.query).toEqual({ entity: 'asset', action: 'delete', actor: 'jdoe', since: '2026-11-01', until: '2026-11-30' })
    const lists = s.calls('GET /api/v1/changes').filter((r) => query(r).limit === '50')
    expect(query(lists.at(-1))).toEqual({
      entity: 'asset',
      action: 'delete',
      actor: 'jdoe',
      since: new Date(2026, 10, 1).toISOString(),
      until: new Date(2026, 11, 1).toISOString(),
      limit: '50',
    })
    expect(wrapper.get('[data-testid="changes-total"]').text()).toBe('6 changes match')

    router.back()
    await settle()
    expect(router.currentRoute.value.query).toEqual({ entity: 'asset', action: 'delete', actor: 'jdoe', since: '2026-11-01' })
    expect(query(s.calls('GET /api/v1/changes').filter((r) => query(r).limit === '50').at(-1)).until).toBeUndefined()

    await wrapper.findAll('button').find((b) => b.text() === 'Clear filters')!.trigger('click')
    await settle()
    expect(router.currentRoute.value.fullPath).toBe('/changes')
    expect((wrapper.get('#changes-actor').element as HTMLInputElement).value).toBe('')
  })

  it('opens with the URL’s filters, and links assets the feed does not show deleted, without a request per asset', async () => {
    const s = signedInAs('viewer').on('GET /api/v1/changes', page([deleted, rename]))
    const { wrapper } = await mountApp('/changes?action=update&actor=jdoe')
    expect((wrapper.get('#changes-action').element as HTMLSelectElement).value).toBe('update')
    expect((wrapper.get('#changes-actor').element as HTMLInputElement).value).toBe('jdoe')
    expect(s.calls('GET /api/v1/changes').map(query)).toEqual([{ action: 'update', actor: 'jdoe', limit: '50' }])
    const items = rows(wrapper)
    expect(items[0]!.find('.change__what a').exists()).toBe(false)
    expect(items[1]!.get('.change__what a').attributes('href')).toBe('/assets/7')
  })

  it('counts one match in the singular', async () => {
    signedInAs('viewer').on('GET /api/v1/changes', page([deleted]))
    const { wrapper } = await mountApp('/changes?action=delete')
    expect(wrapper.get('[data-testid="changes-total"]').text()).toBe('1 change matches')
  })

  it('shows older changes on request, from where the list ends', async () => {
    const first = Array.from({ length: 50 }, (_, i) => ({ ...rename, id: 200 - i, reverts_id: undefined }))
    const s = signedInAs('viewer').on('GET /api/v1/changes', page(first, 51), page([moved], 51, 50))
    const { wrapper } = await mountApp('/changes')
    await wrapper.get('[data-testid="load-more"]').trigger('click')
    await settle()
    expect(query(s.calls('GET /api/v1/changes')[1])).toEqual({ limit: '50', offset: '50' })
    expect(rows(wrapper)).toHaveLength(51)
    expect(wrapper.find('[data-testid="load-more"]').exists()).toBe(false)
  })

  it('reverts a deletion after saying what will happen, then reloads and offers the restored asset', async () => {
    const restored: Change = { ...deleted, id: 91, action: 'create', reverts_id: 90, actor: 'jdoe' }
    let reverted = false
    const s = signedInAs('editor')
      .on('GET /api/v1/changes', () => {
        const now = reverted ? [restored, deleted] : [deleted]
        return page(now)
      })
      .on('POST /api/v1/changes/90/revert', () => ((reverted = true), jsonResponse(restored, 201)))
    const { wrapper } = await mountApp('/changes?entity=asset&action=delete')
    expect(rows(wrapper)[0]!.find('.change__what a').exists()).toBe(false)
    await wrapper.get('button[aria-label="Revert change #90"]').trigger('click')
    await settle()
    const dialog = wrapper.get('dialog')
    expect(dialog.text()).toContain('Revert change #90?')
    expect(dialog.get('[data-testid="revert-effect"]').text()).toContain('Restore the deleted asset “CNC-0042” under its old id (#42)')
    expect(s.calls('POST /api/v1/changes/90/revert')).toHaveLength(0)

    const listsBefore = s.calls('GET /api/v1/changes').filter((r) => query(r).limit === '50').length
    await dialog.get('[data-testid="confirm"]').trigger('click')
    await settle()
    expect(s.calls('POST /api/v1/changes/90/revert')).toHaveLength(1)
    expect(s.calls('GET /api/v1/changes').filter((r) => query(r).limit === '50')).toHaveLength(listsBefore + 1)
    const done = wrapper.get('[data-testid="revert-done"]')
    expect(done.text()).toContain('Change #90 was reverted (new change #91)')
    expect(done.get('a').attributes('href')).toBe('/assets/42')
    expect(headline(rows(wrapper)[0]!)).toBe('Created asset CNC-0042 (reverts #90)')
    // The filtered feed asked again: the asset is back, so its changes link to it.
    expect(rows(wrapper)[0]!.get('.change__what a').attributes('href')).toBe('/assets/42')
  })

  it('shows the server’s reason and the conflicting fields when a revert is refused', async () => {
    const s = signedInAs('editor')
      .on('GET /api/v1/changes', page(feed))
      .on(
        'POST /api/v1/changes/87/revert',
        problemResponse(
          problem(409, 'conflict', '1 field(s) of Plant 1 / Hall C changed after this change; revert the later changes first or edit by hand', {
            errors: [{ field: 'parent_id', message: 'changed since: it is now 4, this change set it to 2' }],
          }),
        ),
      )
    const { wrapper } = await mountApp('/changes')
    await wrapper.get('button[aria-label="Revert change #87"]').trigger('click')
    await settle()
    const dialog = wrapper.get('dialog')
    expect(dialog.get('[data-testid="revert-effect"]').text()).toContain('Put back the values the location “Plant 1 / Hall C” had')
    await dialog.get('[data-testid="confirm"]').trigger('click')
    await settle()
    expect(s.calls('POST /api/v1/changes/87/revert')).toHaveLength(1)
    const alert = dialog.get('[role="alert"]')
    expect(alert.text()).toContain('revert the later changes first')
    expect(alert.text()).toContain('parent_id: changed since: it is now 4')
    expect(wrapper.find('[data-testid="revert-done"]').exists()).toBe(false)
  })

  it('offers Revert to editors on asset, relation and location changes; undoing a creation of an asset to admins', async () => {
    signedInAs('editor').on('GET /api/v1/changes', page(feed))
    const { wrapper } = await mountApp('/changes')
    const revertible = (w: typeof wrapper) => rows(w).filter((li) => li.find('button[aria-label^="Revert"]').exists()).map((li) => li.attributes('data-change'))
    expect(revertible(wrapper)).toEqual(['90', '89', '88', '87'])
    wrapper.unmount()

    signedInAs('admin').on('GET /api/v1/changes', page(feed))
    const admin = await mountApp('/changes')
    expect(revertible(admin.wrapper)).toEqual(['90', '89', '88', '87', '85'])
  })

  it('shows viewers no Revert button', async () => {
    signedInAs('viewer').on('GET /api/v1/changes', page(feed))
    const { wrapper } = await mountApp('/changes')
    expect(rows(wrapper)).toHaveLength(6)
    expect(wrapper.findAll('main button').map((b) => b.text())).not.toContain('Revert…')
  })

  it('says so when nothing matches, with a way back to everything', async () => {
    signedInAs('viewer').on('GET /api/v1/changes', page([]))
    const { wrapper, router } = await mountApp('/changes?actor=nobody')
    expect(wrapper.get('[data-testid="empty-state"]').text()).toContain('No changes match these filters.')
    await wrapper.get('[data-testid="empty-state"] button').trigger('click')
    await settle()
    expect(router.currentRoute.value.fullPath).toBe('/changes')
  })
})
