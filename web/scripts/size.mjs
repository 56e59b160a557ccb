// Initial JavaScript of the built UI (web/dist), gzipped: the entry script and the chunks
// index.html preloads, i.e. what a browser downloads before the first screen's own chunk.
// Also lists each lazy route chunk. Run after `npm run build`: `npm run size`.
import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'

const dist = join(import.meta.dirname, '..', 'dist')
const html = readFileSync(join(dist, 'index.html'), 'utf8')
const initial = [...html.matchAll(/(?:src|href)="\/(assets\/[^"]+\.js)"/g)].map((m) => m[1])
const gz = (file) => gzipSync(readFileSync(join(dist, file)), { level: 9 }).length
const kb = (n) => `${(n / 1000).toFixed(1)} KB`

let total = 0
console.log('Initial JavaScript (gzip -9):')
for (const f of initial) {
  const n = gz(f)
  total += n
  console.log(`  ${f.padEnd(48)} ${kb(n)}`)
}
console.log(`  ${'total'.padEnd(48)} ${kb(total)}  (budget 300 KB)`)

const lazy = readdirSync(join(dist, 'assets'))
  .filter((f) => f.endsWith('.js') && !initial.includes(`assets/${f}`))
  .map((f) => ({ f, n: gz(`assets/${f}`) }))
  .sort((a, b) => b.n - a.n)
console.log(`Lazy chunks (${lazy.length}), largest first:`)
for (const { f, n } of lazy.slice(0, 12)) console.log(`  ${f.padEnd(48)} ${kb(n)}`)
if (total > 300_000) {
  console.error('Initial JavaScript is over the 300 KB budget.')
  process.exit(1)
}
