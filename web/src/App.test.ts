import { beforeEach, describe, expect, it } from 'vitest'
import { REFRESH_TOKEN_KEY } from './auth/store'
import { mountApp } from './test/app'
import { fakeServer, jsonResponse, sampleMeta, tokenPair } from './test/fixtures'
import { labelsPlugins } from './test/inventory'

/** A server with a stored session that the app restores on load. */
function signedInServer() {
  localStorage.setItem(REFRESH_TOKEN_KEY, 'stored-refresh')
  return fakeServer()
    .on('GET /api/v1/meta', jsonResponse(sampleMeta))
    .on('POST /api/v1/auth/refresh', jsonResponse(tokenPair()))
}

describe('App shell', () => {
  beforeEach(() => {
    document.title = 'ShopDB'
    localStorage.clear()
  })

  it('shows the product, site and user in the header and sets the page title', async () => {
    const server = signedInServer()
    const { wrapper } = await mountApp('/')

    // The header and the home view share one request.
    expect(server.calls('GET /api/v1/meta')).toHaveLength(1)
    const header = wrapper.get('header')
    expect(header.text()).toContain('ShopDB')
    expect(header.get('.site__name').text()).toBe('Plant 1')
    expect(header.get('.site__code').text()).toBe('PLANT1')
    expect(header.get('.session__name').text()).toBe('Jane Doe')
    expect(header.get('.session__role').text()).toBe('Editor')
    expect(header.get('[data-testid="sign-out"]').text()).toBe('Sign out')
    expect(header.findAll('nav a').map((a) => a.text())).toEqual(['Dashboard', 'Assets', 'Locations', 'Changes', 'Import'])
    expect(document.title).toBe('Plant 1 · ShopDB')
    expect(wrapper.get('main h1').text()).toBe('Dashboard')
  })

  it('shows the not-found view for unknown paths', async () => {
    signedInServer()
    const { wrapper } = await mountApp('/no/such/page?x=1')

    expect(wrapper.get('main h1').text()).toBe('Page not found')
    expect(wrapper.get('main').text()).toContain('/no/such/page?x=1')
    expect(wrapper.get('main a').attributes('href')).toBe('/')
  })

  it('adds the menu entries of enabled plugins that the user’s role may see', async () => {
    signedInServer()
      .on('GET /api/v1/plugins', jsonResponse(labelsPlugins))
      .on('GET /api/v1/plugins/labels/queue', jsonResponse({ items: [], total: 3, limit: 1, offset: 0 }))
      .on(
        'GET /api/v1/summary',
        jsonResponse({ generated_at: '2026-11-28T08:00:00Z', total: 0, by_status: [], by_type: [], by_location: [], recent_changes: [] }),
      )
    const { wrapper } = await mountApp('/')
    expect(wrapper.get('header').findAll('nav a').map((a) => a.text())).toEqual(['Dashboard', 'Assets', 'Locations', 'Changes', 'Import', 'Label queue'])
    expect(wrapper.get('[data-widget="labels.to_print"]').text()).toContain('3 labels to print')
  })
})
