import { beforeEach, describe, expect, it } from 'vitest'
import { mountApp, settle, signedInAs } from '../../test/app'
import { jsonResponse, problem, problemResponse } from '../../test/fixtures'
import { cncType, computerType, sampleAsset } from '../../test/inventory'

const location = { id: 5, name: 'Hall B', kind: 'hall', path: 'Plant 1 / Hall B', depth: 1, asset_count: 1, version: 1, created_at: '', updated_at: '' }

function server() {
  return signedInAs('editor')
    .on('GET /api/v1/asset-types', jsonResponse({ items: [cncType, computerType], total: 2, limit: 1000, offset: 0 }))
    .on('GET /api/v1/locations', jsonResponse({ items: [location], total: 1, limit: 1000, offset: 0 }))
}

beforeEach(() => localStorage.clear())

describe('asset form', () => {
  it('builds the custom fields from the type and shows server errors on their fields', async () => {
    const s = server().on(
      'POST /api/v1/assets',
      problemResponse(
        problem(422, 'validation_failed', 'The asset has 2 invalid fields.', {
          errors: [
            { field: 'custom_fields.rpm', message: 'is required' },
            { field: 'ip', message: '`10.0.0.256` is not an IPv4 or IPv6 address' },
            { field: 'something_else', message: 'is odd' },
          ],
        }),
      ),
    )
    const { wrapper } = await mountApp('/assets/new')
    await wrapper.get('#f-type').setValue('cnc')
    await settle()
    const labels = wrapper.findAll('[data-testid="custom-fields"] label').map((l) => l.text())
    expect(labels).toEqual(['Spindle rpm', 'Controller', 'Coolant'])
    expect(wrapper.get('#f-cf-controller').findAll('option').map((o) => o.text())).toEqual(['— None —', 'Fanuc', 'Sinumerik'])

    await wrapper.get('#f-tag').setValue('cnc-1')
    await wrapper.get('#f-name').setValue('Mill')
    await wrapper.get('#f-ip').setValue('10.0.0.256')
    await wrapper.get('form.asset-form').trigger('submit')
    await settle()

    expect(s.calls('POST /api/v1/assets')[0]?.body).toMatchObject({ tag: 'cnc-1', name: 'Mill', type: 'cnc', ip: '10.0.0.256' })
    expect(wrapper.get('#f-cf-rpm').attributes('aria-invalid')).toBe('true')
    expect(wrapper.get('#f-cf-rpm-error').text()).toBe('is required')
    expect(wrapper.get('#f-cf-rpm').attributes('aria-describedby')).toContain('f-cf-rpm-error')
    expect(wrapper.get('#f-ip-error').text()).toContain('is not an IPv4')
    // An error for a property the form has no input for is listed with the problem's detail.
    const alert = wrapper.get('[data-testid="problem"]')
    expect(alert.text()).toContain('The asset has 2 invalid fields.')
    expect(alert.text()).toContain('something_else')
    expect(alert.text()).not.toContain('custom_fields.rpm')
  })

  it('on a stale version: says so, compares, and only overwrites when the user chooses to', async () => {
    const theirs = { ...sampleAsset, version: 5, name: 'DMU 50 (hall B)', owner: 'Maintenance' }
    const s = server()
      .on('GET /api/v1/assets/42', jsonResponse(sampleAsset), jsonResponse(theirs))
      .on(
        'PATCH /api/v1/assets/42',
        problemResponse(problem(409, 'stale_version', 'The asset changed since version 4.', { current_version: 5 })),
        jsonResponse({ ...theirs, version: 6, name: 'Mine' }),
      )
      .on('GET /api/v1/asset-types/10', jsonResponse(cncType))
    const { wrapper, router } = await mountApp('/assets/42/edit')
    expect((wrapper.get('#f-name').element as HTMLInputElement).value).toBe('DMU 50')

    await wrapper.get('#f-name').setValue('Mine')
    await wrapper.get('form.asset-form').trigger('submit')
    await settle()
    expect(s.calls('PATCH /api/v1/assets/42')[0]?.body).toEqual({ version: 4, name: 'Mine' })
    const conflict = wrapper.get('[data-testid="conflict"]')
    expect(conflict.text()).toContain('Someone else changed this asset')
    expect(conflict.text()).toContain('version 5')
    expect(router.currentRoute.value.path).toBe('/assets/42/edit')

    await wrapper.get('[data-testid="conflict-compare"]').trigger('click')
    await settle()
    const rows = wrapper.findAll('[data-testid="conflict-table"] tbody tr').map((r) => r.findAll('th, td').map((c) => c.text()))
    expect(rows).toContainEqual(['Name', 'DMU 50', 'DMU 50 (hall B)', 'Mine'])
    expect(rows).toContainEqual(['Owner', '—', 'Maintenance', '—'])

    await wrapper.get('[data-testid="conflict-save"]').trigger('click')
    await settle()
    // Saved on top of version 5, with only the user's own change.
    expect(s.calls('PATCH /api/v1/assets/42')[1]?.body).toEqual({ version: 5, name: 'Mine' })
    expect(router.currentRoute.value.path).toBe('/assets/42')
  })

  it('is not offered to viewers', async () => {
    signedInAs('viewer')
    const { router, wrapper } = await mountApp('/assets/42/edit')
    expect(router.currentRoute.value.name).toBe('forbidden')
    expect(wrapper.get('main h1').text()).toBe('Not allowed')
  })
})
