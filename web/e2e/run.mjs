// End-to-end run of the web UI against the real binary: `npm run e2e` (after `cargo build`).
// Walks through what staff do every day, scans the main screens with axe-core, and saves
// screenshots of them to docs/screenshots/. Exits non-zero on the first failed step.
import { mkdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { apiClient, fail, findBinary, launchBrowser, repoRoot, startServer } from './harness.mjs'

const SHOTS = join(repoRoot, 'docs', 'screenshots')
const NEW_PASSWORD = 'e2e correct horse battery'
const AXE_SOURCE = readFileSync(join(import.meta.dirname, '..', 'node_modules', 'axe-core', 'axe.min.js'), 'utf8')
const started = Date.now()

const binary = findBinary()
// The labels plugin is on, so the run covers label preview and printing.
const server = await startServer({ binary, plugins: (process.env.E2E_PLUGINS ?? 'labels').split(',').filter(Boolean) })
const browser = await launchBrowser()
const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, locale: 'en-GB', timezoneId: 'Europe/Berlin' })
context.setDefaultTimeout(10_000)
const page = await context.newPage()
const pageErrors = []
page.on('pageerror', (e) => pageErrors.push(String(e)))
page.on('console', (m) => m.type() === 'error' && !/Failed to load resource/.test(m.text()) && pageErrors.push(m.text()))
const api = apiClient(server.base)
const a11y = []
let stepName = ''
let passed = 0

mkdirSync(SHOTS, { recursive: true })

async function step(name, fn) {
  stepName = name
  const t0 = Date.now()
  await fn()
  passed += 1
  console.log(`  ok  ${name} (${Date.now() - t0} ms)`)
}

function expect(cond, message) {
  if (!cond) throw new Error(message)
}

async function shot(name, target = page) {
  await target.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: false })
}

/** Runs axe-core on the current page; serious and critical violations fail the run at the end. */
async function scan(name) {
  // Evaluated through the DevTools protocol: the page's CSP (no inline scripts) stays in force.
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(AXE_SOURCE)
  const result = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const r = await axe.run(document, { resultTypes: ['violations'] })
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(' ')).slice(0, 5) }))
  })
  a11y.push({ name, violations: result })
}

const url = (path) => server.base + path

