// Benchmark of the assets list in a real browser (issue #6): with a large demo site
// (`shopdb demo`), how long until the list shows its first page after navigation, and how long
// quick search takes to update the results after the debounce. A benchmark, not a test: it
// prints numbers for docs/PERFORMANCE.md and fails only if something does not work.
//
//   cargo build --release && BENCH_ASSETS=100000 npm --prefix web run bench
import { apiClient, findBinary, launchBrowser, startServer } from './harness.mjs'

const ASSETS = Number(process.env.BENCH_ASSETS ?? 100_000)
const RUNS = Number(process.env.BENCH_RUNS ?? 7)
const PASSWORD = 'bench password 1234'
const DEBOUNCE_MS = 300

const binary = findBinary()
console.log(`bench: ${binary}, ${ASSETS} demo assets, ${RUNS} runs per measurement`)
const t0 = Date.now()
const server = await startServer({ binary, adminPassword: PASSWORD, prepare: [['demo', '--assets', String(ASSETS)]] })
console.log(`seeded and started in ${((Date.now() - t0) / 1000).toFixed(1)} s`)
const api = apiClient(server.base)
await api.login('admin', PASSWORD)
const total = (await api.get('/api/v1/assets?limit=1&fields=tag')).total

const browser = await launchBrowser()
const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
const page = await context.newPage()
await page.goto(`${server.base}/login`)
await page.getByLabel('Username').fill('admin')
await page.getByLabel('Password').fill(PASSWORD)
await page.getByRole('button', { name: 'Sign in' }).click()
await page.getByRole('heading', { name: 'Dashboard' }).waitFor()

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const fmt = (xs) => `median ${median(xs).toFixed(0)} ms (min ${Math.min(...xs).toFixed(0)}, max ${Math.max(...xs).toFixed(0)})`

/** Page-side: resolves with performance.now() once the table shows rows different from `before`. */
const waitRows = (before) =>
  page.evaluate(
    (prev) =>
      new Promise((resolve) => {
        const check = () => {
          const rows = document.querySelectorAll('[data-testid="assets-table"] tbody tr')
          const first = rows[0]?.textContent ?? ''
          if (rows.length > 0 && first !== prev && !document.querySelector('[data-testid="assets-table"][aria-busy="true"]')) {
            resolve(performance.now())
            return true
          }
          return false
        }
        if (check()) return
        const obs = new MutationObserver(() => check() && obs.disconnect())
        obs.observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true })
      }),
    before,
  )

// 1. Full page load of /assets (a reload: JS, session restore, first list request).
const cold = []
for (let i = 0; i < RUNS; i++) {
  await page.goto(`${server.base}/assets?sort=${i % 2 ? 'name' : '-updated_at'}`)
  cold.push(await waitRows(''))
}

// 2. In-app navigation: Dashboard → Assets (the list's chunk is cached after the first visit).
const nav = []
for (let i = 0; i < RUNS; i++) {
  await page.goto(`${server.base}/`)
  await page.getByRole('heading', { name: 'Dashboard' }).waitFor()
  const start = await page.evaluate(() => {
    const t = performance.now()
    document.querySelector('nav[aria-label="Main"] a[href="/assets"]').click()
    return t
  })
  nav.push((await waitRows('')) - start)
}

// 3. Quick search: time from the end of the debounce (last key + 300 ms) to updated rows.
const terms = ['controller pc of cnc-0004', 'laptop 7', 'hmi-00012', 'operator panel 3', 'pc-00009', 'molding', 'off-0000']
const search = []
await page.goto(`${server.base}/assets`)
await waitRows('')
// The debounce starts at the last input event: record its time in the page itself.
await page.evaluate(() => {
  document.querySelector('[data-testid="quick-search"]').addEventListener('input', () => {
    window.__lastInput = performance.now()
  })
})
for (let i = 0; i < RUNS; i++) {
  const term = terms[i % terms.length]
  const before = await page.evaluate(() => document.querySelector('[data-testid="assets-table"] tbody tr')?.textContent ?? '')
  const box = page.getByLabel('Search')
  await box.fill('')
  await box.pressSequentially(term, { delay: 20 })
  const done = await waitRows(before)
  const lastKey = await page.evaluate(() => window.__lastInput)
  search.push(done - lastKey - DEBOUNCE_MS)
  await box.fill('')
  await page.waitForURL((u) => !u.search.includes('q='))
  await waitRows('')
}

console.log(`assets in the database: ${total}`)
console.log(`first page, full load of /assets:        ${fmt(cold)}`)
console.log(`first page, in-app navigation:           ${fmt(nav)}`)
console.log(`quick search, after the ${DEBOUNCE_MS} ms debounce: ${fmt(search)}`)
await browser.close()
await server.stop()
