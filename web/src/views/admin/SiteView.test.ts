import { flushPromises, mount } from '@vue/test-utils'
import { describe, expect, it } from 'vitest'
import SiteView from './SiteView.vue'
import { createMetaStore } from '../../composables/meta'
import {
  jsonResponse,
  problemResponse,
  sampleMeta,
  serviceUnavailable,
  stubFetch,
} from '../../test/fixtures'

function mountHome() {
  return mount(SiteView, { global: { plugins: [createMetaStore()] } })
}

describe('SiteView', () => {
  it('shows a loading state, then the site and system information', async () => {
    const fetchMock = stubFetch(jsonResponse(sampleMeta))
    const wrapper = mountHome()

    expect(wrapper.get('[role="status"]').text()).toContain('Loading site information')
    expect(wrapper.get('section').attributes('aria-busy')).toBe('true')

    await flushPromises()

    expect(fetchMock).toHaveBeenCalledTimes(1)
    expect(wrapper.find('[role="status"]').exists()).toBe(false)
    expect(wrapper.get('section').attributes('aria-busy')).toBe('false')
    expect(wrapper.get('[data-testid="site-name"]').text()).toBe('Plant 1')
    expect(wrapper.get('[data-testid="site-code"]').text()).toBe('PLANT1')
    expect(wrapper.get('[data-testid="site-timezone"]').text()).toBe('Europe/Berlin')
    expect(wrapper.get('[data-testid="version"]').text()).toMatch(
      /ShopDB 0\.1\.0\s+\(commit abc1234\)/,
    )
    expect(wrapper.get('[data-testid="database-backend"]').text()).toBe('SQLite')
    expect(wrapper.findAll('[data-testid="plugins"] li').map((li) => li.text())).toEqual([
      'labels',
    ])
  })

  it('says "none" when no plugin is enabled', async () => {
    stubFetch(jsonResponse({ ...sampleMeta, plugins: [], database_backend: 'mysql' }))
    const wrapper = mountHome()
    await flushPromises()

    expect(wrapper.get('[data-testid="plugins"]').text()).toBe('none')
    expect(wrapper.find('[data-testid="plugins"] ul').exists()).toBe(false)
    expect(wrapper.get('[data-testid="database-backend"]').text()).toBe('MySQL / MariaDB')
  })

  it('shows the problem detail when the request fails, and retries', async () => {
    const fetchMock = stubFetch(problemResponse(serviceUnavailable), jsonResponse(sampleMeta))
    const wrapper = mountHome()
    await flushPromises()

    const alert = wrapper.get('[role="alert"]')
    expect(alert.text()).toContain('Could not load site information')
    expect(alert.text()).toContain('The database is not reachable: connection refused.')
    expect(alert.text()).toContain('HTTP 503')
    expect(wrapper.find('[data-testid="site-name"]').exists()).toBe(false)

    await alert.get('button').trigger('click')
    await flushPromises()

    expect(fetchMock).toHaveBeenCalledTimes(2)
    expect(wrapper.find('[role="alert"]').exists()).toBe(false)
    expect(wrapper.get('[data-testid="site-name"]').text()).toBe('Plant 1')
  })
})