try {
  console.log(`e2e: ${binary} on ${server.base}`)

  await step('sign in as the first admin and choose a new password (forced)', async () => {
    await page.goto(url('/assets'))
    await page.getByLabel('Username').fill('admin')
    await page.getByLabel('Password').fill(server.password)
    await shot('sign-in')
    await scan('sign-in')
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.waitForURL(/\/change-password/)
    await page.getByLabel('Current password').fill(server.password)
    await page.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD)
    await page.getByLabel('Repeat new password').fill(NEW_PASSWORD)
    await page.getByRole('button', { name: 'Change password' }).click()
    // Back to where the user was going.
    await page.waitForURL(/\/assets$/)
    await page.getByRole('heading', { name: 'Assets', level: 1 }).waitFor()
    await api.login('admin', NEW_PASSWORD)
  })

  await step('create locations (a site and a hall inside it)', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Locations' }).click()
    await page.getByText('No locations yet').waitFor()
    await page.getByRole('button', { name: 'New location' }).click()
    const dialog = page.getByRole('dialog')
    await dialog.getByLabel('Name').fill('Plant 1')
    await dialog.getByLabel('Kind').selectOption('site')
    await dialog.getByRole('button', { name: 'Create location' }).click()
    await page.getByRole('link', { name: 'Plant 1' }).waitFor()
    await page.getByRole('button', { name: 'Add inside Plant 1' }).click()
    await dialog.getByLabel('Name').fill('Hall B')
    await dialog.getByRole('button', { name: 'Create location' }).click()
    await page.getByRole('link', { name: 'Hall B' }).waitFor()
    await page.getByRole('button', { name: 'Add inside Plant 1' }).click()
    await dialog.getByLabel('Name').fill('Hall C')
    await dialog.getByRole('button', { name: 'Create location' }).click()
    await page.getByRole('link', { name: 'Hall C' }).waitFor()
  })

  await step('create an asset type with a required custom field', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Admin' }).click()
    await page.getByRole('link', { name: 'Asset types' }).click()
    await page.getByRole('button', { name: 'New type' }).click()
    const dialog = page.getByRole('dialog')
    await dialog.getByLabel('Key').fill('cnc')
    await dialog.getByLabel('Name').fill('CNC machine')
    await dialog.getByRole('button', { name: 'Save' }).click()
    await page.getByRole('heading', { name: /CNC machine/ }).waitFor()
    await page.getByRole('button', { name: 'Add field' }).click()
    await dialog.getByLabel('Key').fill('rpm')
    await dialog.getByLabel('Label').fill('Max spindle speed (rpm)')
    await dialog.getByLabel('Kind').selectOption('integer')
    await dialog.getByLabel('Minimum', { exact: true }).fill('100')
    await dialog.getByLabel('Maximum', { exact: true }).fill('30000')
    await dialog.getByLabel('Required').check()
    await dialog.getByRole('button', { name: 'Save field' }).click()
    await page.locator('[data-field="rpm"]').waitFor()
    await page.getByRole('button', { name: 'Add field' }).click()
    await dialog.getByLabel('Key').fill('controller')
    await dialog.getByLabel('Kind').selectOption('select')
    await dialog.getByLabel('Choices (one per line)').fill('Sinumerik 840D\nFanuc 31i\nHeidenhain TNC 640')
    await dialog.getByRole('button', { name: 'Save field' }).click()
    await page.locator('[data-field="controller"]').waitFor()
    await shot('admin-types')
    await scan('admin: asset types')
  })

  let assetId
  await step('create an asset: the server’s field error shows on its field, then it saves', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Assets' }).click()
    await page.getByRole('link', { name: 'New asset' }).first().click()
    await page.waitForURL(/\/assets\/new$/)
    await page.getByRole('heading', { name: 'New asset' }).waitFor()
    await page.getByLabel('Type').selectOption('cnc')
    await page.getByLabel('Asset tag').fill('cnc-0042')
    await page.getByLabel('Name', { exact: true }).fill('DMG Mori DMU 50')
    await page.getByLabel('Location').selectOption({ label: 'Plant 1 / Hall B' })
    await page.getByLabel('IP address').fill('10.0.0.256')
    await page.getByRole('button', { name: 'Create asset' }).click()
    const rpmError = page.locator('#f-cf-rpm-error')
    await rpmError.waitFor()
    expect((await page.locator('#f-cf-rpm').getAttribute('aria-invalid')) === 'true', 'rpm input is not marked invalid')
    await page.locator('#f-ip-error').waitFor()
    await shot('asset-form-errors')
    await scan('asset form with errors')
    await page.getByLabel('Max spindle speed (rpm)').fill('12000')
    await page.getByLabel('IP address').fill('10.0.0.42')
    await page.getByLabel('Controller').selectOption('Sinumerik 840D')
    await page.getByLabel('Manufacturer').fill('DMG Mori')
    await page.getByRole('button', { name: 'Create asset' }).click()
    await page.waitForURL(/\/assets\/\d+$/)
    assetId = Number(/\/assets\/(\d+)/.exec(page.url())[1])
    await page.getByRole('heading', { name: 'DMG Mori DMU 50', level: 1 }).waitFor()
    expect((await page.getByTestId('asset-tag').textContent()) === 'CNC-0042', 'tag not upper-cased')
  })

  await step('more assets through the API, one inside the machine and related to it', async () => {
    const types = await api.get('/api/v1/asset-types?limit=100')
    expect(types.items.some((t) => t.key === 'computer'), 'no computer type')
    const pc = await api.post('/api/v1/assets', { tag: 'PC-0042', name: 'Controller PC', type: 'computer', parent_id: assetId, hostname: 'pc-0042' })
    await api.post(`/api/v1/assets/${pc.id}/relations`, { kind: 'controls', target_id: assetId })
    for (let i = 1; i <= 12; i++) {
      await api.post('/api/v1/assets', { tag: `PRN-${String(i).padStart(3, '0')}`, name: `Label printer ${i}`, type: 'printer', status: i % 4 === 0 ? 'maintenance' : 'in_service' })
    }
  })

  await step('asset page: details, relations both ways, contents; readable on a phone', async () => {
    await page.goto(url(`/assets/${assetId}`))
    await page.getByTestId('custom-values').getByText('12000').waitFor()
    await shot('asset-page')
    await scan('asset page')
    await page.getByRole('tab', { name: 'Relations' }).click()
    await page.getByTestId('relations').getByText('controlled by').waitFor()
    await page.getByRole('tab', { name: 'Contents' }).click()
    await page.getByTestId('children').getByRole('link', { name: 'PC-0042' }).waitFor()
    // A phone-sized view of the same page: nothing wider than the screen.
    const phone = await context.newPage()
    await phone.setViewportSize({ width: 390, height: 844 })
    await phone.goto(url(`/a/cnc-0042`))
    await phone.waitForURL(/\/assets\/\d+$/)
    await phone.getByRole('heading', { name: 'DMG Mori DMU 50' }).waitFor()
    const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)
    expect(overflow <= 0, `the asset page is ${overflow}px wider than a phone screen`)
    await shot('asset-page-phone', phone)
    await phone.close()
  })

  await step('label: preview, the QR code’s address opens the asset, print and record it', async () => {
    await page.goto(url(`/assets/${assetId}`))
    await page.getByRole('tab', { name: 'Label' }).click()
    await page.getByTestId('label-preview').waitFor()
    const status = await api.get(`/api/v1/plugins/labels/assets/${assetId}`)
    expect(status.url === url(`/a/${assetId}`), `the QR code encodes ${status.url}`)
    await page.getByText(status.url).waitFor()
    await page.getByRole('button', { name: 'Print label' }).click()
    await page.getByTestId('ask-printed').waitFor()
    const labels = await page.frameLocator('#label-print-frame').locator('svg').count()
    expect(labels >= 1, 'the print frame has no label')
    await shot('asset-label')
    await scan('asset label')
    await page.getByRole('button', { name: 'Yes, record it as printed' }).click()
    await page.getByTestId('label-printed').getByText('up to date').waitFor()
    // What the QR code opens, on a phone.
    const phone = await context.newPage()
    await phone.setViewportSize({ width: 390, height: 844 })
    await phone.goto(status.url)
    await phone.waitForURL(new RegExp(`/assets/${assetId}$`))
    await phone.getByRole('heading', { name: 'DMG Mori DMU 50' }).waitFor()
    await phone.close()
  })

  await step('edit with a conflict: compare, then keep my change explicitly', async () => {
    await page.goto(url(`/assets/${assetId}/edit`))
    await page.getByLabel('Name', { exact: true }).waitFor()
    // Someone else saves first.
    const current = await api.get(`/api/v1/assets/${assetId}`)
    await api.patch(`/api/v1/assets/${assetId}`, { version: current.version, name: 'DMU 50 (hall B)', owner: 'Maintenance' })
    await page.getByLabel('Name', { exact: true }).fill('DMG Mori DMU 50 eVo')
    await page.getByRole('button', { name: 'Save changes' }).click()
    await page.getByTestId('conflict').waitFor()
    await page.getByRole('button', { name: 'Compare with the current version' }).click()
    const table = page.getByTestId('conflict-table')
    await table.getByText('DMU 50 (hall B)').waitFor()
    await table.getByText('DMG Mori DMU 50 eVo').waitFor()
    await shot('edit-conflict')
    await scan('edit conflict')
    await page.getByRole('button', { name: 'Save my changes over the current version' }).click()
    await page.waitForURL(new RegExp(`/assets/${assetId}$`))
    await page.getByRole('heading', { name: 'DMG Mori DMU 50 eVo' }).waitFor()
    const after = await api.get(`/api/v1/assets/${assetId}`)
    expect(after.owner === 'Maintenance', 'the other user’s untouched change (owner) was overwritten')
  })

  await step('revert the rename from the history, after a confirmation', async () => {
    await page.getByRole('tab', { name: 'History' }).click()
    const latest = page.getByTestId('history').locator('li').first()
    await latest.getByText('DMG Mori DMU 50 eVo').waitFor()
    await latest.getByRole('button', { name: /Revert change/ }).click()
    const dialog = page.getByRole('dialog')
    await dialog.getByText('This records a new change').waitFor()
    await dialog.getByRole('button', { name: 'Revert', exact: true }).click()
    await page.getByTestId('revert-done').waitFor()
    await page.getByRole('heading', { name: 'DMU 50 (hall B)', level: 1 }).waitFor()
    await shot('asset-history')
    await scan('asset history')
  })

  await step('assets list: quick search, filters in the URL, sort, columns remembered', async () => {
    await page.goto(url('/assets'))
    await page.getByTestId('assets-table').waitFor()
    const rows = () => page.getByTestId('assets-table').locator('tbody tr')
    expect((await rows().count()) === 14, `expected 14 assets, got ${await rows().count()}`)
    await page.getByLabel('Search').fill('label printer 1')
    await page.waitForURL(/q=label/)
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="assets-table"] tbody tr').length === 4)
    await page.getByLabel('Search').fill('')
    await page.waitForURL((u) => !u.search.includes('q='))
    await page.getByRole('checkbox', { name: 'Maintenance' }).check()
    await page.waitForURL(/status=maintenance/)
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="assets-table"] tbody tr').length === 3)
    await page.getByRole('checkbox', { name: 'Maintenance' }).uncheck()
    await page.getByRole('button', { name: /^Name/ }).click()
    await page.waitForURL(/sort=name/)
    await page.getByRole('button', { name: 'Columns' }).click()
    await page.getByRole('checkbox', { name: 'Hostname' }).check()
    await page.keyboard.press('Escape')
    await page.getByRole('columnheader', { name: /Hostname/ }).waitFor()
    await page.reload()
    await page.getByRole('columnheader', { name: /Hostname/ }).waitFor()
    await shot('assets-list')
    await scan('assets list')
  })

  await step('bulk: select two printers and set their status (one all-or-nothing request)', async () => {
    await page.goto(url('/assets?q=label%20printer%201'))
    await page.getByRole('checkbox', { name: 'Select PRN-010' }).check()
    await page.getByRole('checkbox', { name: 'Select PRN-011' }).check()
    await page.getByLabel('New status').selectOption('spare')
    await page.getByRole('button', { name: 'Apply' }).click()
    await page.waitForFunction(() => [...document.querySelectorAll('[data-testid="status-badge"]')].filter((b) => b.textContent === 'Spare').length === 2)
  })

  await step('print labels for a selection from the list', async () => {
    await page.goto(url('/assets?q=label%20printer%201'))
    await page.getByRole('checkbox', { name: 'Select all assets on this page' }).check()
    await page.getByRole('button', { name: 'Print labels' }).click()
    const dialog = page.getByRole('dialog')
    await dialog.getByRole('button', { name: 'Print', exact: true }).click()
    await dialog.getByText('Did the labels print correctly?').waitFor()
    const labels = await page.frameLocator('#label-print-frame').locator('svg').count()
    expect(labels >= 4, `the sheet has ${labels} labels, expected 4`)
    await dialog.getByRole('button', { name: 'Yes, record as printed' }).click()
    await dialog.getByTestId('labels-recorded').waitFor()
    await dialog.getByRole('button', { name: 'Done' }).click()
  })

  await step('CSV import: preview, map a column, dry run with a row error, then commit', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Import' }).click()
    const csv = (speed) =>
      Buffer.from(`Asset tag;Description;Type;Max speed;Colour\nCNC-0100;Hermle C42;cnc;${speed};red\nCNC-0101;Hermle C32;cnc;9000;blue\n`)
    await page.getByLabel('CSV file').setInputFiles({ name: 'machines.csv', mimeType: 'text/csv', buffer: csv('fast') })
    await page.getByTestId('import-mapping').waitFor()
    await page.getByLabel('Field for column Description').selectOption('name')
    await page.getByLabel('Field for column Max speed').selectOption('custom_fields.rpm')
    await page.getByRole('button', { name: 'Check (nothing is written)' }).click()
    await page.getByTestId('import-errors').getByText('Max speed').first().waitFor()
    await page.getByTestId('import-check-result').scrollIntoViewIfNeeded()
    await shot('import-check')
    await scan('import with row errors')
    await page.getByLabel('CSV file').setInputFiles({ name: 'machines.csv', mimeType: 'text/csv', buffer: csv('12000') })
    await page.getByTestId('import-mapping').waitFor()
    await page.getByLabel('Field for column Description').selectOption('name')
    await page.getByLabel('Field for column Max speed').selectOption('custom_fields.rpm')
    await page.getByRole('button', { name: 'Check (nothing is written)' }).click()
    await page.getByRole('button', { name: 'Import 2 rows' }).click()
    await page.getByTestId('import-done').getByText('2 assets created').waitFor()
    const imported = await api.get('/api/v1/assets/by-tag/CNC-0101')
    expect(imported.custom_fields.rpm === 9000, 'imported custom field value is wrong')
  })

  await step('the list at 768 px: no sideways scrolling of the page', async () => {
    await page.setViewportSize({ width: 768, height: 900 })
    await page.goto(url('/assets'))
    await page.getByTestId('assets-table').waitFor()
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)
    expect(overflow <= 0, `the list page is ${overflow}px wider than 768 px`)
    await shot('assets-list-768')
    await page.setViewportSize({ width: 1280, height: 860 })
  })

  await step('dashboard: counts by status, type and location; recent changes', async () => {
    await page.goto(url('/'))
    await page.getByTestId('total-assets').getByText('16').waitFor()
    await page.getByTestId('recent-changes').waitFor()
    await shot('dashboard')
    await scan('dashboard')
  })

  await step('changes: a deleted asset is found among the deletions and restored by a revert', async () => {
    const printer = await api.get('/api/v1/assets/by-tag/PRN-012')
    await api.del(`/api/v1/assets/${printer.id}`)
    await page.getByTestId('all-changes').click()
    await page.getByRole('heading', { name: 'Changes', level: 1 }).waitFor()
    await page.getByLabel('Action').selectOption('delete')
    await page.waitForURL(/\/changes\?action=delete$/)
    const row = page.getByTestId('changes').locator('li', { hasText: 'PRN-012' }).first()
    await row.getByText('Deleted asset').waitFor()
    await scan('changes')
    await shot('changes')
    await row.getByRole('button', { name: /Revert change/ }).click()
    const dialog = page.getByRole('dialog')
    await dialog.getByText(`Restore the deleted asset “PRN-012” under its old id (#${printer.id})`).waitFor()
    await dialog.getByRole('button', { name: 'Revert', exact: true }).click()
    await page.getByTestId('revert-done').getByRole('link', { name: 'Open PRN-012' }).click()
    await page.waitForURL(new RegExp(`/assets/${printer.id}$`))
    await page.getByRole('heading', { name: 'Label printer 12', level: 1 }).waitFor()
  })

  await step('locations: move a hall under another, delete refused while it holds assets', async () => {
    await page.goto(url('/locations'))
    await page.getByRole('button', { name: 'Move Hall C' }).click()
    const dialog = page.getByRole('dialog')
    await dialog.getByLabel('New parent').selectOption({ label: 'Plant 1 / Hall B' })
    await dialog.getByRole('button', { name: 'Move' }).click()
    await page.locator('[data-location="Plant 1 / Hall B / Hall C"]').waitFor()
    await page.getByRole('button', { name: 'Delete Hall B' }).click()
    await dialog.getByRole('button', { name: 'Delete location' }).click()
    await dialog.getByRole('alert').getByText(/still holds/).waitFor()
    await shot('locations')
    await dialog.getByRole('button', { name: 'Cancel' }).click()
    await scan('locations')
  })

  await step('admin: users, API token shown once', async () => {
    await page.goto(url('/admin/users'))
    await page.getByRole('button', { name: 'New user' }).click()
    const dialog = page.getByRole('dialog')
    await dialog.getByLabel('Username').fill('viewer1')
    await dialog.getByLabel('Display name').fill('Vera Viewer')
    await dialog.getByLabel('Initial password').fill('viewer password 123')
    await dialog.getByLabel('Must choose a new password at next sign-in').uncheck()
    await dialog.getByRole('button', { name: 'Create user' }).click()
    await page.locator('[data-user="viewer1"]').waitFor()
    await shot('admin-users')
    await scan('admin: users')
    await page.getByRole('link', { name: 'API tokens' }).click()
    await page.getByLabel('Name', { exact: true }).fill('ERP sync')
    await page.getByRole('button', { name: 'Create token' }).click()
    const secret = await page.getByTestId('token-secret').inputValue()
    expect(secret.startsWith('shp_'), 'no token shown')
    await scan('admin: tokens')
  })

  await step('a viewer sees no edit controls', async () => {
    const viewer = await context.browser().newContext({ viewport: { width: 1280, height: 860 } })
    const vp = await viewer.newPage()
    await vp.goto(url(`/assets/${assetId}`))
    await vp.getByLabel('Username').fill('viewer1')
    await vp.getByLabel('Password').fill('viewer password 123')
    await vp.getByRole('button', { name: 'Sign in' }).click()
    await vp.getByRole('heading', { name: 'DMU 50 (hall B)' }).waitFor()
    expect((await vp.getByRole('link', { name: 'Edit' }).count()) === 0, 'viewer sees Edit')
    await vp.getByRole('tab', { name: 'History' }).click()
    await vp.getByTestId('history').waitFor()
    expect((await vp.getByRole('button', { name: /Revert/ }).count()) === 0, 'viewer sees Revert')
    await vp.goto(url('/assets'))
    await vp.getByTestId('assets-table').waitFor()
    expect((await vp.getByRole('link', { name: 'New asset' }).count()) === 0, 'viewer sees New asset')
    expect((await vp.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Admin' }).count()) === 0, 'viewer sees Admin')
    await viewer.close()
  })

  await step('sign out', async () => {
    await page.getByTestId('user-menu').click()
    await page.getByRole('button', { name: 'Sign out' }).click()
    await page.waitForURL(/\/login/)
    await page.goto(url('/assets'))
    await page.waitForURL(/\/login\?next=/)
  })

  const serious = a11y.flatMap((s) => s.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => ({ screen: s.name, ...v })))
  const minor = a11y.flatMap((s) => s.violations.filter((v) => !(v.impact === 'serious' || v.impact === 'critical')).map((v) => ({ screen: s.name, ...v })))
  await step(`accessibility: axe-core on ${a11y.length} screens, no serious or critical violations`, async () => {
    for (const v of minor) console.log(`      note (${v.impact}) ${v.screen}: ${v.id} — ${v.help} [${v.nodes.join(', ')}]`)
    for (const v of serious) console.log(`      FAIL (${v.impact}) ${v.screen}: ${v.id} — ${v.help} [${v.nodes.join(', ')}]`)
    expect(serious.length === 0, `${serious.length} serious/critical accessibility violations`)
  })

  await step('no JavaScript errors in the browser', async () => {
    expect(pageErrors.length === 0, `page errors:\n${pageErrors.join('\n')}`)
  })
} catch (err) {
  await page.screenshot({ path: join(repoRoot, 'target', 'e2e-failure.png') }).catch(() => {})
  console.error(`  FAILED  ${stepName}\n${err?.stack ?? err}`)
  console.error(`  (screenshot: target/e2e-failure.png; server log below)\n${server.logs().slice(-4000)}`)
  await browser.close()
  await server.stop()
  console.log(`${passed} passed, 1 failed`)
  process.exit(1)
}

await browser.close()
await server.stop()
console.log(`e2e finished in ${((Date.now() - started) / 1000).toFixed(1)} s`)
console.log(`${passed} passed, 0 failed`)
