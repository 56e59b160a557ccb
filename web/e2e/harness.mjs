// The e2e harness: a real `shopdb` binary on a fresh SQLite database in a temp dir, on a free
// loopback port, and Debian's Chromium driven by playwright-core. Nothing is downloaded.
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { chromium } from 'playwright-core'

export const repoRoot = resolve(import.meta.dirname, '..', '..')

/** Fails with a message that says what to install or build. */
export function fail(message) {
  console.error(`\n!!! e2e: ${message}\n`)
  process.exit(1)
}

export function findChromium() {
  const path = process.env.CHROMIUM_PATH || '/usr/bin/chromium'
  if (!existsSync(path)) {
    fail(
      `Chromium not found at ${path}. Install Debian's package (apt-get install chromium) or set CHROMIUM_PATH. ` +
        'The e2e tests never download a browser.',
    )
  }
  return path
}

export function findBinary() {
  const candidates = process.env.SHOPDB_BIN
    ? [resolve(process.env.SHOPDB_BIN)]
    : [join(repoRoot, 'target/release/shopdb'), join(repoRoot, 'target/debug/shopdb')]
  const found = candidates.filter((p) => existsSync(p))
  if (!found.length) fail(`no shopdb binary (looked for ${candidates.join(', ')}); run \`cargo build\` first, or set SHOPDB_BIN`)
  // The newest one: a stale release build must not hide the debug build just made.
  return found.sort((a, b) => mtime(b) - mtime(a))[0]
}

function mtime(path) {
  try {
    return statSync(path).mtimeMs
  } catch {
    return 0
  }
}

async function freePort() {
  return new Promise((resolvePort, reject) => {
    const srv = createServer()
    srv.unref()
    srv.on('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address()
      srv.close(() => resolvePort(port))
    })
  })
}

/**
 * Starts `shopdb serve` with only the settings given here (inherited SHOPDB_* variables are
 * dropped; the temp dir has no shopdb.toml). Resolves once /readyz answers 200, with the admin
 * password the server printed on its first start.
 */
export async function startServer({ binary, plugins = [], env: extraEnv = {}, adminPassword = null, prepare = [] }) {
  const dir = mkdtempSync(join(tmpdir(), 'shopdb-e2e-'))
  const port = await freePort()
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('SHOPDB_')))
  Object.assign(env, {
    SHOPDB_SERVER__BIND: `127.0.0.1:${port}`,
    SHOPDB_SERVER__PUBLIC_URL: `http://127.0.0.1:${port}`,
    SHOPDB_DATABASE__URL: `sqlite://${dir}/shopdb.sqlite`,
    SHOPDB_SITE__CODE: 'PLANT1',
    SHOPDB_SITE__NAME: 'Plant 1 Augsburg',
    SHOPDB_SITE__TIMEZONE: 'Europe/Berlin',
    SHOPDB_SERVER__SHUTDOWN_GRACE: '1s',
    SHOPDB_LOG__LEVEL: 'warn',
    ...(plugins.length ? { SHOPDB_PLUGINS__ENABLED: plugins.join(',') } : {}),
    ...(adminPassword ? { SHOPDB_ADMIN__PASSWORD: adminPassword } : {}),
    ...extraEnv,
  })
  // Commands to run on the database first, e.g. ['demo', '--assets', '100000'].
  for (const args of prepare) {
    const r = spawnSync(binary, args, { cwd: dir, env, stdio: ['ignore', 'inherit', 'inherit'] })
    if (r.status !== 0) fail(`shopdb ${args.join(' ')} failed: ${r.error ?? `exit ${r.status}`}`)
  }
  const child = spawn(binary, ['serve'], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  let err = ''
  child.stdout.on('data', (d) => (out += d))
  child.stderr.on('data', (d) => (err += d))
  const exited = new Promise((r) => child.on('exit', (code) => r(code)))

  const base = `http://127.0.0.1:${port}`
  const deadline = Date.now() + 30_000
  for (;;) {
    const code = await Promise.race([exited, new Promise((r) => setTimeout(() => r(undefined), 100))])
    if (code !== undefined) fail(`shopdb exited with ${code} before it was ready:\n${out}\n${err}`)
    try {
      const res = await fetch(`${base}/readyz`)
      if (res.ok) break
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) fail(`shopdb was not ready after 30 s:\n${out}\n${err}`)
  }
  const password = adminPassword ?? /password:\s*(\S+)/.exec(out)?.[1]
  if (!password) fail(`shopdb did not print the first admin password:\n${out}`)

  return {
    base,
    password,
    logs: () => `${out}\n${err}`,
    async stop() {
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000)
      await exited
      clearTimeout(timer)
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

export async function launchBrowser() {
  return chromium.launch({
    executablePath: findChromium(),
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
  })
}

/** A small API client for setting up data and simulating a second user. */
export function apiClient(base) {
  let token = null
  async function call(method, path, body, headers = {}) {
    const res = await fetch(base + path, {
      method,
      headers: {
        Accept: 'application/json, application/problem+json',
        ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
        ...(token ? { Authorization: `Bearer ${token}` } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    const text = await res.text()
    const json = text ? JSON.parse(text) : null
    if (!res.ok) throw new Error(`${method} ${path} → ${res.status}: ${text}`)
    return json
  }
  return {
    async login(username, password) {
      token = (await call('POST', '/api/v1/auth/login', { username, password })).access_token
    },
    get: (p) => call('GET', p),
    post: (p, b) => call('POST', p, b),
    patch: (p, b) => call('PATCH', p, b),
    del: (p) => call('DELETE', p),
  }
}
