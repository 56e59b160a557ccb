import { beforeEach, describe, expect, it, vi } from 'vitest'
import { mountApp, settle, signedInAs } from '../test/app'
import { jsonResponse } from '../test/fixtures'

const token = { id: 3, name: 'ERP sync', prefix: 'shp_ab12', role: 'viewer', owner_id: 7, created_at: '2026-11-01T08:00:00Z', active: true }

beforeEach(() => localStorage.clear())

describe('API tokens', () => {
  it('shows a new token once, with a copy button, then lists it by prefix only', async () => {
    const s = signedInAs('editor')
      .on('GET /api/v1/tokens', jsonResponse([]), jsonResponse([token]))
      .on('POST /api/v1/tokens', jsonResponse({ token: 'shp_ab12_secret', api_token: token }))
    const writeText = vi.fn(async () => {})
    vi.stubGlobal('navigator', { ...navigator, clipboard: { writeText } })
    const { wrapper } = await mountApp('/account')
    // An editor may create viewer and editor tokens, not admin ones.
    expect(wrapper.findAll('.token-form select option').map((o) => o.text())).toEqual(['Viewer', 'Editor'])
    await wrapper.get('.token-form input').setValue('ERP sync')
    await wrapper.get('form.token-form').trigger('submit')
    await settle()
    expect(s.calls('POST /api/v1/tokens')[0]?.body).toEqual({ name: 'ERP sync', role: 'viewer' })
    expect((wrapper.get('[data-testid="token-secret"]').element as HTMLInputElement).value).toBe('shp_ab12_secret')
    await wrapper.get('[data-testid="copy-token"]').trigger('click')
    await settle()
    expect(writeText).toHaveBeenCalledWith('shp_ab12_secret')
    expect(wrapper.get('[data-testid="copy-token"]').text()).toBe('Copied')
    expect(wrapper.get('[data-testid="tokens-table"]').text()).toContain('shp_ab12…')
    expect(wrapper.get('[data-testid="tokens-table"]').text()).not.toContain('secret')
  })
})
