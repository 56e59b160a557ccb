import { flushPromises, mount } from '@vue/test-utils'
import { createMemoryHistory } from 'vue-router'
import { beforeEach, describe, expect, it } from 'vitest'
import App from './App.vue'
import { createMetaStore } from './composables/meta'
import { createAppRouter } from './router'
import { jsonResponse, sampleMeta, stubFetch } from './test/fixtures'

async function mountAt(path: string) {
  const router = createAppRouter(createMemoryHistory())
  await router.push(path)
  const wrapper = mount(App, { global: { plugins: [router, createMetaStore()] } })
  await flushPromises()
  return wrapper
}

describe('App shell', () => {
  beforeEach(() => {
    document.title = 'ShopDB'
  })

  it('shows the product and site in the header and sets the page title', async () => {
    const fetchMock = stubFetch(jsonResponse(sampleMeta))
    const wrapper = await mountAt('/')

    // The header and the home view share one request.
    expect(fetchMock).toHaveBeenCalledTimes(1)
    const header = wrapper.get('header')
    expect(header.text()).toContain('ShopDB')
    expect(header.get('.site__name').text()).toBe('Plant 1')
    expect(header.get('.site__code').text()).toBe('PLANT1')
    expect(document.title).toBe('Plant 1 · ShopDB')
    expect(wrapper.get('main h1').text()).toBe('Site overview')
  })

  it('shows the not-found view for unknown paths', async () => {
    stubFetch(jsonResponse(sampleMeta))
    const wrapper = await mountAt('/no/such/page?x=1')

    expect(wrapper.get('main h1').text()).toBe('Page not found')
    expect(wrapper.get('main').text()).toContain('/no/such/page?x=1')
    expect(wrapper.get('main a').attributes('href')).toBe('/')
  })
})
