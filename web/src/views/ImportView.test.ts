import { beforeEach, describe, expect, it } from 'vitest'
import { mountApp, settle, signedInAs } from '../test/app'
import { jsonResponse } from '../test/fixtures'

const preview = {
  columns: ['Asset tag', 'Description', 'Speed', 'Colour'],
  delimiter: ';',
  suggested_mapping: { 'Asset tag': 'tag', Description: 'name' },
  unmapped_columns: ['Speed', 'Colour'],
  row_count: 2,
  sample: [
    ['CNC-1', 'Mill', '12000', 'red'],
    ['CNC-2', 'Lathe', 'fast', 'blue'],
  ],
  fields: [
    { name: 'tag', label: 'Asset tag' },
    { name: 'name', label: 'Name' },
    { name: 'custom_fields.rpm', label: 'CNC machine: Spindle rpm' },
  ],
}
const result = (extra: object = {}) => ({ dry_run: true, created: 2, updated: 0, unchanged: 0, error_count: 0, errors: [], rows: 2, mapping: {}, ignored_columns: ['Colour'], ...extra })

beforeEach(() => localStorage.clear())

async function chooseFile(wrapper: Awaited<ReturnType<typeof mountApp>>['wrapper']) {
  const input = wrapper.get('[data-testid="import-file"]')
  const file = new File(['Asset tag;Description;Speed;Colour\nCNC-1;Mill;12000;red\n'], 'assets.csv', { type: 'text/csv' })
  Object.defineProperty(input.element, 'files', { value: [file] })
  await input.trigger('change')
  await settle()
}

describe('CSV import', () => {
  it('previews, maps, checks (row errors listed) and only then imports', async () => {
    const s = signedInAs('editor')
      .on('POST /api/v1/assets/import/preview', jsonResponse(preview))
      .on(
        'POST /api/v1/assets/import',
        jsonResponse(result({ error_count: 1, created: 1, errors: [{ index: 1, row: 2, line: 3, tag: 'CNC-2', field: 'custom_fields.rpm', column: 'Speed', message: '`fast` is not a whole number' }] })),
        jsonResponse(result()),
        jsonResponse(result({ dry_run: false })),
      )
    const { wrapper } = await mountApp('/import')
    await chooseFile(wrapper)
    const preq = s.calls('POST /api/v1/assets/import/preview')[0]!
    expect(preq.headers.get('Content-Type')).toBe('text/csv')

    // The suggestion is preselected; an unknown column starts as "Ignore".
    expect((wrapper.get('select[data-column="Asset tag"]').element as HTMLSelectElement).value).toBe('tag')
    expect((wrapper.get('select[data-column="Speed"]').element as HTMLSelectElement).value).toBe('')
    await wrapper.get('select[data-column="Speed"]').setValue('custom_fields.rpm')

    await wrapper.get('[data-testid="import-check"]').trigger('click')
    await settle()
    const check = s.calls('POST /api/v1/assets/import')[0]!
    expect(check.path).toContain('dry_run=true')
    const errors = wrapper.findAll('[data-testid="import-errors"] tbody tr').map((r) => r.findAll('td').map((c) => c.text()))
    expect(errors).toEqual([['2', '3', 'CNC-2', 'Speed', '`fast` is not a whole number']])
    expect(wrapper.find('[data-testid="import-commit"]').exists()).toBe(false)

    await wrapper.get('[data-testid="import-check"]').trigger('click')
    await settle()
    expect(wrapper.get('[data-testid="import-check-result"]').text()).toContain('Ready: 2 new, 0 updated')
    await wrapper.get('[data-testid="import-commit"]').trigger('click')
    await settle()
    expect(s.calls('POST /api/v1/assets/import')[2]!.path).toContain('dry_run=false')
    expect(wrapper.get('[data-testid="import-done"]').text()).toContain('2 assets created')
  })

  it('refuses to check a mapping without the tag column', async () => {
    signedInAs('editor').on('POST /api/v1/assets/import/preview', jsonResponse(preview))
    const { wrapper } = await mountApp('/import')
    await chooseFile(wrapper)
    await wrapper.get('select[data-column="Asset tag"]').setValue('')
    expect(wrapper.get('[data-testid="import-mapping"]').text()).toContain('Map one column to the asset tag')
    expect(wrapper.get('[data-testid="import-check"]').attributes('disabled')).toBeDefined()
  })
})
