import { beforeEach, describe, expect, it } from 'vitest'
import { COLUMNS_KEY } from '../../inventory/listQuery'
import { mountApp, settle, signedInAs } from '../../test/app'
import { jsonResponse, problem, problemResponse } from '../../test/fixtures'
import { cncType } from '../../test/inventory'

const page = (items: object[], total = items.length) => jsonResponse({ items, total, limit: 50, offset: 0 })
const row = (id: number, tag: string, extra: object = {}) => ({ id, tag, name: `Asset ${id}`, status: 'in_service', type: 'cnc', type_name: 'CNC machine', version: 1, ...extra })

function server(role: 'viewer' | 'editor' = 'editor') {
  return signedInAs(role)
    .on('GET /api/v1/asset-types', jsonResponse({ items: [cncType], total: 1, limit: 1000, offset: 0 }))
    .on('GET /api/v1/locations', jsonResponse({ items: [], total: 0, limit: 1000, offset: 0 }))
}

const query = (path: string) => Object.fromEntries(new URL(path, 'http://x').searchParams)

beforeEach(() => localStorage.clear())

describe('assets list', () => {
  it('sends the filters, sort and page from the URL to the API', async () => {
    const s = server().on('GET /api/v1/assets', page([row(1, 'CNC-1')], 120))
    const { wrapper } = await mountApp('/assets?status=spare,retired&sort=-name&offset=50&q=mill')
    const sent = query(s.calls('GET /api/v1/assets')[0]!.path)
    expect(sent).toMatchObject({ status: 'spare,retired', sort: '-name', offset: '50', limit: '50', q: 'mill' })
    expect(sent.fields!.split(',')).toEqual(expect.arrayContaining(['tag', 'name', 'status', 'version']))
    expect(wrapper.get('[aria-sort="descending"]').text()).toContain('Name')
    expect((wrapper.get('[data-testid="quick-search"]').element as HTMLInputElement).value).toBe('mill')
    expect(wrapper.get('.pager__range').text()).toBe('51–100 of 120')
  })

  it('debounces quick search into the URL, and a header click sorts', async () => {
    const s = server().on('GET /api/v1/assets', page([row(1, 'CNC-1')]))
    const { wrapper, router } = await mountApp('/assets')
    await wrapper.get('[data-testid="quick-search"]').setValue('cn')
    await wrapper.get('[data-testid="quick-search"]').setValue('cnc')
    expect(router.currentRoute.value.query.q).toBeUndefined()
    await new Promise((r) => setTimeout(r, 350))
    await settle()
    expect(router.currentRoute.value.query.q).toBe('cnc')
    // One request for the page, one for the search: the keystrokes in between sent nothing.
    expect(s.calls('GET /api/v1/assets').map((c) => query(c.path).q)).toEqual([undefined, 'cnc'])

    const nameHeader = wrapper.findAll('th button').find((b) => b.text().startsWith('Name'))!
    await nameHeader.trigger('click')
    await settle()
    expect(router.currentRoute.value.query.sort).toBe('name')
  })

  it('remembers the chosen columns in this browser', async () => {
    server().on('GET /api/v1/assets', page([row(1, 'CNC-1', { hostname: 'cnc-1' })]))
    const { wrapper } = await mountApp('/assets')
    await wrapper.get('[data-testid="column-chooser"]').trigger('click')
    await wrapper.get('input[data-column="hostname"]').setValue(true)
    await settle()
    expect(JSON.parse(localStorage.getItem(COLUMNS_KEY)!)).toContain('hostname')
    expect(wrapper.findAll('thead th').map((t) => t.text())).toContain('Hostname')
  })

  it('shows an empty state that offers to clear the filters', async () => {
    server().on('GET /api/v1/assets', page([]))
    const { wrapper, router } = await mountApp('/assets?status=disposed')
    expect(wrapper.get('[data-testid="empty-state"]').text()).toContain('No assets match these filters.')
    await wrapper.get('[data-testid="empty-state"] button').trigger('click')
    await settle()
    expect(router.currentRoute.value.fullPath).toBe('/assets')
  })

  it('gives viewers no selection, bulk actions or "New asset"', async () => {
    server('viewer').on('GET /api/v1/assets', page([row(1, 'CNC-1')]))
    const { wrapper } = await mountApp('/assets')
    expect(wrapper.find('[data-testid="new-asset"]').exists()).toBe(false)
    expect(wrapper.find('tbody input[type="checkbox"]').exists()).toBe(false)
  })

  it('bulk status change sends one all-or-nothing request with the versions the list read', async () => {
    const s = server()
      .on('GET /api/v1/assets', page([row(1, 'A-1', { version: 3 }), row(2, 'A-2', { version: 7 })]))
      .on(
        'POST /api/v1/assets/bulk',
        problemResponse(problem(422, 'validation_failed', '1 error(s) in the items; nothing was written', { errors: [{ field: 'items[1].version', message: 'is 8 now' }] })),
        jsonResponse({ dry_run: false, created: 0, updated: 2, unchanged: 0, error_count: 0, errors: [] }),
      )
    const { wrapper } = await mountApp('/assets')
    await wrapper.get('thead input[type="checkbox"]').setValue(true)
    await wrapper.get('[data-testid="bulk-actions"] select').setValue('spare')
    await wrapper.get('[data-testid="bulk-actions"] form').trigger('submit')
    await settle()
    expect(s.calls('POST /api/v1/assets/bulk')[0]?.body).toEqual({
      dry_run: false,
      items: [
        { tag: 'A-1', version: 3, status: 'spare' },
        { tag: 'A-2', version: 7, status: 'spare' },
      ],
    })
    // The refusal names the asset by tag.
    expect(wrapper.get('.bulk__failures').text()).toBe('A-2: version: is 8 now')
    await wrapper.get('[data-testid="bulk-actions"] form').trigger('submit')
    await settle()
    expect(wrapper.find('[data-testid="bulk-actions"]').exists()).toBe(false)
  })
})
